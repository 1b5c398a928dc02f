import { SignJWT } from 'jose';
import { startTestServer, errorCodes, TEST_JWT_SECRET, type TestServer } from '../../helpers/server.js';
import { ViewerDocument } from '../../generated/graphql.js';
import { openSocket } from './socket.js';
import { MAX_TOKEN_LENGTH } from '../../../src/auth/token.js';

/**
 * A validly signed token can still carry claims PostgreSQL cannot store or that make no sense: they are cleaned
 * (control characters, ill-formed UTF-16) or refused as the client's problem (401 UNAUTHENTICATED naming the
 * claim, 4403 over WebSocket), never a 500 on every request of that user.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

let nextUserId = 500;

function signClaims(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: String((nextUserId += 1)), ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

// Over HTTP, Node refuses headers past 16 KB itself (431); a WebSocket's connectionParams may carry up to 100 KB.
it('closes a WebSocket whose validly signed token is longer than MAX_TOKEN_LENGTH with 4403', async () => {
  const token = await signClaims({ blob: 'x'.repeat(MAX_TOKEN_LENGTH) });
  expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
  const socket = await openSocket(server.wsUrl);
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  expect((await socket.closed).code).toBe(4403);
});

describe('claims that are cleaned', () => {
  it.each([
    ['a NUL character', 'Ada\u0000Lovelace', 'AdaLovelace'],
    ['control characters', '\u0007Ada\u001b[31m Lovelace\u009b', 'Ada[31m Lovelace'],
    ['a lone surrogate', 'Ada \ud800 L.', 'Ada  L.'],
    ['nothing left after cleaning', '\u0000 \u0001', undefined],
  ])('a name with %s serves the request with the name cleaned', async (_case, name, shown) => {
    const token = await signClaims({ name });
    const response = await server.graphql(ViewerDocument, {}, { token });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.viewer!.displayName).toEqual(shown ?? expect.stringMatching(/^Player \d+$/));
  });
});

describe('claims that are refused', () => {
  it.each([
    ['a name of 10,000 characters', { name: 'x'.repeat(10_000) }, 'name'],
    ['a name that is a number', { name: 42 }, 'name'],
    ['a name that is an object', { name: { first: 'Ada' } }, 'name'],
    ['an unknown role', { role: 'superuser' }, 'role'],
    ['a role that is a list', { role: ['admin'] }, 'role'],
    ['a sub that is a number', { sub: 7 }, 'sub'],
    ['a sub past the largest user id', { sub: '99999999999' }, 'sub'],
  ])('a token with %s is 401 UNAUTHENTICATED naming the claim', async (_case, claims, claim) => {
    const token = await signClaims(claims);
    const response = await server.graphql(ViewerDocument, {}, { token });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toMatch(new RegExp(`^Token claim "${claim}" `));
  });

  it('a token whose claims are refused closes a WebSocket with 4403, not 1013 "try again later"', async () => {
    const socket = await openSocket(server.wsUrl);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${await signClaims({ name: 7 })}` } });
    expect((await socket.closed).code).toBe(4403);
  });

  it('a name with a NUL character opens a WebSocket', async () => {
    const socket = await openSocket(server.wsUrl);
    await socket.init({ authorization: `Bearer ${await signClaims({ name: 'Ada\u0000' })}` });
    socket.close();
  });
});
