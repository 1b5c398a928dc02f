import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readMigrations } from '../../../src/platform/db/migrator.js';
import { authSettings, signToken } from '../../../src/auth/token.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { connectSocket, subscribe } from '../../helpers/ws-client.js';
import { ChatMessageAddedRepliesDocument } from '../../generated/graphql.js';

/**
 * `npm start` with no DATABASE_URL: the real server process on an embedded PGlite in a fresh data folder,
 * migrated and seeded on first start only, answering GraphQL, and exiting 0 on SIGTERM.
 */

// PGlite needs several seconds to start on a busy machine.
const START_TIMEOUT = 120_000;

const started: ServerProcess[] = [];

/** Starts what `npm start` runs (node on the compiled server) on an embedded database in `dataDir`. */
async function startServer(dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess({
    // Only what a new user's shell would have: no DATABASE_URL, no JWT_SECRET.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      EMBEDDED_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    // Its own process group, so that cleanup reaches anything it spawned too.
    detached: true,
  });
  started.push(server);
  return server;
}

async function countContent(server: ServerProcess, token?: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({
      query: '{ courses { totalCount } characters { totalCount } viewer { displayName role } }',
    }),
  });
  expect(response.status).toBe(200);
  const { data } = (await response.json()) as {
    data: { courses: { totalCount: number }; characters: { totalCount: number }; viewer: unknown };
  };
  return data;
}

/** pino's level number for warn: the lines worth showing when something failed. */
const WARN_LEVEL = 40;

const messages = (logs: ServerProcess['logs']) => logs.map((line) => line.msg);

async function call<T>(server: ServerProcess, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/**
 * A learner's question and the coach's reply on the embedded engine, where PGlite is one session: the message's
 * transaction (which enqueues the reply job) must never wait on another connection. Returns send-to-reply ms.
 */
async function chat(server: ServerProcess, token: string): Promise<number> {
  const { characters } = await call<{ characters: { edges: { node: { id: string } }[] } }>(
    server,
    token,
    '{ characters(first: 1) { edges { node { id } } } }',
  );
  const { startChatSession } = await call<{ startChatSession: { id: string } }>(
    server,
    token,
    'mutation($c: ID!) { startChatSession(characterId: $c) { id } }',
    { c: characters.edges[0]!.node.id },
  );
  const socket = connectSocket(server.url.replace(/^http/, 'ws'), token);
  try {
    const feed = subscribe(socket.client, ChatMessageAddedRepliesDocument, {
      sessionId: startChatSession.id,
      afterSeq: 0,
    });
    const sentAt = performance.now();
    await call(
      server,
      token,
      'mutation($s: ID!) { sendChatMessage(sessionId: $s, content: "What are pot odds?") { id } }',
      {
        s: startChatSession.id,
      },
    );
    const results = await feed.take(2).catch((error: unknown) => {
      // The server's own account of the failure, which the client only sees masked.
      const problems = server.logs.filter((line) => Number(line.level) >= WARN_LEVEL);
      throw new Error(`${String(error)}\nserver warnings and errors: ${JSON.stringify(problems)}`, { cause: error });
    });
    const [, reply] = results.map((result) => result.data!.chatMessageAdded);
    expect(reply).toMatchObject({ role: 'CHARACTER', inReplyTo: { seq: 1 } });
    return performance.now() - sentAt;
  } finally {
    await socket.dispose();
  }
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dz-embedded-'));
});

afterAll(async () => {
  for (const { process: child } of started) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start without DATABASE_URL', () => {
  let firstCounts: Awaited<ReturnType<typeof countContent>>;

  it(
    'starts the embedded PostgreSQL, migrates and seeds it, serves the API, and exits 0 on SIGTERM',
    async () => {
      const server = await startServer(path.join(dataDir, 'pglite'));
      const migrations = (await readMigrations()).map((migration) => migration.name);

      expect(messages(server.logs)).toEqual(
        expect.arrayContaining([
          'no DATABASE_URL: starting the embedded PostgreSQL (PGlite)',
          'embedded database: applied migrations',
          'embedded database: seeded demo characters and courses',
        ]),
      );
      expect(server.logs.find((line) => line.msg === 'embedded database: applied migrations')!.applied).toEqual(
        migrations,
      );

      expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
      expect((await fetch(new URL('/readyz', server.url))).status).toBe(200);

      firstCounts = await countContent(server);
      expect(firstCounts.courses.totalCount).toBeGreaterThan(0);
      expect(firstCounts.characters.totalCount).toBeGreaterThan(0);
      expect(firstCounts.viewer).toBeNull();

      // The README's way to a token: the generated development secret the server printed.
      const secret = server.logs.find((line) => typeof line.jwtSecret === 'string')?.jwtSecret as string;
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const token = await signToken(authSettings(secret), { sub: 1, role: 'admin', name: 'Local Admin' });
      expect((await countContent(server, token)).viewer).toEqual({ displayName: 'Local Admin', role: 'ADMIN' });
      const replyMs = await chat(server, token);
      console.log(`embedded engine: send-to-reply ${Math.round(replyMs)} ms`);

      expect(await server.stop()).toEqual({ code: 0, signal: null });
      expect(messages(server.logs)).toContain('stopped');
    },
    START_TIMEOUT,
  );

  it(
    'starts again on the same data without migrating or seeding again',
    async () => {
      const server = await startServer(path.join(dataDir, 'pglite'));
      expect(messages(server.logs)).toContain('no DATABASE_URL: starting the embedded PostgreSQL (PGlite)');
      expect(messages(server.logs)).not.toContain('embedded database: applied migrations');
      expect(messages(server.logs)).not.toContain('embedded database: seeded demo characters and courses');
      const counts = await countContent(server);
      expect(counts.courses.totalCount).toBe(firstCounts.courses.totalCount);
      expect(counts.characters.totalCount).toBe(firstCounts.characters.totalCount);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT,
  );
});
