import { jest } from '@jest/globals';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { globalId } from '../../helpers/factories.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createCourse } from '../../helpers/factories.js';
import { ChatMessageAddedDocument, EndChatSessionDocument, RecordProgressDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, send, seqs, storeHistory } from './fixtures.js';

let server: TestServer;
const sockets: TestSocket[] = [];
const admin: TestUser = { id: 1, role: 'admin' };

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
});
afterAll(() => server.close());

async function socketFor(user: TestUser | null, token?: string): Promise<TestSocket> {
  const socket = connectSocket(server.wsUrl, token ?? (user ? await server.token(user) : null));
  sockets.push(socket);
  return socket;
}

async function sessionOfNewLearner() {
  const me = await learner(server.database.prisma);
  const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  return { me, sessionId };
}

const seqsOf = (results: { data?: { chatMessageAdded: { seq: number } } | null }[]) =>
  results.map((result) => result.data!.chatMessageAdded.seq);

describe('chatMessageAdded', () => {
  it('resolves each event with loaders of its own: a nested field that changed in between shows its new value', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    const courseId = globalId('Course', (await createCourse(server.database.prisma)).id);
    const record = async (completionRate: number) => {
      const response = await server.graphql(
        RecordProgressDocument,
        { courseId, input: { completionRate } },
        { as: me },
      );
      expect(response.body.errors).toBeUndefined();
    };
    await record(40);
    await storeHistory(server.database.prisma, sessionId, 1);
    // Course.viewerProgress answers from a DataLoader: one kept for the whole subscription would answer 40 again.
    const document = parse(`subscription($sessionId: ID!) {
      chatMessageAdded(sessionId: $sessionId, afterSeq: 0) {
        seq
        session { user { progress(first: 1) { edges { node { course { viewerProgress { completionRate } } } } } } }
      }
    }`) as TypedDocumentNode<{
      chatMessageAdded: {
        seq: number;
        session: {
          user: { progress: { edges: { node: { course: { viewerProgress: { completionRate: number } } } }[] } };
        };
      };
    }>;
    const subscription = subscribe((await socketFor(me)).client, document, { sessionId });
    await subscription.take(1);
    await record(80);
    expect((await send(server, me, sessionId, 'hello')).body.errors).toBeUndefined();
    const rates = (await subscription.take(2)).map((result) => {
      expect(result.errors).toBeUndefined();
      return result.data!.chatMessageAdded.session.user.progress.edges[0]!.node.course.viewerProgress.completionRate;
    });
    expect(rates).toEqual([40, 80]);
  });

  it('replays a long history a page per query, with the relations the subscriber selected', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    await storeHistory(server.database.prisma, sessionId, 250);
    const socket = await socketFor(me);
    const before = server.database.statementCount();
    const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    const replayed = await feed.take(250);
    const statements = server.database.statementCount() - before;
    expect(seqsOf(replayed)).toEqual(seqs(250));
    expect(replayed.every((result) => result.data!.chatMessageAdded.session.id === sessionId)).toBe(true);
    // Sign-in, the session, its count and three pages: not one query per message.
    expect(statements).toBeLessThan(15);
  });

  it('resumes after a dropped connection from afterSeq: the stored messages, then the live ones, each once', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    const first = await socketFor(me);
    const before = subscribe(first.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    await send(server, me, sessionId, 'What is position?');
    const seen = await before.take(2);
    expect(seen.map((result) => result.data?.chatMessageAdded.role)).toEqual(['USER', 'CHARACTER']);
    first.socket().terminate();
    await first.closed;

    // Written while the client is away, and while it comes back.
    await send(server, me, sessionId, 'What is the button?');
    const second = await socketFor(me);
    const after = subscribe(second.client, ChatMessageAddedDocument, { sessionId, afterSeq: 2 });
    await send(server, me, sessionId, 'And the cutoff?');
    expect(seqsOf(await after.take(4))).toEqual([3, 4, 5, 6]);

    // Without afterSeq, messages come from the moment the server takes the subscription: never older ones.
    // (The protocol does not say when that moment is, so the new message may come before it.)
    const fresh = subscribe(second.client, ChatMessageAddedDocument, { sessionId });
    await send(server, me, sessionId, 'What is UTG?');
    await after.take(6);
    await server.graphql(EndChatSessionDocument, { sessionId }, { as: me });
    await Promise.all([after.ended, fresh.ended]);
    expect(seqsOf(after.results)).toEqual(seqs(8).slice(2));
    expect([[7, 8], [8], []]).toContainEqual(seqsOf(fresh.results));
  });

  it('completes once an ended session has delivered its last message', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    const socket = await socketFor(me);
    const live = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    await send(server, me, sessionId, 'What is tilt?');
    await live.take(2);
    await server.graphql(EndChatSessionDocument, { sessionId }, { as: me });
    await live.ended;
    expect(seqsOf(live.results)).toEqual([1, 2]);

    const replay = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 1 });
    await replay.ended;
    expect(seqsOf(replay.results)).toEqual([2]);
  });

  it('streams to admins, and refuses strangers and anonymous sockets with an error and no message', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    await send(server, me, sessionId, 'What is a range?');
    const watched = subscribe((await socketFor(admin)).client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    expect(seqsOf(await watched.take(1))).toEqual([1]);

    const cases: [TestUser | null, string, string][] = [
      [await learner(server.database.prisma), sessionId, 'NOT_FOUND'],
      [me, globalId('ChatSession', 999_999), 'NOT_FOUND'],
      [null, sessionId, 'UNAUTHENTICATED'],
    ];
    for (const [user, id, code] of cases) {
      const refused = subscribe((await socketFor(user)).client, ChatMessageAddedDocument, {
        sessionId: id,
        afterSeq: 0,
      });
      await refused.ended;
      expect(refused.results).toEqual([
        { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code }) })] },
      ]);
    }
    const negative = subscribe((await socketFor(me)).client, ChatMessageAddedDocument, { sessionId, afterSeq: -1 });
    await negative.ended;
    expect(negative.results[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { afterSeq: expect.any(String) },
    });
  });

  it('closes a socket whose token is invalid with 4403 Forbidden', async () => {
    const socket = await socketFor(null, 'not-a-jwt');
    const refused = subscribe(socket.client, ChatMessageAddedDocument, { sessionId: globalId('ChatSession', 1) });
    await expect(refused.ended).rejects.toMatchObject({ code: 4403 });
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden' });
    expect(refused.results).toEqual([]);
  });

  it('closes the socket with 4403 when its token expires, which ends the live streams on it', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    await send(server, me, sessionId, 'What is variance?');
    // Signed only now, right before the socket opens: jose floors iat to the second, so the token has between
    // one and two seconds left, all of them for connecting and the replay below.
    const socket = await socketFor(me, await server.token(me, '2s'));
    const live = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    await live.take(1);
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Token expired' });
    await expect(live.ended).rejects.toMatchObject({ code: 4403 });
  });

  it('checks the token again on each subscribe: once it has expired, subscribing is refused', async () => {
    const { me, sessionId } = await sessionOfNewLearner();
    const socket = await socketFor(me, await server.token(me, '1h'));
    await send(server, me, sessionId, 'What is variance?');
    const early = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
    await early.take(1);

    // Two hours later, on the server's clock: no sleeping, only Date moves.
    jest.useFakeTimers({
      now: Date.now() + 2 * 3600 * 1000,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      const late = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
      await expect(late.ended).rejects.toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
      expect(late.results).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });
});
