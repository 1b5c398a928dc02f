import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { schema } from '../../src/graphql/schema.js';
import { authSettings, signToken } from '../../src/auth/token.js';
import { withClient } from '../../src/platform/db/client.js';
import { seedDatabase } from '../../src/platform/db/seed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/server.js';
import { spawnServer, type ChildServer } from '../integration/faults/child-server.js';
import { operationArbitrary, serializeOperation, type GeneratedOperation } from './generate.js';
import { heapUsedAfterGc, INSPECT_FLAG } from './heap.js';

/**
 * Generated operations from the real schema against the real server process over a seeded database, as
 * anonymous visitors, learners and admins: FUZZ_RUNS queries and FUZZ_RUNS mutations (300 each by default;
 * FUZZ_RUNS=5000 for a long run, FUZZ_SEED to replay a failure). The server runs as in production, the
 * configuration that faces the internet (FUZZ_NODE_ENV=development fuzzes development's, with plugin-prisma's
 * unused-query check on). No answer may be a 5xx or an
 * INTERNAL_SERVER_ERROR, a BAD_USER_INPUT from a resolver must name its fields, the process must not report an
 * unhandled rejection or die, and its memory must stay flat.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/**
 * Memory, as the heap right after a full GC: every generated document is new, and Apollo keeps parsed and
 * validated documents in an LRU (30 MB by its own estimate, more in real heap), so the first pass may grow
 * the heap up to a bound; replaying the same operations must not grow it (a per-request leak would).
 */
const FIRST_PASS_GROWTH_LIMIT_MB = 160;
const REPLAY_GROWTH_LIMIT_MB = 8;

let testDatabase: TestDatabase;
let server: ChildServer;
let knownIds: string[];
const tokens = new Map<string, string>();

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  knownIds = await withClient(testDatabase.url, async (client) => {
    await seedDatabase(client);
    const ids: string[] = [];
    for (const [table, type] of [
      ['courses', 'Course'],
      ['characters', 'Character'],
      ['assessments', 'Assessment'],
    ] as const) {
      const { rows } = await client.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id LIMIT 5`);
      ids.push(...rows.map((row) => encodeGlobalID(type, row.id)));
    }
    return [...ids, encodeGlobalID('User', 1), encodeGlobalID('User', 2)];
  });
  server = await spawnServer(
    {
      NODE_ENV: process.env.FUZZ_NODE_ENV ?? 'production',
      DATABASE_URL: testDatabase.url,
      DATABASE_POOL_SIZE: '4',
      RATE_LIMIT_MUTATIONS: '100000000',
      RATE_LIMIT_ASSESSMENT_SUBMISSIONS: '100000000',
      RATE_LIMIT_CHAT_MESSAGES: '100000000',
    },
    [INSPECT_FLAG],
  );
  const auth = authSettings(TEST_JWT_SECRET);
  tokens.set('learner', await signToken(auth, { sub: 1 }));
  tokens.set('other learner', await signToken(auth, { sub: 2 }));
  tokens.set('admin', await signToken(auth, { sub: 3, role: 'admin' }));
}, 120_000);

afterAll(async () => {
  if (server && server.process.exitCode === null) {
    server.process.kill('SIGTERM');
    await server.exited;
  }
  await testDatabase?.drop();
});

const who = fc.constantFrom('anonymous', 'learner', 'other learner', 'admin');

async function rssMegabytes(): Promise<number> {
  const status = await readFile(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

async function send(operation: GeneratedOperation, as: string): Promise<Answer> {
  const token = tokens.get(as);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: serializeOperation(operation),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** The properties every answer keeps, whatever was asked. */
function check({ status, body }: Answer) {
  expect(status).toBeLessThan(500);
  expect(body.data !== undefined || body.errors !== undefined).toBe(true);
  for (const error of body.errors ?? []) {
    expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    if (error.extensions?.code === 'BAD_USER_INPUT' && error.path) {
      expect(Object.keys((error.extensions.fields ?? {}) as object).length).toBeGreaterThan(0);
    }
  }
}

/** Every operation sent, so that the same load can be replayed. */
const sent: { generated: GeneratedOperation; as: string }[] = [];

async function sendAndCheck(generated: GeneratedOperation, as: string) {
  const answer = await send(generated, as);
  try {
    check(answer);
  } catch (failure) {
    throw new Error(`${(failure as Error).message}\n${JSON.stringify({ generated, as, answer }, null, 2)}`);
  }
}

async function fuzz(operation: 'query' | 'mutation', numRuns: number) {
  await fc.assert(
    fc.asyncProperty(operationArbitrary(schema, operation, { knownIds, depth: 3 }), who, async (generated, as) => {
      sent.push({ generated, as });
      await sendAndCheck(generated, as);
    }),
    { numRuns, seed: SEED, endOnFailure: true },
  );
}

it(`answers ${RUNS} generated queries and ${RUNS} generated mutations, twice, without a server error, in flat memory`, async () => {
  const start = { heap: await heapUsedAfterGc(server), rss: await rssMegabytes() };
  await fuzz('query', RUNS);
  await fuzz('mutation', RUNS);
  const filled = { heap: await heapUsedAfterGc(server), rss: await rssMegabytes() };
  for (const { generated, as } of sent) await sendAndCheck(generated, as);
  const replayed = { heap: await heapUsedAfterGc(server), rss: await rssMegabytes() };
  const mb = (value: number) => value.toFixed(1);
  console.info(
    `fuzz: ${RUNS} queries + ${RUNS} mutations, then the same again; server heap after GC ` +
      `${mb(start.heap)} -> ${mb(filled.heap)} -> ${mb(replayed.heap)} MB, RSS ${mb(start.rss)} -> ${mb(filled.rss)} -> ${mb(replayed.rss)} MB`,
  );
  expect(filled.heap - start.heap).toBeLessThan(FIRST_PASS_GROWTH_LIMIT_MB);
  expect(replayed.heap - filled.heap).toBeLessThan(REPLAY_GROWTH_LIMIT_MB);
  expect(server.process.exitCode).toBeNull();
  expect(server.stderr()).not.toMatch(/unhandled|uncaught/i);
}, 600_000);
