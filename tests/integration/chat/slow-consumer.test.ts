import { startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, seqs } from './fixtures.js';

const MAX_BEHIND = 5;
/** Learner messages sent live, each answered: twice as many live messages, more than MAX_BEHIND. */
const LIVE = 4;
/** Enough history (12 MB) that the replay cannot fit in the kernel's socket buffers of a client that stops reading. */
const HISTORY = 3000;
const MESSAGE_SIZE = 4000;

let server: TestServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: { CHAT_SUBSCRIPTION_BUFFER: String(MAX_BEHIND) } });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await server.close();
});

it('drops a subscriber that stops reading once it is more than CHAT_SUBSCRIPTION_BUFFER live messages behind', async () => {
  const prisma = server.database.prisma;
  const me = await learner(prisma);
  const sessionId = await openSession(server, me, (await coach(prisma)).id);
  const id = rowIdOf(sessionId);
  await prisma.$executeRaw`
    INSERT INTO chat_messages (session_id, seq, role, content)
    SELECT ${id}, g, 'user', repeat(chr(97 + g % 26), ${MESSAGE_SIZE}) FROM generate_series(1, ${HISTORY}) g`;
  await prisma.chatSession.update({ where: { id }, data: { messageCount: HISTORY } });
  const token = await server.token(me);

  const slow = connectSocket(server.wsUrl, token);
  const fast = connectSocket(server.wsUrl, token);
  sockets.push(slow, fast);
  const slowFeed = subscribe(slow.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
  await slowFeed.take(1);
  // The slow client stops reading: the server's writes back up once the socket buffers are full.
  slow.socket().pause();
  // The fast one reads the whole history, so it is caught up when the live messages come.
  const fastFeed = subscribe(fast.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
  await fastFeed.take(HISTORY);
  for (let n = 1; n <= LIVE; n += 1) {
    const response = await send(server, me, sessionId, `Live question ${n}: what is a c-bet?`);
    expect(response.body.errors).toBeUndefined();
  }
  const live = await fastFeed.take(HISTORY + 2 * LIVE);
  expect(live.map((result) => result.data!.chatMessageAdded.seq)).toEqual(seqs(HISTORY + 2 * LIVE));

  slow.socket().resume();
  const failure = await slowFeed.ended.then(
    () => null,
    (error: unknown) => error,
  );
  const received = slowFeed.results.map((result) => result.data!.chatMessageAdded.seq);
  const lastSeq = received.at(-1)!;
  // It got a consecutive part of the history, then the error that says where to resume.
  expect(received).toEqual(seqs(received.length));
  expect(lastSeq).toBeLessThan(HISTORY);
  expect(failure).toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', afterSeq: lastSeq }) }),
  ]);
  expect(fastFeed.results).toHaveLength(HISTORY + 2 * LIVE);

  // Resuming from there misses nothing.
  const again = connectSocket(server.wsUrl, token);
  sockets.push(again);
  const resumed = subscribe(again.client, ChatMessageAddedDocument, { sessionId, afterSeq: lastSeq });
  const rest = await resumed.take(HISTORY + 2 * LIVE - lastSeq);
  expect(rest.map((result) => result.data!.chatMessageAdded.seq)).toEqual(seqs(HISTORY + 2 * LIVE).slice(lastSeq));
});
