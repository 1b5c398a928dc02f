import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, seqs } from './fixtures.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Channels of this run only, so parallel runs on one Redis never see each other's events. */
const env = { REDIS_URL, REDIS_KEY_PREFIX: `dz-test:${randomUUID()}:` };

let a: TestServer;
let b: TestServer;
let redis: Redis;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  a = await startTestServer({ env });
  b = await startTestServer({ env, testDatabase: a.testDatabase });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await b.close();
  await a.close();
  await redis.quit();
});

async function watch(server: TestServer, token: string, sessionId: string) {
  const socket = connectSocket(server.wsUrl, token);
  sockets.push(socket);
  return subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
}

it('streams what is written through instance A to subscribers on instance B, through Redis', async () => {
  const me = await learner(a.database.prisma);
  const token = await a.token(me);
  const sessionId = await openSession(a, me, (await coach(a.database.prisma)).id);
  const onB = [await watch(b, token, sessionId), await watch(b, token, sessionId)];
  const onA = await watch(a, token, sessionId);

  await send(a, me, sessionId, 'What is ICM?');
  // Seq 1 may come from the replay; once it is in, every subscription is live.
  await Promise.all([...onB, onA].map((feed) => feed.take(1)));
  // One Redis subscription per instance and topic, however many subscribers the instance has.
  const [, subscribers] = (await redis.pubsub('NUMSUB', `${env.REDIS_KEY_PREFIX}chat:${rowIdOf(sessionId)}`)) as [
    string,
    number,
  ];
  expect(subscribers).toBe(2);

  // From here on, B can only learn of new messages through Redis: its streams wait for an event to read.
  await send(a, me, sessionId, 'And the bubble factor?');
  for (const feed of [...onB, onA]) {
    const messages = (await feed.take(4)).map((result) => result.data!.chatMessageAdded);
    expect(messages.map((message) => message.seq)).toEqual(seqs(4));
    expect(messages.filter((message) => message.role === 'CHARACTER')).toHaveLength(2);
  }
});
