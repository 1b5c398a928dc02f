import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createCharacter, createCourse, createUser } from '../../helpers/factories.js';
import { parse } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { schema } from '../../../src/graphql/schema.js';
import { readsPrismaLoaderMappings } from '../../../src/graphql/plugins/compiled-queries.js';

/**
 * A query that selects no plugin-prisma relation runs compiled by graphql-jit (graphql/plugins/compiled-queries),
 * the same query with a relation beneath it on graphql-js. The errors of both, and the status, must be the
 * same: codes, messages, paths, locations, the masking of internal errors and the fields of bad input.
 */
const COMPILED = `query ($after: String, $first: Int) { courses(first: $first, after: $after) { edges { node { id } } } }`;
const INTERPRETED = `query ($after: String, $first: Int) { courses(first: $first, after: $after) { edges { node { id assessments { course { id } } } } } }`;

let server: TestServer;
let prisma: PrismaClient;
let learner: { id: number };

beforeAll(async () => {
  server = await startTestServer();
  prisma = server.database.prisma;
  learner = { id: (await createUser(prisma)).id };
  await createCourse(prisma);
  await createCharacter(prisma);
});
afterAll(() => server.close());

/** The pair takes both paths: the first compiles, the second stays on graphql-js (else the comparison says nothing). */
function expectBothPaths(compiled: string, interpreted: string) {
  expect(readsPrismaLoaderMappings(schema, parse(compiled))).toBe(false);
  expect(isCompiledQuery(compileQuery(schema, parse(compiled)))).toBe(true);
  expect(readsPrismaLoaderMappings(schema, parse(interpreted))).toBe(true);
}

async function both(variables: Record<string, unknown>) {
  expectBothPaths(COMPILED, INTERPRETED);
  const [compiled, interpreted] = [
    await server.graphql(COMPILED, variables, { as: learner }),
    await server.graphql(INTERPRETED, variables, { as: learner }),
  ];
  return { compiled, interpreted };
}

describe('a compiled query', () => {
  it('answers as graphql-js does', async () => {
    const { compiled, interpreted } = await both({ first: 5 });
    expect(compiled.body.errors).toBeUndefined();
    expect(
      (compiled.body.data as { courses: { edges: { node: { id: string } }[] } }).courses.edges.map((e) => e.node.id),
    ).toEqual(
      (interpreted.body.data as { courses: { edges: { node: { id: string } }[] } }).courses.edges.map((e) => e.node.id),
    );
  });

  it.each([
    [
      "an id that is not a chat session's",
      'query { chatSession(id: "not an id") { id } }',
      'query { chatSession(id: "not an id") { id character { id } } }',
    ],
    [
      'an admin-only field asked by a learner',
      'query { characters(first: 1) { edges { node { id personalityConfig } } } }',
      'query { characters(first: 1) { edges { node { id personalityConfig } } } viewer { progress(first: 1) { totalCount } } }',
    ],
  ])('reports %s with the errors and status graphql-js gives', async (_name, compiledQuery, interpretedQuery) => {
    expectBothPaths(compiledQuery, interpretedQuery);
    const compiled = await server.graphql(compiledQuery, undefined, { as: learner });
    const interpreted = await server.graphql(interpretedQuery, undefined, { as: learner });
    expect(compiled.body.errors?.length).toBeGreaterThan(0);
    expect(compiled.body.errors).toEqual(interpreted.body.errors);
    expect(compiled.status).toBe(interpreted.status);
    const { viewer, ...interpretedData } = (interpreted.body.data ?? {}) as Record<string, unknown>;
    expect(compiled.body.data).toEqual(viewer === undefined ? interpreted.body.data : interpretedData);
  });

  it('leaves variables that do not fit to Apollo', async () => {
    const { compiled, interpreted } = await both({ first: 'five' });
    expect(compiled.status).toBe(400);
    expect(compiled.body).toEqual(interpreted.body);
  });
});
