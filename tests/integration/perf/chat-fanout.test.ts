import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { connectSocket, subscribe, type Subscription, type TestSocket } from '../../helpers/ws-client.js';
import {
  ChatHistoryDocument,
  ChatMessageAddedColumnsDocument,
  type ChatMessageAddedColumnsSubscription,
} from '../../generated/graphql.js';
import { coach, learner, openSession, rowIdOf, send, seqs } from '../chat/fixtures.js';

/**
 * Each chat event carries the message it announces, so a subscriber that selects the message's own fields
 * delivers it without reading it back: fan-out costs no statement per subscriber. The database still fills
 * whatever an event did not bring (a lost event, one that arrives twice), and what a subscriber receives is
 * the stored message exactly, in seq order, each once, also when the event crossed Redis.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let server: TestServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
});
afterAll(() => server.close());

type Feed = Subscription<ChatMessageAddedColumnsSubscription>;

async function feeds(on: TestServer, me: TestUser, sessionId: string, count: number): Promise<Feed[]> {
  const token = await on.token(me);
  return Array.from({ length: count }, () => {
    const socket = connectSocket(on.wsUrl, token);
    sockets.push(socket);
    return subscribe(socket.client, ChatMessageAddedColumnsDocument, { sessionId, afterSeq: 0 });
  });
}

async function received(feed: Feed, count: number) {
  return (await feed.take(count)).map((result) => result.data!.chatMessageAdded);
}

/** The session's messages as the history query reads them from the database. */
async function history(on: TestServer, me: TestUser, sessionId: string) {
  const response = await on.graphql(ChatHistoryDocument, { id: sessionId, first: 100 }, { as: me });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.chatSession!.messages.edges.map(({ node }) => {
    const { session: _session, ...columns } = node;
    return columns;
  });
}

async function newSession(on: TestServer) {
  const me = await learner(on.database.prisma);
  const sessionId = await openSession(on, me, (await coach(on.database.prisma)).id);
  return { me, sessionId };
}

describe('chat fan-out with the message in the event', () => {
  it('costs the same statements for four subscribers as for one', async () => {
    const statements = [];
    for (const subscribers of [1, 4]) {
      const { me, sessionId } = await newSession(server);
      const live = await feeds(server, me, sessionId, subscribers);
      await send(server, me, sessionId, 'What is a squeeze play?');
      // Once the first question and its answer are in, every subscription is live.
      await Promise.all(live.map((feed) => feed.take(2)));

      const before = server.database.statementCount();
      await send(server, me, sessionId, 'And a cold call?');
      await Promise.all(live.map((feed) => feed.take(4)));
      statements.push(server.database.statementCount() - before);
    }
    expect(statements[1]).toBe(statements[0]);
  });

  it('delivers the stored messages exactly, filling a seq whose event never came from the database', async () => {
    const { me, sessionId } = await newSession(server);
    const [feed] = await feeds(server, me, sessionId, 1);
    await send(server, me, sessionId, 'What is a float?');
    await feed!.take(2);

    // Seq 3 is written without an event, as when a publish fails; seq 4's event is the next one to come.
    const prisma = server.database.prisma;
    await prisma.chatMessage.create({ data: { sessionId: rowIdOf(sessionId), seq: 3, role: 'system', content: 'm3' } });
    await prisma.chatSession.update({ where: { id: rowIdOf(sessionId) }, data: { messageCount: 3 } });
    await send(server, me, sessionId, 'What is a probe bet?', 'probe-1');

    const messages = await received(feed!, 5);
    expect(messages.map((message) => message.seq)).toEqual(seqs(5));
    expect(messages).toEqual(await history(server, me, sessionId));
  });

  it('delivers a message once when its event arrives twice', async () => {
    const { me, sessionId } = await newSession(server);
    const [feed] = await feeds(server, me, sessionId, 1);
    await send(server, me, sessionId, 'What is a c-bet?');
    const [first] = await received(feed!, 1);

    const echo = await server.database.prisma.chatMessage.findUniqueOrThrow({
      where: { sessionId_seq: { sessionId: rowIdOf(sessionId), seq: first!.seq } },
    });
    await server.pubsub.publish(`chat:${rowIdOf(sessionId)}`, {
      seq: echo.seq,
      message: { ...echo, id: echo.id.toString(), createdAt: echo.createdAt.toISOString() },
    });
    await send(server, me, sessionId, 'And a donk bet?');

    // A second delivery of seq 1 would come before seq 3, in order.
    expect((await received(feed!, 4)).map((message) => message.seq)).toEqual(seqs(4));
  });

  it('delivers the same messages across instances, the event crossing Redis as JSON', async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `dz-test:${randomUUID()}:` };
    const a = await startTestServer({ env });
    const b = await startTestServer({ env, testDatabase: a.testDatabase });
    try {
      const { me, sessionId } = await newSession(a);
      const [onB] = await feeds(b, me, sessionId, 1);
      await send(a, me, sessionId, 'What is ICM?');
      await onB!.take(2);
      await send(a, me, sessionId, 'And the bubble factor?', 'bubble-1');

      const messages = await received(onB!, 4);
      expect(messages.map((message) => message.seq)).toEqual(seqs(4));
      expect(messages).toEqual(await history(a, me, sessionId));
    } finally {
      await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
      await b.close();
      await a.close();
    }
  });
});
