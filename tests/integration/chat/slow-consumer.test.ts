import { startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { ChatMessageAddedDocument, ChatReplyDraftsDocument } from '../../generated/graphql.js';
import { answerFor, startFakeProvider, type FakeProvider } from '../../helpers/fake-openai.js';
import { coach, learner, openSession, rowIdOf, send, seqs } from './fixtures.js';

const MAX_BEHIND = 5;
/** Learner messages sent live, each answered: twice as many live messages, more than MAX_BEHIND. */
const LIVE = 4;
/** Enough history (12 MB) that the replay cannot fit in the kernel's socket buffers of a client that stops reading. */
const HISTORY = 3000;
const MESSAGE_SIZE = 4000;

/** Chunks of the streamed reply: with a draft per chunk, many more drafts than MAX_BEHIND. */
const CHUNKS = 40;

let server: TestServer;
let provider: FakeProvider;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  provider = await startFakeProvider({ chunks: CHUNKS, chunkDelayMs: 15 });
  server = await startTestServer({
    env: { CHAT_SUBSCRIPTION_BUFFER: String(MAX_BEHIND), AI_BASE_URL: provider.url, CHAT_DRAFT_INTERVAL_MS: '10' },
  });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await server.close();
  await provider.close();
});

/** Fills the session with HISTORY long messages: more than the kernel's socket buffers hold. */
async function storeLongHistory(sessionId: string) {
  const id = rowIdOf(sessionId);
  await server.database.prisma.$executeRaw`
    INSERT INTO chat_messages (session_id, seq, role, content)
    SELECT ${id}, g, 'user', repeat(chr(97 + g % 26), ${MESSAGE_SIZE}) FROM generate_series(1, ${HISTORY}) g`;
  await server.database.prisma.chatSession.update({ where: { id }, data: { messageCount: HISTORY } });
}

it('drops a subscriber that stops reading once it is more than CHAT_SUBSCRIPTION_BUFFER live messages behind', async () => {
  const prisma = server.database.prisma;
  const me = await learner(prisma);
  const sessionId = await openSession(server, me, (await coach(prisma)).id);
  await storeLongHistory(sessionId);
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

it('drops a draft subscriber that stops reading once it is more than CHAT_SUBSCRIPTION_BUFFER drafts behind', async () => {
  const prisma = server.database.prisma;
  const me = await learner(prisma);
  const sessionId = await openSession(server, me, (await coach(prisma)).id);
  await storeLongHistory(sessionId);
  const token = await server.token(me);
  const slow = connectSocket(server.wsUrl, token);
  const fast = connectSocket(server.wsUrl, token);
  sockets.push(slow, fast);

  // Both draft subscriptions are live once a probe draft has reached them (drafts are not replayed).
  const fastDrafts = subscribe(fast.client, ChatReplyDraftsDocument, { sessionId });
  const slowDrafts = subscribe(slow.client, ChatReplyDraftsDocument, { sessionId });
  const probe = setInterval(() => {
    void server.pubsub.publish(`chat-drafts:${rowIdOf(sessionId)}`, { inReplyToSeq: 0, content: 'probe' });
  }, 20);
  await Promise.all([fastDrafts.take(1), slowDrafts.take(1)]).finally(() => clearInterval(probe));
  // The slow client replays the long history and stops reading: the server's writes to it back up.
  const slowFeed = subscribe(slow.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
  await slowFeed.take(1);
  slow.socket().pause();
  const fastFeed = subscribe(fast.client, ChatMessageAddedDocument, { sessionId, afterSeq: HISTORY });

  const question = 'Live question: when do I barrel the turn?';
  expect((await send(server, me, sessionId, question)).body.errors).toBeUndefined();
  const [, reply] = (await fastFeed.take(2)).map((result) => result.data!.chatMessageAdded);
  expect(reply?.content).toBe(answerFor(question));
  const drafts = fastDrafts.results
    .map((result) => result.data!.chatReplyDrafts)
    .filter((draft) => draft.inReplyToSeq === HISTORY + 1);
  expect(drafts.length).toBeGreaterThan(MAX_BEHIND + 1);
  expect(drafts.at(-1)?.content).toBe(reply?.content);

  slow.socket().resume();
  const failure = await slowDrafts.ended.then(
    () => null,
    (error: unknown) => error,
  );
  expect(failure).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })]);
  // Whatever it got before the cut were drafts in order: each extends the one before.
  const received = slowDrafts.results
    .map((result) => result.data!.chatReplyDrafts)
    .filter((draft) => draft.inReplyToSeq === HISTORY + 1)
    .map((draft) => draft.content);
  received.slice(1).forEach((content, index) => expect(content.startsWith(received[index]!)).toBe(true));
  expect(received.length).toBeLessThan(drafts.length);
});
