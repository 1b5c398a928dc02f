import { createOfflineCoach } from '../../../src/modules/chat/responders/offline-coach.js';
import {
  personalitySchema,
  type ReplyRequest,
  type Responder,
} from '../../../src/modules/chat/responders/responder.js';
import { connectDatabase, withClient, type Database } from '../../../src/platform/db/client.js';
import { seedDatabase } from '../../../src/platform/db/seed.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { answerFor, startFakeProvider, type FakeProvider } from '../../helpers/fake-openai.js';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { coach, coachPersonality, learner, openSession, rowIdOf, send, storedMessages } from './fixtures.js';

describe('the offline coach', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let responder: Responder;
  // The seeded curriculum, whose lessons the seed indexes.
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    await withClient(testDatabase.url, (client) => seedDatabase(client));
    database = connectDatabase(testDatabase.url, { poolSize: 2, poolTimeoutMs: 10_000, statementTimeoutMs: 0 });
    responder = createOfflineCoach(database);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });
  const ada = {
    displayName: 'Ada',
    conversationStyle: 'analytical',
    personality: personalitySchema.parse(coachPersonality),
  };
  const ask = (question: string, character: ReplyRequest['character'] = ada) =>
    responder.reply({
      character,
      history: [{ role: 'user', content: question }],
      signal: new AbortController().signal,
    });

  it('answers the common questions from the glossary and points to the lesson, in the character’s voice', async () => {
    const potOdds = await ask('What are pot odds?');
    expect(potOdds).toContain('amount to call divided by the total pot after your call');
    expect(potOdds).toContain('The lesson "Pot Odds and Equity" covers this');
    expect(potOdds).toContain("Let's check the arithmetic.");
    expect(potOdds.endsWith('Run the numbers, then run good.')).toBe(true);

    // A "why" is answered from the lesson's section on it, not with the definition.
    expect(await ask('Why does position matter so much?')).toMatch(
      /Acting last gives you four concrete advantages.*section "Why position is worth money"/s,
    );
    expect(await ask('How do I put my opponent on a range?')).toContain('range against range');
    expect(await ask('How big should my bankroll be for NL25?')).toContain('20–40 buy-ins (30 is a sensible default)');
    expect(await ask('What is the difference between implied odds and reverse implied odds?')).toMatch(
      /Reverse implied odds: .*Implied odds: |Implied odds: .*Reverse implied odds: /s,
    );
  });

  it('works out pot odds from the pot and the bet', async () => {
    const answer = await ask('The pot is $100 and my opponent bets $50. Should I call with a flush draw?');
    expect(answer).toContain('you need 50 / 200 = 25% equity to break even (pot odds of 3 : 1)');
  });

  it('answers from the lessons when no glossary term is named', async () => {
    expect(await ask('How many buy-ins do tournaments need?')).toContain('More in the lesson "Bankroll Management');
  });

  it('says honestly when it does not know, and does not mistake everyday words for terms', async () => {
    for (const question of ['What is the capital of France?', 'Can you figure out my taxes?']) {
      const answer = await ask(question);
      expect(answer).toMatch(/^I don't know that one: nothing in the curriculum covers it/);
    }
  });

  it('greets with the character’s greeting, speaks in its style, and says the same to the same question', async () => {
    expect(await ask('Hello!')).toBe(coachPersonality.greeting);
    const friendly = { ...ada, conversationStyle: 'friendly' };
    const competitive = { ...ada, conversationStyle: 'competitive' };
    expect((await ask('What is a c-bet?', friendly)).startsWith('Great question!')).toBe(true);
    expect((await ask('What is a c-bet?', competitive)).startsWith('Straight answer:')).toBe(true);
    expect(await ask('What is a c-bet?')).toBe(await ask('What is a c-bet?'));
  });
});

