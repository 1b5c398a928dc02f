import { once } from 'node:events';
import pg from 'pg';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { MAX_BODY_BYTES } from '../../../src/http/graphql-handler.js';
import { SocketCloseCode } from '../../../src/ws/close-codes.js';
import { LogCapture } from './log-capture.js';
import { coach, learner as createLearner, openSession, send } from '../chat/fixtures.js';
import { messageCodes, openSocket, subscribeOnce } from './socket.js';

/**
 * The WebSocket protocol's own protections, with small settings so that each shows quickly: the
 * connection_init deadline (4408), one init per socket (4429), messages no larger than an HTTP body (1009),
 * keep-alive pings that end dead sockets, and a cap on sockets per user (per address when anonymous).
 */

const INIT_TIMEOUT_MS = 300;
const KEEPALIVE_MS = 1000;
const learner = { id: 7 };

let server: TestServer;
const logs = new LogCapture();

beforeAll(async () => {
  server = await startTestServer({
    logDestination: logs,
    env: {
      LOG_LEVEL: 'info',
      WS_CONNECTION_INIT_TIMEOUT_MS: String(INIT_TIMEOUT_MS),
      WS_KEEPALIVE_MS: String(KEEPALIVE_MS),
      WS_MAX_SOCKETS_PER_USER: '2',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
    },
  });
});

afterAll(async () => {
  await server?.close();
});

describe('connection_init', () => {
  it('must come within WS_CONNECTION_INIT_TIMEOUT_MS, or the socket closes with 4408', async () => {
    const started = Date.now();
    const socket = await openSocket(server.wsUrl);
    const { code } = await socket.closed;
    expect(code).toBe(4408);
    // graphql-ws's default is 3000 ms: closing well before it shows the setting is applied.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('comes once: a second init closes the socket with 4429', async () => {
    const socket = await openSocket(server.wsUrl);
    await socket.init();
    socket.send({ type: 'connection_init' });
    expect((await socket.closed).code).toBe(4429);
  });
});

