import { jest } from '@jest/globals';
import type { ExecutionResult } from 'graphql';
import { withClient } from '../../../src/platform/db/client.js';
import { REPLY_QUEUE } from '../../../src/modules/chat/replies.js';
import { answerFor, startFakeProvider, type FakeProvider } from '../../helpers/fake-openai.js';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { connectSocket, subscribe, type Subscription, type TestSocket } from '../../helpers/ws-client.js';
import {
  ChatHistoryRepliesDocument,
  ChatMessageAddedRepliesDocument,
  ChatReplyDraftsDocument,
  EndChatSessionDocument,
  type ChatReplyDraftsSubscription,
} from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, storedMessages } from './fixtures.js';

/**
 * Character replies as jobs of the queue, against a fake OpenAI-compatible provider that streams slowly and
 * fails on demand: drafts while the reply is written, one message per question, retries, cancellation.
 */

jest.setTimeout(60_000);

const ATTEMPTS = 3;
let provider: FakeProvider;
let server: TestServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  provider = await startFakeProvider({ chunks: 8, chunkDelayMs: 60 });
  server = await startTestServer({
    env: {
      AI_BASE_URL: provider.url,
      AI_MODEL: 'coach-model',
      AI_TIMEOUT_MS: '5000',
      CHAT_REPLY_ATTEMPTS: String(ATTEMPTS),
      CHAT_REPLY_RETRY_DELAY_SECONDS: '1',
      CHAT_REPLY_POLL_INTERVAL_MS: '500',
      CHAT_DRAFT_INTERVAL_MS: '100',
      // One worker: a second question waits in the queue while the first is answered.
      CHAT_REPLY_CONCURRENCY: '1',
    },
  });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await server?.close();
  await provider?.close();
});

async function newSession() {
  const me = await learner(server.database.prisma);
  const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  const socket = connectSocket(server.wsUrl, await server.token(me));
  sockets.push(socket);
  return { me, sessionId, socket };
}

/**
 * Subscribes to the drafts and returns once the subscription is live: drafts are not replayed, so a test
 * publishes a probe until it arrives (the event, not a guessed delay), and then looks only at what follows.
 */
async function liveDrafts(socket: TestSocket, sessionId: string) {
  const feed = subscribe(socket.client, ChatReplyDraftsDocument, { sessionId });
  const probe = setInterval(() => {
    void server.pubsub.publish(`chat-drafts:${rowIdOf(sessionId)}`, { inReplyToSeq: 0, content: 'probe' });
  }, 20);
  try {
    await feed.take(1);
  } finally {
    clearInterval(probe);
  }
  const drafts = (seq: number, results = feed.results) =>
    results
      .map((result: ExecutionResult<ChatReplyDraftsSubscription>) => result.data!.chatReplyDrafts)
      .filter((draft) => draft.inReplyToSeq === seq)
      .map((draft) => draft.content);
  return { feed, drafts };
}

function messagesFeed(socket: TestSocket, sessionId: string) {
  return subscribe(socket.client, ChatMessageAddedRepliesDocument, { sessionId, afterSeq: 0 });
}

function contents(feed: Subscription<{ chatMessageAdded: { role: string; content: string } }>) {
  return feed.results.map((result) => [result.data!.chatMessageAdded.role, result.data!.chatMessageAdded.content]);
}

async function queueStates(sessionId: string) {
  return withClient(server.testDatabase.url, async (client) => {
    const { rows } = await client.query<{ seq: number; state: string; retry_count: number }>(
      `SELECT (data->>'seq')::int AS seq, state::text, retry_count FROM pgboss.job
       WHERE name = $1 AND (data->>'sessionId')::int = $2 ORDER BY seq`,
      [REPLY_QUEUE, rowIdOf(sessionId)],
    );
    return rows;
  });
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('streams drafts that grow in order, then stores one reply equal to the last draft, linked to its question', async () => {
  const { me, sessionId, socket } = await newSession();
  const { feed, drafts } = await liveDrafts(socket, sessionId);
  const messages = messagesFeed(socket, sessionId);
  const question = 'When should I c-bet?';
  expect((await send(server, me, sessionId, question)).body.errors).toBeUndefined();

  const [, reply] = (await messages.take(2)).map((result) => result.data!.chatMessageAdded);
  expect(reply).toMatchObject({ seq: 2, role: 'CHARACTER', content: answerFor(question), inReplyTo: { seq: 1 } });
  const seen = drafts(1);
  // A few events, each the whole text so far, each extending the one before; the last is the reply.
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.length).toBeLessThanOrEqual(8 + 1);
  seen.slice(1).forEach((content, index) => expect(content.startsWith(seen[index]!)).toBe(true));
  expect(seen.at(-1)).toBe(reply!.content);
  expect(feed.results.length).toBeGreaterThan(1);
  expect(provider.requests.at(-1)?.body.stream).toBe(true);
});

