import { authSettings, signToken } from '../../../src/auth/token.js';
import { connectDatabase, type Database } from '../../../src/platform/db/client.js';
import {
  ChatMessageAddedDocument,
  SendChatMessageDocument,
  StartChatSessionDocument,
} from '../../generated/graphql.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createUser, globalId } from '../../helpers/factories.js';
import { TEST_JWT_SECRET } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { print } from 'graphql';
import { coach, seqs } from '../chat/fixtures.js';
import { spawnServer, type ChildServer } from './child-server.js';

/**
 * SIGTERM while subscribers listen: the server closes their sockets with 1001 (going away) and exits 0; a
 * client that reconnects to the next server with afterSeq = the last seq it got misses nothing and sees
 * nothing twice.
 */

let testDatabase: TestDatabase;
let database: Database;
const servers: ChildServer[] = [];
const sockets: TestSocket[] = [];
let token: string;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = connectDatabase(testDatabase.url, { poolSize: 2, poolTimeoutMs: 5000, statementTimeoutMs: 0 });
  const user = await createUser(database.prisma);
  token = await signToken(authSettings(TEST_JWT_SECRET), { sub: user.id });
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  for (const server of servers) {
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    await server.exited;
  }
  await database?.close();
  await testDatabase?.drop();
});

async function start(): Promise<ChildServer> {
  const server = await spawnServer({ DATABASE_URL: testDatabase.url });
  servers.push(server);
  return server;
}

async function graphql<T>(server: ChildServer, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!body.data) throw new Error(`request failed: ${JSON.stringify(body)}`);
  return body.data;
}

it('closes live subscriptions with 1001 on SIGTERM, and a client resumes on the next server with afterSeq', async () => {
  const first = await start();
  const { id: characterId } = await coach(database.prisma);
  const { startChatSession } = await graphql<{ startChatSession: { id: string } }>(
    first,
    print(StartChatSessionDocument),
    { characterId: globalId('Character', characterId) },
  );
  const sessionId = startChatSession.id;
  const sendTo = (server: ChildServer, content: string) =>
    graphql(server, print(SendChatMessageDocument), { sessionId, content });

  const socket = connectSocket(first.wsUrl, token);
  sockets.push(socket);
  const live = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
  await sendTo(first, 'What is a semi-bluff?');
  await live.take(2); // the message and the coach's reply

  first.process.kill('SIGTERM');
  expect(await socket.closed).toEqual({ code: 1001, reason: expect.any(String) });
  expect(await first.exited).toEqual({ code: 0, signal: null });
  const lastSeen = Math.max(...live.results.map((result) => result.data!.chatMessageAdded.seq));

  // The conversation goes on through the next server while the client is away.
  const next = await start();
  await sendTo(next, 'And a continuation bet?');
  const resumedSocket = connectSocket(next.wsUrl, token);
  sockets.push(resumedSocket);
  const resumed = subscribe(resumedSocket.client, ChatMessageAddedDocument, { sessionId, afterSeq: lastSeen });
  const caughtUp = await resumed.take(2);
  const seen = [...live.results, ...caughtUp].map((result) => result.data!.chatMessageAdded.seq);
  expect(seen).toEqual(seqs(4));
  // Two server starts, each migrating nothing but starting the job queue: up to ~11 s apiece on a loaded machine.
}, 90_000);