describe('message size', () => {
  it('closes a socket with 1009 when a message is larger than an HTTP body may be', async () => {
    const socket = await openSocket(server.wsUrl);
    await socket.init();
    const query = '{ __typename }';
    socket.send({ id: '1', type: 'subscribe', payload: { query, padding: 'x'.repeat(MAX_BODY_BYTES) } });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('keep-alive', () => {
  it('pings, and a socket that answers stays open', async () => {
    const socket = await openSocket(server.wsUrl);
    await socket.init();
    for (let ping = 0; ping < 3; ping += 1) await once(socket.ws, 'ping');
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });

  it('terminates a socket that stops answering pings', async () => {
    const socket = await openSocket(server.wsUrl, { autoPong: false });
    await socket.init();
    await once(socket.ws, 'ping');
    // Terminated, not closed: no close frame, so the client sees 1006.
    expect((await socket.closed).code).toBe(1006);
  });
});

describe('subscriptions per socket', () => {
  it('admits WS_MAX_SUBSCRIPTIONS_PER_SOCKET at once, refuses the next with RATE_LIMITED, and frees a place on complete', async () => {
    const user = await createLearner(server.database.prisma);
    const sessionId = await openSession(server, user, (await coach(server.database.prisma)).id);
    const socket = await openSocket(server.wsUrl);
    await socket.init({ authorization: `Bearer ${await server.token(user)}` });
    const query = 'subscription($sessionId: ID!) { chatMessageAdded(sessionId: $sessionId) { seq } }';
    // Live subscriptions stay open: the server answers nothing until a message comes.
    socket.send({ id: 'a', type: 'subscribe', payload: { query, variables: { sessionId } } });
    socket.send({ id: 'b', type: 'subscribe', payload: { query, variables: { sessionId } } });
    const third = await subscribeOnce(socket, 'c', { query, variables: { sessionId } });
    expect(third.type).toBe('error');
    expect(messageCodes(third)).toEqual(['RATE_LIMITED']);

    socket.send({ id: 'a', type: 'complete' });
    expect((await send(server, user, sessionId, 'hello')).body.errors).toBeUndefined();
    // Completing 'a' freed its place.
    const fourth = await subscribeOnce(socket, 'd', {
      query: 'subscription($sessionId: ID!) { chatMessageAdded(sessionId: $sessionId, afterSeq: 0) { seq } }',
      variables: { sessionId },
    });
    expect(fourth).toMatchObject({ type: 'next', payload: { data: { chatMessageAdded: { seq: 1 } } } });
    socket.close();
  });
});

describe('sockets per user', () => {
  it(`admits WS_MAX_SOCKETS_PER_USER sockets of a user and closes the next with ${SocketCloseCode.TooManySockets}`, async () => {
    const authorization = `Bearer ${await server.token(learner)}`;
    const first = await openSocket(server.wsUrl);
    await first.init({ authorization });
    const second = await openSocket(server.wsUrl);
    await second.init({ authorization });
    const third = await openSocket(server.wsUrl);
    third.send({ type: 'connection_init', payload: { authorization } });
    expect(await third.closed).toEqual({
      code: SocketCloseCode.TooManySockets,
      reason: 'At most 2 connections per user',
    });

    // Another user is not affected, and a closed socket frees its place.
    const other = await openSocket(server.wsUrl);
    await other.init({ authorization: `Bearer ${await server.token({ id: learner.id + 1 })}` });
    const closedLines = logs.lines.filter((line) => line.msg === 'connection closed').length;
    first.ws.close(1000);
    // The server frees the place when it has seen the close, which its log line marks.
    await logs.waitFor((line) => line.msg === 'connection closed' && logs.lines.indexOf(line) >= closedLines);
    const again = await openSocket(server.wsUrl);
    await again.init({ authorization });
    for (const socket of [second, other, again]) socket.close();
  });

  it('does not count a socket that drops while it is being admitted (the user locked out until a restart)', async () => {
    // A user this server has not provisioned yet: admitting their socket writes their users row, which waits
    // here behind a lock for as long as the test holds it.
    const user = { id: 9_001 };
    const authorization = `Bearer ${await server.token(user)}`;
    const lock = new pg.Client({ connectionString: server.testDatabase.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const closedLines = logs.lines.filter((line) => line.msg === 'connection closed').length;
    const dropped = await openSocket(server.wsUrl);
    dropped.send({ type: 'connection_init', payload: { authorization } });
    dropped.ws.close(1000);
    await logs.waitFor((line) => line.msg === 'connection closed' && logs.lines.indexOf(line) >= closedLines);
    // Admission goes on now, for a socket that is gone.
    await lock.query('COMMIT');
    await lock.end();

    const sockets = [await openSocket(server.wsUrl), await openSocket(server.wsUrl)];
    for (const socket of sockets) await socket.init({ authorization });
    for (const socket of sockets) socket.close();
  });

  it('counts anonymous sockets by address', async () => {
    const sockets = [await openSocket(server.wsUrl), await openSocket(server.wsUrl)];
    for (const socket of sockets) await socket.init();
    const third = await openSocket(server.wsUrl);
    third.send({ type: 'connection_init' });
    expect((await third.closed).code).toBe(SocketCloseCode.TooManySockets);
    for (const socket of sockets) socket.close();
  });
});

describe('log lines', () => {
  it("give each operation its own request id, joined to its socket's id", async () => {
    const socket = await openSocket(server.wsUrl);
    await socket.init();
    for (const id of ['x', 'y']) await subscribeOnce(socket, id, { query: 'subscription { notAField }' });
    const closedLines = logs.lines.length;
    socket.ws.close(1000);
    const closed = await logs.waitFor(
      (line) => line.msg === 'connection closed' && logs.lines.indexOf(line) >= closedLines,
    );
    const operations = logs.lines.filter((line) => line.msg === 'subscription' && line.socketId === closed.socketId);
    expect(operations.map((line) => line.subscriptionId)).toEqual(['x', 'y']);
    const requestIds = new Set(operations.map((line) => line.requestId));
    expect(requestIds.size).toBe(2);
    expect(requestIds.has(String(closed.socketId))).toBe(false);
  });
});
