import type { GraphQLError } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { loadConfig } from '../../src/config.js';
import { operationLimits, subscriptionChecker } from '../../src/graphql/plugins/limits.js';
import { encodeGlobalID } from '@pothos/plugin-relay';

const MESSAGES = `subscription Messages($sessionId: ID!, $afterSeq: Int) {
  chatMessageAdded(sessionId: $sessionId, afterSeq: $afterSeq) { id seq content }
}`;
const sessionId = encodeGlobalID('ChatSession', '1');

const codesOf = (checked: unknown) => (checked as GraphQLError[]).map((error) => error.extensions.code);

describe('the WebSocket subscribe check', () => {
  const check = subscriptionChecker(schema, { ...operationLimits(loadConfig({})), production: true });

  it('parses and validates a document once: later subscribes with its text share the first one’s tree', () => {
    const first = check({ query: MESSAGES, variables: { sessionId } });
    const second = check({ query: MESSAGES, variables: { sessionId, afterSeq: 3 } });
    expect(Array.isArray(first) || Array.isArray(second)).toBe(false);
    expect(second).toMatchObject({ variableValues: { sessionId, afterSeq: 3 } });
    expect((second as { document: unknown }).document).toBe((first as { document: unknown }).document);
  });

  it('still checks the variables of every subscribe to a known document', () => {
    expect(Array.isArray(check({ query: MESSAGES, variables: { sessionId } }))).toBe(false);
    expect(codesOf(check({ query: MESSAGES, variables: { sessionId, afterSeq: 'x' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(check({ query: MESSAGES, variables: {} }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(check({ query: MESSAGES, variables: { sessionId: 'x'.repeat(100_000) } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('refuses an invalid document every time it is sent, without keeping it', () => {
    const invalid = 'subscription { chatMessageAdded(sessionId: "x") { nope } }';
    expect(codesOf(check({ query: invalid }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codesOf(check({ query: invalid }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codesOf(check({ query: 'subscription {' }))).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});
