import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../../src/platform/db/embedded.js';
import { withClient } from '../../../src/platform/db/client.js';

/**
 * The embedded engine's wire server: PGlite is one session, so a connection's exchange with it (an extended
 * query from Parse to Sync, a transaction) must run whole before another connection's, whatever TCP reads
 * it arrives in, and a client that vanishes mid-way must not leave the session to the next one half-used.
 */

const WAIT_FOR_INTERLEAVING_MS = 150;

let dataDir: string;
let embedded: EmbeddedDatabase;
const engineErrors: unknown[] = [];
const opened: { end(): unknown }[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dz-wire-'));
  embedded = await startEmbeddedDatabase(dataDir, { maxConnections: 8, onError: (error) => engineErrors.push(error) });
  await withClient(embedded.url, (client) =>
    client.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)'),
  );
}, 120_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.end()));
  await withClient(embedded.url, (client) => client.query('TRUNCATE notes'));
  expect(engineErrors).toEqual([]);
});

afterAll(async () => {
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const address = () => new URL(embedded.url);

async function openClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: embedded.url });
  await client.connect();
  opened.push(client);
  return client;
}

/** What pg.Connection has and @types/pg leaves out. */
interface ProtocolConnection extends pg.Connection {
  connect(port: number, host: string): void;
  startup(config: { user: string; database: string }): void;
}

/** pg's protocol-level connection, which sends each message when told to: one TCP write per message. */
async function openProtocolConnection(): Promise<pg.Connection> {
  const connection = new pg.Connection() as ProtocolConnection;
  connection.connect(Number(address().port), address().hostname);
  await once(connection, 'connect');
  connection.startup({ user: 'postgres', database: 'postgres' });
  await once(connection, 'readyForQuery');
  return connection;
}

