import { errorCodes, startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { globalId } from '../../helpers/factories.js';
import {
  ChatHistoryDocument,
  ChatMessageNodeDocument,
  ChatSessionByIdDocument,
  EndChatSessionDocument,
  RenameChatSessionDocument,
  StartChatSessionDocument,
  ViewerChatSessionsDocument,
} from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, seqs, storeHistory } from './fixtures.js';

let server: TestServer;
const admin: TestUser = { id: 1, role: 'admin' };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('chat sessions', () => {
  it('start with an active character, take a trimmed name, rename, and end once', async () => {
    const me = await learner(server.database.prisma);
    const character = await coach(server.database.prisma);
    const started = await server.graphql(
      StartChatSessionDocument,
      { characterId: globalId('Character', character.id), sessionName: '  Pot odds drills ' },
      { as: me },
    );
    expect(started.body.errors).toBeUndefined();
    const session = started.body.data!.startChatSession;
    expect(session).toMatchObject({
      sessionName: 'Pot odds drills',
      isActive: true,
      endedAt: null,
      contextData: {},
      user: { id: globalId('User', me.id) },
      character: { id: globalId('Character', character.id) },
    });

    const renamed = await server.graphql(
      RenameChatSessionDocument,
      { sessionId: session.id, sessionName: 'Flush draws' },
      { as: me },
    );
    expect(renamed.body.data?.renameChatSession.sessionName).toBe('Flush draws');
    const blank = await server.graphql(
      RenameChatSessionDocument,
      { sessionId: session.id, sessionName: ' ' },
      { as: me },
    );
    expect(blank.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { sessionName: expect.any(String) },
    });

    const ended = await server.graphql(EndChatSessionDocument, { sessionId: session.id }, { as: me });
    expect(ended.body.data?.endChatSession).toMatchObject({ isActive: false, endedAt: expect.any(String) });
    const again = await server.graphql(EndChatSessionDocument, { sessionId: session.id }, { as: me });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.endChatSession.endedAt).toBe(ended.body.data?.endChatSession.endedAt);
  });

  it('refuse anonymous viewers and inactive or unknown characters, writing nothing', async () => {
    const prisma = server.database.prisma;
    const me = await learner(prisma);
    const retired = await coach(prisma, { isActive: false });
    const before = await prisma.chatSession.count();

    const anonymous = await server.graphql(StartChatSessionDocument, {
      characterId: globalId('Character', retired.id),
    });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    for (const characterId of [retired.id, 999_999]) {
      const response = await server.graphql(
        StartChatSessionDocument,
        { characterId: globalId('Character', characterId) },
        { as: me },
      );
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    }
    // Admins see retired characters, but nobody chats with one.
    const asAdmin = await server.graphql(
      StartChatSessionDocument,
      { characterId: globalId('Character', retired.id) },
      { as: admin },
    );
    expect(errorCodes(asAdmin)).toEqual(['NOT_FOUND']);
    expect(await prisma.chatSession.count()).toBe(before);
  });

  it('are visible to their learner and to admins only, through chatSession and node alike', async () => {
    const prisma = server.database.prisma;
    const [me, stranger] = [await learner(prisma), await learner(prisma)];
    const sessionId = await openSession(server, me, (await coach(prisma)).id);
    const sent = await send(server, me, sessionId, 'What is a c-bet?', 'my-first-question');
    const messageId = sent.body.data!.sendChatMessage.id;

    const read = async (as?: TestUser) => ({
      session: (await server.graphql(ChatSessionByIdDocument, { id: sessionId }, { as })).body.data?.chatSession,
      message: (await server.graphql(ChatMessageNodeDocument, { id: messageId }, { as })).body.data?.node,
    });
    expect(await read(me)).toMatchObject({ session: { id: sessionId }, message: { id: messageId, seq: 1 } });
    expect(await read(admin)).toMatchObject({ session: { id: sessionId }, message: { id: messageId } });
    expect(await read(stranger)).toEqual({ session: null, message: null });
    expect(await read(undefined)).toEqual({ session: null, message: null });

    // Strangers cannot tell the session exists: NOT_FOUND as for a session that does not, and nothing changes.
    for (const response of [
      await send(server, stranger, sessionId, 'hello'),
      // A retry's clientMessageId answers with the earlier message, but only in the sender's own session.
      await send(server, stranger, sessionId, 'What is a c-bet?', 'my-first-question'),
      await server.graphql(RenameChatSessionDocument, { sessionId, sessionName: 'mine now' }, { as: stranger }),
      await server.graphql(EndChatSessionDocument, { sessionId }, { as: stranger }),
      await send(server, me, globalId('ChatSession', 999_999), 'hello'),
    ]) {
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    }
    const session = await prisma.chatSession.findUniqueOrThrow({ where: { id: rowIdOf(sessionId) } });
    expect(session).toMatchObject({ sessionName: null, isActive: true });
    expect(await prisma.chatMessage.count({ where: { sessionId: session.id, role: 'user' } })).toBe(1);
  });

  it('are listed on the user, newest message first, filtered by isActive and paged', async () => {
    const prisma = server.database.prisma;
    const me = await learner(prisma);
    const character = await coach(prisma);
    const [a, b, c] = [
      await openSession(server, me, character.id),
      await openSession(server, me, character.id),
      await openSession(server, me, character.id),
    ];
    await prisma.chatSession.update({ where: { id: rowIdOf(b) }, data: { lastMessageAt: new Date('2030-01-01') } });
    await prisma.chatSession.update({ where: { id: rowIdOf(a) }, data: { lastMessageAt: new Date('2029-01-01') } });
    await server.graphql(EndChatSessionDocument, { sessionId: c }, { as: me });
    await openSession(server, await learner(prisma), character.id);

    const list = async (variables: { first?: number; after?: string; isActive?: boolean }) => {
      const response = await server.graphql(ViewerChatSessionsDocument, variables, { as: me });
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.viewer!.chatSessions;
    };
    const all = await list({});
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((edge) => edge.node.id)).toEqual([b, a, c]);
    const active = await list({ isActive: true, first: 1 });
    expect(active).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    expect(active.edges.map((edge) => edge.node.id)).toEqual([b]);
    const next = await list({ isActive: true, first: 1, after: active.pageInfo.endCursor! });
    expect(next.edges.map((edge) => edge.node.id)).toEqual([a]);
    const ended = await list({ isActive: false });
    expect(ended.edges.map((edge) => edge.node.id)).toEqual([c]);
  });
});

