import { GraphQLError } from 'graphql';
import pg from 'pg';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { formatError } from '../../../src/graphql/errors.js';
import { NotFoundError } from '../../../src/platform/errors.js';
import { createCharacter, admin } from '../../helpers/factories.js';
import { createLogger } from '../../../src/platform/logger.js';
import { coach, learner, openSession, rowIdOf } from '../chat/fixtures.js';
import { LogCapture } from './log-capture.js';
import { openSocket, subscribeOnce } from './socket.js';

/**
 * formatError is the one place that decides what a client sees: domain errors as they are, validation errors
 * naming their fields, database rule violations as domain codes, and anything else masked down to
 * INTERNAL_SERVER_ERROR and a request id, while the log keeps the whole error under the same id. Every HTTP
 * request leaves one JSON line.
 */

/** What must never reach a client: SQL, PostgreSQL's and Prisma's words, stack frames, connection strings. */
const LEAK = /relation|does not exist|select|prisma|postgres|sql|stack|\bat \w+ \(|node_modules|127\.0\.0\.1|\.ts:\d+/i;

const characterInput = {
  name: 'leak_test_coach',
  displayName: 'Leak Test Coach',
  personalityConfig: { systemPrompt: 'Coach.', temperature: 0.5, tone: 'calm' },
  specialization: 'Testing',
  skillLevel: 'BEGINNER',
  conversationStyle: 'FRIENDLY',
};
const CREATE_CHARACTER = `mutation CreateCharacter($input: CharacterInput!) { createCharacter(input: $input) { id name } }`;

let server: TestServer;
const logs = new LogCapture();

beforeAll(async () => {
  server = await startTestServer({ env: { LOG_LEVEL: 'info' }, logDestination: logs });
});

afterAll(async () => {
  await server?.close();
});

describe('what a client sees', () => {
  it('keeps a domain error code and message', async () => {
    const response = await server.graphql(CREATE_CHARACTER, { input: characterInput });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toBe('Sign in to do this');
  });

  it('names the offending fields of bad input', async () => {
    const response = await server.graphql(
      CREATE_CHARACTER,
      { input: { ...characterInput, name: 'Not A Handle!', avatarUrl: 'javascript:alert(1)' } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(Object.keys(response.body.errors?.[0]?.extensions?.fields as object)).toEqual(
      expect.arrayContaining(['input.name', 'input.avatarUrl']),
    );
  });

  it('refuses a value PostgreSQL cannot store (a NUL character) as BAD_USER_INPUT, not a masked 500 (found by fuzzing)', async () => {
    const response = await server.graphql(
      'query Search($search: String) { courses(filter: { search: $search }) { totalCount } }',
      {
        search: 'NUL\u0000byte',
      },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    // Refused before it reaches PostgreSQL, naming the argument.
    expect(response.body.errors?.[0]?.extensions?.fields).toEqual({
      'filter.search': 'must not contain NUL characters',
    });
  });

  it('names the arguments of a nested connection that Pothos refused while resolving its parent (found by fuzzing)', async () => {
    // A cursor of the right shape ("GPC:N:1"), so that Pothos is what refuses the pair of arguments.
    const response = await server.graphql(
      '{ viewer { progress(first: 1, before: "R1BDOk46MQ==") { totalCount } } }',
      undefined,
      { as: { id: 31 } },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    // Refused while plugin-prisma resolves `viewer`, whose own field has no arguments to name.
    expect(response.body.errors?.[0]?.path).toEqual(['viewer']);
    expect(Object.keys(response.body.errors?.[0]?.extensions?.fields as object).sort()).toEqual(['before', 'first']);
  });

  it('matches a character specialization literally: no LIKE wildcards, no SQL error on a backslash (found by fuzzing)', async () => {
    await createCharacter(server.database.prisma, { specialization: 'Tells_and_timing' });
    const count = async (specialization: string) => {
      const response = await server.graphql('query($f: CharacterFilter) { characters(filter: $f) { totalCount } }', {
        f: { specialization },
      });
      expect(response.body.errors).toBeUndefined();
      return (response.body.data as { characters: { totalCount: number } }).characters.totalCount;
    };
    expect(await count('TELLS_AND_TIMING')).toBe(1);
    expect(await count('%')).toBe(0);
    expect(await count('Tells_and_timin_')).toBe(0);
    expect(await count('%_\\')).toBe(0);
  });

  it('turns a unique violation from PostgreSQL into CONFLICT without its text', async () => {
    const first = await server.graphql(CREATE_CHARACTER, { input: characterInput }, { as: admin });
    expect(first.body.errors).toBeUndefined();
    const second = await server.graphql(CREATE_CHARACTER, { input: characterInput }, { as: admin });
    expect(errorCodes(second)).toEqual(['CONFLICT']);
    expect(JSON.stringify(second.body)).not.toMatch(LEAK);
  });
});

describe('an internal error', () => {
  let response: Awaited<ReturnType<TestServer['graphql']>>;

  beforeAll(async () => {
    // The test's own database loses a table under the running server: every query on it fails inside Prisma.
    const client = new pg.Client({ connectionString: server.testDatabase.url });
    await client.connect();
    await client.query('DROP TABLE courses CASCADE');
    await client.end();
    response = await server.graphql('query Catalog { courses { edges { node { id } } } }', undefined, { as: admin });
  });

  it('reaches the client as INTERNAL_SERVER_ERROR with a request id and nothing else', () => {
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(response.body.errors).toEqual([
      {
        message: 'Internal server error',
        locations: expect.any(Array),
        path: expect.arrayContaining(['courses']),
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
      },
    ]);
    expect(JSON.stringify(response.body)).not.toMatch(LEAK);
  });

  it('is logged in full under the same request id', async () => {
    const requestId = response.headers.get('x-request-id');
    const line = await logs.waitFor((entry) => entry.requestId === requestId && entry.msg === 'internal error');
    expect(line.level).toBe(50);
    const err = line.err as { message: string; stack: string };
    expect(err.message).toMatch(/courses/);
    expect(err.stack).toMatch(/\n\s+at /);
  });

  it('leaves one request line with the operation, status and duration', async () => {
    const requestId = response.headers.get('x-request-id');
    const line = await logs.waitFor((entry) => entry.requestId === requestId && entry.msg === 'request');
    expect(line).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'Catalog',
      operationType: 'query',
      errorCodes: ['INTERNAL_SERVER_ERROR'],
      durationMs: expect.any(Number),
    });
    expect(logs.lines.filter((entry) => entry.requestId === requestId && entry.msg === 'request')).toHaveLength(1);
  });
});

describe('an internal error over WebSocket', () => {
  it('reaches the subscriber masked, with a request id that the log has in full', async () => {
    const user = await learner(server.database.prisma);
    const sessionId = await openSession(server, user, (await coach(server.database.prisma)).id);
    const client = new pg.Client({ connectionString: server.testDatabase.url });
    await client.connect();
    // A stored message to replay makes the stream read chat_messages, which is gone.
    await client.query('UPDATE chat_sessions SET message_count = 1 WHERE id = $1', [rowIdOf(sessionId)]);
    await client.query('DROP TABLE chat_messages CASCADE');
    await client.end();

    const socket = await openSocket(server.wsUrl);
    await socket.init({ authorization: `Bearer ${await server.token(user)}` });
    const reply = await subscribeOnce(socket, '1', {
      query: 'subscription($sessionId: ID!) { chatMessageAdded(sessionId: $sessionId, afterSeq: 0) { seq content } }',
      variables: { sessionId },
    });
    socket.close();
    expect(reply.type).toBe('error');
    const errors = reply.payload as { message: string; extensions: { code: string; requestId: string } }[];
    expect(errors).toEqual([
      {
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) },
      },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(LEAK);
    const line = await logs.waitFor(
      (entry) => entry.requestId === errors[0]!.extensions.requestId && entry.msg === 'internal error',
    );
    expect((line.err as { message: string }).message).toMatch(/chat_messages/);
  });
});

describe('the request log', () => {
  it('has a line for requests refused before GraphQL runs (413) and for 404s', async () => {
    const tooBig = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'too-big-1' },
      body: JSON.stringify({ query: `{ viewer { id } }`, padding: 'x'.repeat(200_000) }),
    });
    expect(tooBig.status).toBe(413);
    await expect(logs.waitFor((entry) => entry.requestId === 'too-big-1')).resolves.toMatchObject({
      msg: 'request',
      status: 413,
    });
    const missing = await fetch(new URL('/nowhere', server.url), { headers: { 'x-request-id': 'missing-1' } });
    expect(missing.status).toBe(404);
    await expect(logs.waitFor((entry) => entry.requestId === 'missing-1')).resolves.toMatchObject({ status: 404 });
  });
});

describe('formatError on its own', () => {
  const logger = createLogger('silent');

  it('finds a domain error that graphql-ws wrapped without a path (a subscription that failed mid-stream)', () => {
    const wrapped = new GraphQLError('Chat session not found', { originalError: new NotFoundError('Chat session') });
    expect(formatError(wrapped.toJSON(), wrapped, { logger, requestId: 'r1' })).toMatchObject({
      message: 'Chat session not found',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('says a database that cannot be reached is temporarily unavailable, still masked', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const located = new GraphQLError(refused.message, { originalError: refused, path: ['courses'] });
    expect(formatError(located.toJSON(), located, { logger, requestId: 'r2' })).toEqual({
      message: 'Service temporarily unavailable; try again shortly',
      path: ['courses'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'r2' },
    });
  });
});