it('retries a failing provider with backoff, then answers; fails for good with one SYSTEM message', async () => {
  const { me, sessionId, socket } = await newSession();
  const messages = messagesFeed(socket, sessionId);
  const recovering = 'What is a squeeze? [fail 2]';
  const failing = 'What is a float? [fail]';
  const before = provider.requests.length;
  await send(server, me, sessionId, recovering);
  await messages.take(2);
  await send(server, me, sessionId, failing);
  await messages.take(4);
  expect(contents(messages)).toEqual([
    ['USER', recovering],
    ['CHARACTER', answerFor(recovering)],
    ['USER', failing],
    ['SYSTEM', expect.stringContaining('is unavailable right now and could not answer')],
  ]);
  const asked = provider.requests.slice(before).map((request) => request.body.messages.at(-1)?.content);
  expect(asked.filter((content) => content === recovering)).toHaveLength(3);
  expect(asked.filter((content) => content === failing)).toHaveLength(ATTEMPTS);
  expect(await queueStates(sessionId)).toEqual([
    { seq: 1, state: 'completed', retry_count: 2 },
    { seq: 3, state: 'completed', retry_count: ATTEMPTS - 1 },
  ]);
  const { messages: stored } = await storedMessages(server.testDatabase.url, rowIdOf(sessionId));
  expect(stored.map((message) => message.role)).toEqual(['user', 'character', 'user', 'system']);
});

it('cancels the replies of an ended session: the one being written is not stored, the queued one never starts', async () => {
  const { me, sessionId } = await newSession();
  const asked = provider.nextRequest();
  await send(server, me, sessionId, 'Is this held? [hold]');
  await asked;
  // The only worker is busy with the first question: the second waits in the queue.
  await send(server, me, sessionId, 'And this one queued?');
  expect((await queueStates(sessionId)).map((job) => job.state)).toEqual(['active', 'created']);
  const ended = await server.graphql(EndChatSessionDocument, { sessionId }, { as: me });
  expect(ended.body.errors).toBeUndefined();
  provider.release();

  const states = await waitFor(
    () => queueStates(sessionId),
    (jobs) => jobs[0]?.state === 'completed',
  );
  expect(states.map((job) => job.state)).toEqual(['completed', 'cancelled']);
  const { messages } = await storedMessages(server.testDatabase.url, rowIdOf(sessionId));
  expect(messages.map((message) => message.role)).toEqual(['user', 'user']);
  expect(provider.requests.some((request) => request.body.messages.at(-1)?.content === 'And this one queued?')).toBe(
    false,
  );
});

it('reads the questions of a page of replies in one query, however long the page', async () => {
  const { me, sessionId, socket } = await newSession();
  const messages = messagesFeed(socket, sessionId);
  for (let n = 1; n <= 3; n += 1) {
    await send(server, me, sessionId, `Question ${n}: what is a donk bet?`);
    await messages.take(2 * n);
  }
  const statementsFor = async (as: TestUser, first: number) => {
    const before = server.database.statementCount();
    const response = await server.graphql(ChatHistoryRepliesDocument, { id: sessionId, first }, { as });
    expect(response.body.errors).toBeUndefined();
    return {
      statements: server.database.statementCount() - before,
      edges: response.body.data!.chatSession!.messages.edges,
    };
  };
  const short = await statementsFor(me, 2);
  const long = await statementsFor(me, 6);
  expect(long.edges.map((edge) => [edge.node.role, edge.node.inReplyTo?.seq ?? null])).toEqual([
    ['USER', null],
    ['CHARACTER', 1],
    ['USER', null],
    ['CHARACTER', 3],
    ['USER', null],
    ['CHARACTER', 5],
  ]);
  expect(long.edges[1]!.node.inReplyTo).toMatchObject({ content: 'Question 1: what is a donk bet?' });
  expect(long.statements).toBe(short.statements);
});