/** The rows and errors a connection receives until its next ReadyForQuery. */
function untilReady(connection: pg.Connection): Promise<{ rows: unknown[][]; errors: string[] }> {
  const rows: unknown[][] = [];
  const errors: string[] = [];
  const onRow = (message: { fields: unknown[] }) => rows.push(message.fields);
  const onError = (message: { message: string }) => errors.push(message.message);
  connection.on('dataRow', onRow);
  connection.on('errorMessage', onError);
  return once(connection, 'readyForQuery').then(() => {
    connection.off('dataRow', onRow);
    connection.off('errorMessage', onError);
    return { rows, errors };
  });
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  void promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

it('runs an extended query whose messages arrive in separate reads whole, before another connection’s query', async () => {
  const split = await openProtocolConnection();
  const other = await openClient();

  split.parse({ name: '', text: 'SELECT $1::text AS who', types: [] }, false);
  await once(split, 'parseComplete');
  // Another connection's Parse in between would replace the unnamed statement this Bind names.
  const otherQuery = other.query('SELECT $1::int + 1 AS n', [41]);
  const otherProgress = settledFlag(otherQuery);
  await sleep(WAIT_FOR_INTERLEAVING_MS);
  expect(otherProgress.settled).toBe(false);

  const splitResult = untilReady(split);
  split.bind({ values: ['split'] }, false);
  split.execute({}, false);
  split.sync();
  expect(await splitResult).toEqual({ rows: [['split']], errors: [] });
  expect((await otherQuery).rows).toEqual([{ n: 42 }]);
  split.end();
});

it('keeps a transaction’s uncommitted rows from other connections, which wait until it ends', async () => {
  const writer = await openClient();
  const reader = await openClient();
  await writer.query('BEGIN');
  await writer.query("INSERT INTO notes VALUES (1, 'draft')");

  const count = reader.query('SELECT count(*)::int AS n FROM notes');
  const countProgress = settledFlag(count);
  await sleep(WAIT_FOR_INTERLEAVING_MS);
  expect(countProgress.settled).toBe(false);

  await writer.query('COMMIT');
  expect((await count).rows).toEqual([{ n: 1 }]);
});

it('rolls back the transaction of a connection that vanishes in it, and lets the waiting connection in', async () => {
  const writer = await openProtocolConnection();
  const reader = await openClient();
  const begun = untilReady(writer);
  writer.query("BEGIN; INSERT INTO notes VALUES (1, 'lost')");
  expect(await begun).toEqual({ rows: [], errors: [] });

  const count = reader.query('SELECT count(*)::int AS n FROM notes');
  await sleep(WAIT_FOR_INTERLEAVING_MS);
  writer.stream.destroy();

  expect((await count).rows).toEqual([{ n: 0 }]);
  // The session is out of the vanished transaction: a new one starts and commits cleanly.
  await reader.query('BEGIN');
  await reader.query("INSERT INTO notes VALUES (2, 'kept')");
  await reader.query('COMMIT');
  expect((await reader.query('SELECT id FROM notes')).rows).toEqual([{ id: 2 }]);
});

it('closes an extended query a vanished connection left before its Sync, and lets the waiting connection in', async () => {
  const abandoning = await openProtocolConnection();
  const other = await openClient();
  abandoning.parse({ name: '', text: 'SELECT 1 / $1::int AS broken', types: [] }, false);
  abandoning.bind({ values: ['0'] }, false);
  abandoning.execute({}, false);
  await once(abandoning, 'errorMessage');

  const otherQuery = other.query('SELECT $1::text AS fine', ['yes']);
  await sleep(WAIT_FOR_INTERLEAVING_MS);
  abandoning.stream.destroy();

  expect((await otherQuery).rows).toEqual([{ fine: 'yes' }]);
});

it('keeps every connection’s results its own under concurrent reads and writes', async () => {
  const pool = new pg.Pool({ connectionString: embedded.url, max: 5 });
  opened.push(pool);
  const work = Array.from({ length: 200 }, async (_, id) => {
    const body = `note ${id} ${'x'.repeat(id * 37)}`;
    const inserted = await pool.query('INSERT INTO notes VALUES ($1, $2) RETURNING id, length(body) AS size', [
      id,
      body,
    ]);
    const read = await pool.query('SELECT body FROM notes WHERE id = $1', [id]);
    return { inserted: inserted.rows, read: read.rows };
  });
  const results = await Promise.all(work);
  results.forEach((result, id) => {
    const body = `note ${id} ${'x'.repeat(id * 37)}`;
    expect(result).toEqual({ inserted: [{ id, size: body.length }], read: [{ body }] });
  });
});

it('reads a message however it is split: a large one over many reads, a small one a byte at a time', async () => {
  const client = await openClient();
  const large = 'x'.repeat(3_000_000);
  expect((await client.query('SELECT length($1::text) AS n', [large])).rows).toEqual([{ n: large.length }]);

  const trickling = await openProtocolConnection();
  const result = untilReady(trickling);
  for (const byte of serialize.query('SELECT 7 AS seven')) {
    trickling.stream.write(Buffer.of(byte));
    await sleep(2);
  }
  expect(await result).toEqual({ rows: [['7']], errors: [] });
  trickling.end();
});

describe('a client that breaks the protocol', () => {
  async function rawSocket(): Promise<Socket> {
    const socket = connect(Number(address().port), address().hostname);
    await once(socket, 'connect');
    return socket;
  }

  function startupHeader(length: number, code: number): Buffer {
    const header = Buffer.alloc(8);
    header.writeInt32BE(length, 0);
    header.writeInt32BE(code, 4);
    return header;
  }

  it('is told no to TLS (the listener is loopback only) and may go on in the clear', async () => {
    const socket = await rawSocket();
    socket.write(startupHeader(8, 80877103));
    const [answer] = (await once(socket, 'data')) as [Buffer];
    expect(answer.toString()).toBe('N');
    socket.destroy();
  });

  it.each([
    ['a startup packet longer than PostgreSQL allows', startupHeader(1_000_000, 196608)],
    ['a protocol version PostgreSQL 3 does not speak', startupHeader(8, 1234)],
    ['a cancel request, which PGlite cannot serve', Buffer.concat([startupHeader(16, 80877102), Buffer.alloc(8)])],
  ])('is disconnected for %s, and the others carry on', async (_, packet) => {
    const socket = await rawSocket();
    const closed = once(socket, 'close');
    socket.write(packet);
    await closed;
    await withClient(embedded.url, async (client) =>
      expect((await client.query('SELECT 1 AS up')).rows).toEqual([{ up: 1 }]),
    );
  });

  it('is disconnected for a message longer than the server buffers, and the others carry on', async () => {
    const connection = await openProtocolConnection();
    const closed = once(connection, 'end');
    const header = Buffer.alloc(5);
    header.write('Q', 0);
    header.writeInt32BE(0x7fffffff, 1);
    connection.stream.write(header);
    await closed;
    await withClient(embedded.url, async (client) =>
      expect((await client.query('SELECT 1 AS up')).rows).toEqual([{ up: 1 }]),
    );
  });
});
