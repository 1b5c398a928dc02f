import { getOperationAST, parse } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { operationCacheHints } from '../../src/graphql/cache-policy.js';
import { PUBLIC_READ_MAX_AGE_SECONDS } from '../../src/graphql/cache-control.js';

/** The hint of the document's operation, as the Apollo plugin's default (not cacheable) leaves unhinted fields. */
const hints = operationCacheHints(schema, 0);
const hintOf = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return hints(document, getOperationAST(document)!, variables);
};

describe("an operation's cache policy from the schema's hints", () => {
  it('is public for a catalog page of public fields, wrappers inheriting the field that returns them', () => {
    expect(
      hintOf('{ courses(first: 5) { totalCount edges { cursor node { id title } } pageInfo { hasNextPage } } }'),
    ).toEqual({
      maxAge: PUBLIC_READ_MAX_AGE_SECONDS,
      scope: 'PUBLIC',
    });
  });

  it('is private and not cacheable once a viewer-specific field is selected, through a named fragment too', () => {
    expect(
      hintOf(`
        query { courses(first: 5) { edges { node { ...Progress } } } }
        fragment Progress on Course { title viewerProgress { completionRate } }
      `),
    ).toEqual({ maxAge: 0, scope: 'PRIVATE' });
  });

  it('follows @include and @skip with the request variables', () => {
    const query = `query ($withProgress: Boolean!) {
      courses(first: 5) { edges { node { title viewerProgress @include(if: $withProgress) { completionRate } } } }
    }`;
    expect(hintOf(query, { withProgress: false })).toEqual({ maxAge: PUBLIC_READ_MAX_AGE_SECONDS, scope: 'PUBLIC' });
    expect(hintOf(query, { withProgress: true })).toEqual({ maxAge: 0, scope: 'PRIVATE' });
  });

  it('leaves an operation of meta fields only without a policy, as Apollo does (no-store)', () => {
    expect(hintOf('{ __typename }')).toEqual({});
  });
});