describe('the chat-completions provider', () => {
  let provider: FakeProvider;
  beforeAll(async () => {
    provider = await startFakeProvider({ chunks: 3, chunkDelayMs: 5 });
  });
  afterAll(() => provider.close());

  const envFor = (timeoutMs: number) => ({
    AI_BASE_URL: provider.url,
    AI_API_KEY: 'test-key',
    AI_MODEL: 'coach-model',
    AI_TIMEOUT_MS: String(timeoutMs),
  });

  describe('answering', () => {
    let server: TestServer;
    let socket: TestSocket;
    // Generous: an answer must never be cut short by a busy machine.
    beforeAll(async () => {
      server = await startTestServer({ env: envFor(3000) });
    });
    afterAll(async () => {
      await socket?.dispose();
      await server.close();
    });

    it('sends the system prompt, the recent conversation and the temperature, and streams the answer', async () => {
      const prisma = server.database.prisma;
      const me = await learner(prisma);
      const sessionId = await openSession(server, me, (await coach(prisma)).id);
      socket = connectSocket(server.wsUrl, await server.token(me));
      const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });

      provider.requests.length = 0;
      await send(server, me, sessionId, 'What is a c-bet?');
      await feed.take(2);
      await send(server, me, sessionId, 'When should I skip it?');
      const messages = (await feed.take(4)).map((result) => result.data!.chatMessageAdded);
      expect(messages.map((message) => [message.role, message.content])).toEqual([
        ['USER', 'What is a c-bet?'],
        ['CHARACTER', answerFor('What is a c-bet?')],
        ['USER', 'When should I skip it?'],
        ['CHARACTER', answerFor('When should I skip it?')],
      ]);
      expect(provider.requests[1]).toEqual({
        url: '/v1/chat/completions',
        authorization: 'Bearer test-key',
        body: {
          model: 'coach-model',
          temperature: coachPersonality.temperature,
          stream: true,
          messages: [
            { role: 'system', content: coachPersonality.systemPrompt },
            { role: 'user', content: 'What is a c-bet?' },
            { role: 'assistant', content: answerFor('What is a c-bet?') },
            { role: 'user', content: 'When should I skip it?' },
          ],
        },
      });
    });
  });

  describe('failing', () => {
    let server: TestServer;
    let socket: TestSocket;
    // Short, so that the provider that never answers times out quickly; one attempt, so no retry waits.
    beforeAll(async () => {
      server = await startTestServer({ env: { ...envFor(300), CHAT_REPLY_ATTEMPTS: '1' } });
    });
    afterAll(async () => {
      await socket?.dispose();
      await server.close();
    });

    it('writes a SYSTEM message when the provider fails or does not answer in time', async () => {
      const prisma = server.database.prisma;
      const me = await learner(prisma);
      const character = await coach(prisma);
      const sessionId = await openSession(server, me, character.id);
      socket = connectSocket(server.wsUrl, await server.token(me));
      const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });

      await send(server, me, sessionId, 'What is a c-bet? [fail]');
      await send(server, me, sessionId, 'What is a c-bet? [hold]');
      const replies = (await feed.take(4))
        .map((result) => result.data!.chatMessageAdded)
        .filter((message) => message.role !== 'USER');
      expect(replies).toEqual([
        expect.objectContaining({
          role: 'SYSTEM',
          content: `${character.displayName} is unavailable right now and could not answer. Please try again in a moment.`,
        }),
        expect.objectContaining({ role: 'SYSTEM' }),
      ]);
    });
  });

  it('leaves a reply that server.close() cut after the grace period queued, and the next instance writes it once', async () => {
    const testDatabase = await createTestDatabase();
    try {
      const env = { ...envFor(60_000), SHUTDOWN_GRACE_MS: '200', CHAT_REPLY_POLL_INTERVAL_MS: '500' };
      const first = await startTestServer({ testDatabase, env });
      const me = await learner(first.database.prisma);
      const sessionId = await openSession(first, me, (await coach(first.database.prisma)).id);
      const asked = provider.nextRequest();
      await send(first, me, sessionId, 'Still there? [hold]');
      await asked;
      await first.close();
      expect((await storedMessages(testDatabase.url, rowIdOf(sessionId))).messages).toHaveLength(1);

      provider.release();
      const second = await startTestServer({ testDatabase, env });
      try {
        const socket = connectSocket(second.wsUrl, await second.token(me));
        const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
        await feed.take(2);
        await socket.dispose();
      } finally {
        await second.close();
      }
      const { messages } = await storedMessages(testDatabase.url, rowIdOf(sessionId));
      expect(messages.map((message) => [message.seq, message.role, message.content])).toEqual([
        [1, 'user', 'Still there? [hold]'],
        [2, 'character', answerFor('Still there? [hold]')],
      ]);
      expect(messages[1]?.metadata).toEqual({ responder: 'chat-completions' });
    } finally {
      await testDatabase.drop();
    }
  });
});
