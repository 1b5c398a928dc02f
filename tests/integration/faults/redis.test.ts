import { randomBytes } from 'node:crypto';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { coach, learner, openSession, rowIdOf, send, seqs, storedMessages } from '../chat/fixtures.js';
import { LogCapture } from '../security/log-capture.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * Redis going away while chat runs on two instances, A and B, which reach Redis through a TCP proxy: A's own
 * subscribers keep getting A's messages, sending stays fast, /readyz says "degraded" (200: the instance still
 * serves everything else), every message is stored, and once Redis is back B's subscriber gets every message
 * it missed, in order, without gaps.
 */

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Connections each instance keeps to Redis: pub/sub publisher and subscriber, the rate limiter's, and the
 * persisted-query / response cache's.
 */
const REDIS_CONNECTIONS_PER_INSTANCE = 4;
/** "Fast": well below any client's patience, with room for a busy CI box (as in database.test.ts). */
const FAST_MS = 5000;
/** How long B may take to see Redis again once its connections are back, and the pause between polls. */
const RECOVERY_DEADLINE_MS = 10_000;
const POLL_PAUSE_MS = 50;

let proxy: TcpProxy;
let a: TestServer;
let b: TestServer;
let user: TestUser;
let sessionId: string;
const logsOfA = new LogCapture();
const sockets: TestSocket[] = [];

async function readyz(server: TestServer) {
  const response = await fetch(new URL('/readyz', server.url));
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

beforeAll(async () => {
  proxy = await startTcpProxy(REDIS);
  const env = {
    REDIS_URL: proxy.through(REDIS),
    REDIS_KEY_PREFIX: `dz-fault-${randomBytes(4).toString('hex')}:`,
  };
  a = await startTestServer({ env: { ...env, LOG_LEVEL: 'warn' }, logDestination: logsOfA });
  // Replies are jobs any instance may take; a reply B wrote while Redis is away would reach A's subscriber only
  // with the session's next event. B's workers do not poll during the test, so A, which takes every message and
  // wakes its own workers at once, writes every reply (what is tested is pub/sub, not the queue).
  b = await startTestServer({ env: { ...env, CHAT_REPLY_POLL_INTERVAL_MS: '600000' }, testDatabase: a.testDatabase });
  user = await learner(a.database.prisma);
  sessionId = await openSession(a, user, (await coach(a.database.prisma)).id);
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await b?.close();
  await a?.close();
  await proxy?.close();
});

async function subscribeOn(server: TestServer) {
  const socket = connectSocket(server.wsUrl, await server.token(user));
  sockets.push(socket);
  // Replays from the start: once the first message is in, the subscription is live.
  return subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
}

it('keeps chat going through a Redis outage, says so in /readyz, and loses nothing', async () => {
  expect((await send(a, user, sessionId, 'What are pot odds?')).body.errors).toBeUndefined();
  const onA = await subscribeOn(a);
  const onB = await subscribeOn(b);
  await Promise.all([onA.take(2), onB.take(2)]); // the message and the coach's reply
  expect(await readyz(a)).toEqual({ status: 200, body: { status: 'ready', database: 'ok', pubsub: 'ok' } });

  // Redis goes away.
  const noticed = logsOfA.waitFor((line) => line.msg === 'redis pub/sub connection error');
  proxy.cut();
  await noticed;
  expect(await readyz(a)).toEqual({ status: 200, body: { status: 'degraded', database: 'ok', pubsub: 'unreachable' } });

  // Sending stays fast, and A's own subscriber keeps up.
  for (const content of ['How do I count outs?', 'Is the button the best seat?']) {
    const started = performance.now();
    const response = await send(a, user, sessionId, content);
    expect(response.body.errors).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(FAST_MS);
  }
  const live = await onA.take(6);
  expect(live.map((result) => result.data?.chatMessageAdded.seq)).toEqual(seqs(6));

  // Nothing is lost from the database.
  const stored = await storedMessages(a.testDatabase.url, rowIdOf(sessionId));
  expect(stored.messages.map((message) => message.seq)).toEqual(seqs(6));

  // Redis comes back: both instances reconnect by themselves, and B's subscriber catches up on the next event.
  const reconnected = proxy.forwardedMore(2 * REDIS_CONNECTIONS_PER_INSTANCE);
  proxy.restore();
  await reconnected;
  const deadline = Date.now() + RECOVERY_DEADLINE_MS;
  let ready = await readyz(b);
  while (ready.body.pubsub !== 'ok' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS));
    ready = await readyz(b);
  }
  expect(ready.body.status).toBe('ready');
  expect((await send(a, user, sessionId, 'Thanks!')).body.errors).toBeUndefined();
  const caughtUp = await onB.take(8);
  expect(caughtUp.map((result) => result.data?.chatMessageAdded.seq)).toEqual(seqs(8));
});