describe('sendChatMessage', () => {
  it('trims the content; blank or over-long content is BAD_USER_INPUT and writes nothing', async () => {
    const prisma = server.database.prisma;
    const me = await learner(prisma);
    const sessionId = await openSession(server, me, (await coach(prisma)).id);

    const sent = await send(server, me, sessionId, '  What is SPR?\n', 'client-1');
    expect(sent.body.data?.sendChatMessage).toMatchObject({
      seq: 1,
      role: 'USER',
      content: 'What is SPR?',
      clientMessageId: 'client-1',
      session: { id: sessionId },
    });
    const session = await prisma.chatSession.findUniqueOrThrow({ where: { id: rowIdOf(sessionId) } });
    // The character's reply may be in already: last_message_at follows whichever message is the newest.
    const [newest] = await prisma.$queryRaw<{ follows: boolean }[]>`
      SELECT s.last_message_at = (SELECT max(m.created_at) FROM chat_messages m WHERE m.session_id = s.id) AS follows
      FROM chat_sessions s WHERE s.id = ${session.id}`;
    expect(newest).toEqual({ follows: true });

    for (const content of [' \n\t ', 'x'.repeat(4001)]) {
      const refused = await send(server, me, sessionId, content);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { content: expect.any(String) },
      });
    }
    const longest = await send(server, me, sessionId, ` ${'y'.repeat(4000)} `);
    expect(longest.body.data?.sendChatMessage.content).toHaveLength(4000);
    const learnerMessages = await prisma.chatMessage.findMany({
      where: { sessionId: session.id, role: 'user' },
      select: { content: true },
    });
    expect(learnerMessages.map((message) => message.content.length)).toEqual([12, 4000]);
  });

  it('is refused with CONFLICT once the session has ended; a retry of an earlier message still answers', async () => {
    const prisma = server.database.prisma;
    const me = await learner(prisma);
    const sessionId = await openSession(server, me, (await coach(prisma)).id);
    const first = await send(server, me, sessionId, 'What is fold equity?', 'before-end');
    await server.graphql(EndChatSessionDocument, { sessionId }, { as: me });

    const refused = await send(server, me, sessionId, 'One more thing');
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    const retry = await send(server, me, sessionId, 'What is fold equity?', 'before-end');
    expect(first.body.errors).toBeUndefined();
    expect(retry.body.errors).toBeUndefined();
    expect(retry.body.data?.sendChatMessage).toEqual(first.body.data?.sendChatMessage);
    expect(await prisma.chatMessage.count({ where: { sessionId: rowIdOf(sessionId), role: 'user' } })).toBe(1);
  });
});

describe('ChatSession.messages', () => {
  it('pages forward with first/after and scrolls back with last/before, in seq order', async () => {
    const me = await learner(server.database.prisma);
    const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
    await storeHistory(server.database.prisma, sessionId, 25);

    const page = async (variables: { first?: number; after?: string; last?: number; before?: string }) => {
      const response = await server.graphql(ChatHistoryDocument, { id: sessionId, ...variables }, { as: me });
      expect(response.body.errors).toBeUndefined();
      const messages = response.body.data!.chatSession!.messages;
      return { ...messages, seqs: messages.edges.map((edge) => edge.node.seq) };
    };

    const head = await page({ first: 10 });
    expect(head).toMatchObject({ totalCount: 25, seqs: seqs(10), pageInfo: { hasNextPage: true } });
    const second = await page({ first: 10, after: head.pageInfo.endCursor! });
    expect(second.seqs).toEqual(seqs(10).map((seq) => seq + 10));

    const newest = await page({ last: 5 });
    expect(newest).toMatchObject({ seqs: [21, 22, 23, 24, 25], pageInfo: { hasPreviousPage: true } });
    const older = await page({ last: 5, before: newest.pageInfo.startCursor! });
    expect(older.seqs).toEqual([16, 17, 18, 19, 20]);
    const oldest = await page({ last: 10, before: head.edges[3]!.cursor });
    expect(oldest).toMatchObject({ seqs: [1, 2, 3], pageInfo: { hasPreviousPage: false } });

    const tooMany = await server.graphql(ChatHistoryDocument, { id: sessionId, last: 101 }, { as: me });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });
});
