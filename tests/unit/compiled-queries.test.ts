import { parse } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { readsPrismaLoaderMappings } from '../../src/graphql/plugins/compiled-queries.js';
import { CatalogPageDocument, LearnerDashboardDocument } from '../generated/graphql.js';

/** Which documents graphql-jit may run: those that read no plugin-prisma loader mapping. */
describe('readsPrismaLoaderMappings', () => {
  it('is false for the catalog page, whose Course fields read what the page statement brought', () => {
    expect(readsPrismaLoaderMappings(schema, CatalogPageDocument)).toBe(false);
  });

  it('is true for the learner dashboard, whose progress rows answer `course` from their preloaded relation', () => {
    expect(readsPrismaLoaderMappings(schema, LearnerDashboardDocument)).toBe(true);
  });

  it('finds a relation selected only through a fragment', () => {
    const document = parse(`
      query { viewer { progress(first: 1) { edges { node { ...Row } } } } }
      fragment Row on UserProgress { id course { title } }
    `);
    expect(readsPrismaLoaderMappings(schema, document)).toBe(true);
  });

  it('is false for a prismaField whose selection holds no relation', () => {
    expect(readsPrismaLoaderMappings(schema, parse('query { viewer { id displayName } }'))).toBe(false);
  });

  it('is true for a relation beneath a field the page statement answers', () => {
    const document = parse('query { courses(first: 2) { edges { node { assessments { course { id } } } } } }');
    expect(readsPrismaLoaderMappings(schema, document)).toBe(true);
  });
});
