import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe } from '../../helpers/ws-client.js';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, seqs, storedMessages } from './fixtures.js';

/**
 * Each test runs a server on a database of its own and inspects the rows after server.close(), which waits for
 * every character reply: what is stored then is everything the server will ever have written.
 */
let testDatabase: TestDatabase;
let server: TestServer;
let closing: Promise<void> | undefined;
/** Closes the server once, whether the test did already or failed before. */
const closeServer = () => (closing ??= server.close());

beforeEach(async () => {
  testDatabase = await createTestDatabase();
  // Bursts well past the production rate limits are the point here.
  server = await startTestServer({
    testDatabase,
    env: { RATE_LIMIT_CHAT_MESSAGES: '1000', RATE_LIMIT_MUTATIONS: '1000' },
  });
  closing = undefined;
});
afterEach(async () => {
  await closeServer();
  await testDatabase.drop();
});

it('gives 32 concurrent senders gap-free seqs and streams every message exactly once, in order', async () => {
  const senders = 32;
  const me = await learner(server.database.prisma);
  const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  const socket = connectSocket(server.wsUrl, await server.token(me));
  // afterSeq 0: whatever is written before the subscription is live comes from the replay, the rest live.
  const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });

  const responses = await Promise.all(
    seqs(senders).map((n) => send(server, me, sessionId, `Question ${n}: what are pot odds?`, `client-${n}`)),
  );
  const sent = responses.map((response) => {
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.sendChatMessage;
  });

  // Every learner message is answered: 2 × senders messages in all.
  const streamed = (await feed.take(2 * senders)).map((result) => result.data!.chatMessageAdded);
  expect(streamed.map((message) => message.seq)).toEqual(seqs(2 * senders));
  expect(new Set(streamed.map((message) => message.id)).size).toBe(2 * senders);
  for (const message of sent) {
    expect(streamed[message.seq - 1]).toEqual(message);
  }
  expect(streamed.filter((message) => message.role === 'CHARACTER')).toHaveLength(senders);
  feed.unsubscribe();
  await socket.dispose();

  await closeServer();
  const stored = await storedMessages(testDatabase.url, rowIdOf(sessionId));
  expect(stored.messageCount).toBe(2 * senders);
  expect(stored.messages.map((message) => message.seq)).toEqual(seqs(2 * senders));
  const answered = stored.messages
    .filter((message) => message.role === 'character')
    .map((message) => message.in_reply_to_seq)
    .sort((a, b) => a! - b!);
  expect(answered).toEqual(sent.map((message) => message.seq).sort((a, b) => a - b));
});

it('answers retries with the first message, also when the duplicates race, and burns no seq', async () => {
  const me = await learner(server.database.prisma);
  const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  const first = await send(server, me, sessionId, 'What is a blocker?', 'retry-me');
  const retry = await send(server, me, sessionId, 'What is a blocker? (typed again)', 'retry-me');
  expect(first.body.errors).toBeUndefined();
  expect(retry.body.errors).toBeUndefined();
  expect(retry.body.data?.sendChatMessage).toEqual(first.body.data?.sendChatMessage);

  const racing = await Promise.all(
    Array.from({ length: 24 }, (_, n) =>
      send(server, me, sessionId, `What is ICM? (attempt ${n})`, n % 2 ? 'race-a' : 'race-b'),
    ),
  );
  for (const clientMessageId of ['race-a', 'race-b']) {
    const answers = racing
      .map((response) => response.body.data!.sendChatMessage)
      .filter((message) => message.clientMessageId === clientMessageId);
    expect(answers).toHaveLength(12);
    expect(new Set(answers.map((message) => JSON.stringify(message))).size).toBe(1);
  }

  await closeServer();
  const stored = await storedMessages(testDatabase.url, rowIdOf(sessionId));
  const learnerMessages = stored.messages.filter((message) => message.role === 'user');
  expect(learnerMessages.map((message) => message.client_message_id).sort()).toEqual(['race-a', 'race-b', 'retry-me']);
  // One reply per distinct message, none per retry, and no seq lost to a losing duplicate.
  expect(stored.messages.filter((message) => message.role === 'character')).toHaveLength(3);
  expect(stored.messages.map((message) => message.seq)).toEqual(seqs(6));
  expect(stored.messageCount).toBe(6);
});
