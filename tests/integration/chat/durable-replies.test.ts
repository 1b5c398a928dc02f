import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { authSettings, signToken } from '../../../src/auth/token.js';
import { connectDatabase, type Database } from '../../../src/platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { answerFor, startFakeProvider, type FakeProvider } from '../../helpers/fake-openai.js';
import { globalId } from '../../helpers/factories.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe } from '../../helpers/ws-client.js';
import { ChatMessageAddedRepliesDocument } from '../../generated/graphql.js';
import { spawnServer, type ChildServer } from '../faults/child-server.js';
import { coach, learner, openSession, rowIdOf, send, storedMessages } from './fixtures.js';

/**
 * Replies outlive the process that took the message: a server killed while the provider is answering leaves
 * the job to the next one, and instances sharing the queue write each reply once.
 */

jest.setTimeout(90_000);

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let provider: FakeProvider;

beforeAll(async () => {
  provider = await startFakeProvider({ chunks: 6, chunkDelayMs: 30 });
});
afterAll(() => provider.close());

describe('a server killed while the provider is answering', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = connectDatabase(testDatabase.url, { poolSize: 2, poolTimeoutMs: 5000, statementTimeoutMs: 0 });
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }
    await database?.close();
    await testDatabase?.drop();
  });

  // A lease of 2 + 5 s, swept every second: the job is taken again within seconds, not the default hours.
  const env = () => ({
    DATABASE_URL: testDatabase.url,
    AI_BASE_URL: provider.url,
    AI_TIMEOUT_MS: '2000',
    CHAT_REPLY_SWEEP_SECONDS: '1',
    CHAT_REPLY_POLL_INTERVAL_MS: '500',
    CHAT_REPLY_RETRY_DELAY_SECONDS: '1',
  });

  it('is restarted, and the reply lands exactly once', async () => {
    const me = await learner(database.prisma);
    const character = await coach(database.prisma);
    const token = await signToken(authSettings(TEST_JWT_SECRET), { sub: me.id });
    const graphql = async (url: string, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, { id: string }>; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return body.data!;
    };

    const first = await spawnServer(env());
    children.push(first);
    const { startChatSession } = await graphql(
      first.url,
      'mutation($c: ID!) { startChatSession(characterId: $c) { id } }',
      { c: globalId('Character', character.id) },
    );
    const sessionId = startChatSession!.id;
    const question = 'Will this survive a crash? [hold]';
    const asked = provider.nextRequest();
    await graphql(first.url, 'mutation($s: ID!, $q: String!) { sendChatMessage(sessionId: $s, content: $q) { id } }', {
      s: sessionId,
      q: question,
    });
    await asked;
    first.process.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    provider.release();

    const second = await spawnServer(env());
    children.push(second);
    const socket = connectSocket(second.wsUrl, token);
    try {
      const feed = subscribe(socket.client, ChatMessageAddedRepliesDocument, { sessionId, afterSeq: 0 });
      const [, reply] = (await feed.take(2)).map((result) => result.data!.chatMessageAdded);
      expect(reply).toMatchObject({ role: 'CHARACTER', content: answerFor(question), inReplyTo: { seq: 1 } });
    } finally {
      await socket.dispose();
    }
    const retakenWithinMs = Date.now() - killedAt;
    expect(retakenWithinMs).toBeLessThan(60_000);
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const { messages } = await storedMessages(testDatabase.url, rowIdOf(sessionId));
    expect(messages.map((message) => [message.seq, message.role, message.in_reply_to_seq])).toEqual([
      [1, 'user', null],
      [2, 'character', 1],
    ]);
    expect(provider.requests.filter((request) => request.body.messages.at(-1)?.content === question)).toHaveLength(2);
    console.log(`reply retaken and written ${retakenWithinMs} ms after SIGKILL`);
  });
});

describe('two instances sharing the queue', () => {
  let testDatabase: TestDatabase;
  let servers: TestServer[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    const shared = { REDIS_URL, REDIS_KEY_PREFIX: `dz-test:${randomUUID()}:`, AI_BASE_URL: provider.url };
    // The first takes the messages and has one worker: the other instance's workers take the backlog.
    servers = [
      await startTestServer({ testDatabase, env: { ...shared, CHAT_REPLY_CONCURRENCY: '1' } }),
      await startTestServer({
        testDatabase,
        env: { ...shared, CHAT_REPLY_CONCURRENCY: '4', CHAT_REPLY_POLL_INTERVAL_MS: '500' },
      }),
    ];
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await testDatabase?.drop();
  });

  const written = async (server: TestServer) => {
    const counter = server.app.metrics!.registry.getSingleMetric('chat_replies_settled_total') as Counter;
    const { values } = await counter.get();
    return values.find((value) => value.labels.outcome === 'written')?.value ?? 0;
  };

  it('writes each reply once, some on each instance', async () => {
    const [front, back] = servers as [TestServer, TestServer];
    const me = await learner(front.database.prisma);
    const character = await coach(front.database.prisma);
    const sessions = await Promise.all([1, 2, 3, 4].map(() => openSession(front, me, character.id)));
    const socket = connectSocket(back.wsUrl, await back.token(me));
    try {
      // Subscribed on the other instance: the messages reach it through Redis.
      const feeds = sessions.map((sessionId) =>
        subscribe(socket.client, ChatMessageAddedRepliesDocument, { sessionId, afterSeq: 0 }),
      );
      for (let round = 1; round <= 3; round += 1) {
        await Promise.all(sessions.map((sessionId) => send(front, me, sessionId, `Round ${round}: what is a 3-bet?`)));
      }
      for (const feed of feeds) await feed.take(6);
    } finally {
      await socket.dispose();
    }
    for (const sessionId of sessions) {
      const { messages } = await storedMessages(testDatabase.url, rowIdOf(sessionId));
      const replies = messages.filter((message) => message.role !== 'user');
      expect(replies.map((message) => [message.role, message.in_reply_to_seq])).toHaveLength(3);
      expect(new Set(replies.map((message) => message.in_reply_to_seq)).size).toBe(3);
      expect(replies.every((message) => message.role === 'character')).toBe(true);
    }
    const [byFront, byBack] = [await written(front), await written(back)];
    expect(byFront + byBack).toBe(12);
    expect(byFront).toBeGreaterThan(0);
    expect(byBack).toBeGreaterThan(0);
  });
});
