import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.js';
import type { Config } from '../../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';
import { inTransaction, migrate } from './migrator.js';
import { indexLessons } from './lesson-index.js';
import { seedDatabase } from './seed.js';
import { observablePool, type PoolObserver } from './observe.js';
import { createRowReader, type RowReader } from './statements.js';
import { QUEUE_POOL_SIZE } from '../queue.js';

/**
 * The statements of one transaction, all on its connection: NamedStatements, and SQL as pg-boss sends it (this
 * is its IDatabase, so a job is enqueued in the transaction).
 */
export interface Transaction {
  readRows: RowReader;
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Database {
  url: string;
  pool: pg.Pool;
  prisma: PrismaClient;
  /** The hot reads that bypass Prisma's runtime (see NamedStatement). */
  readRows: RowReader;
  /**
   * Runs `work` in a transaction on one connection of the pool, committed when it returns and rolled back when it
   * throws: a hot write's transaction without the cost of Prisma's interactive one (3x its CPU time per
   * transaction of two statements, measured).
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Adds a listener to the pool's connections or statements (observe.ts): the one instrumentation point. */
  observe(observer: PoolObserver): void;
  /** True when the database answers a trivial query. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  poolSize: number;
  poolTimeoutMs: number;
  statementTimeoutMs: number;
  /** Send NamedStatements by name (default true; false on the embedded engine, see createRowReader). */
  preparedStatements?: boolean;
  /** Where lost idle connections are reported; nowhere without it. */
  logger?: Logger;
}

export function databaseOptions(config: Config): DatabaseOptions {
  return {
    poolSize: config.DATABASE_POOL_SIZE,
    poolTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

/** Opens a pool and a Prisma client (driver adapter, no native engine) on one PostgreSQL URL. */
export function connectDatabase(
  url: string,
  { poolSize, poolTimeoutMs, statementTimeoutMs, preparedStatements = true, logger }: DatabaseOptions,
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: poolTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A statement stuck behind a lock would hold its connection and its request forever; PostgreSQL ends it
    // (0, PostgreSQL's own "no limit", is not sent at all).
    statement_timeout: statementTimeoutMs,
    // A server that vanished without closing the socket (host down, network cut): the OS starts probing
    // after 10 s of silence instead of its default two hours, so a dead connection is found in minutes.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client losing its server (restart, network) must not crash the process; the pool replaces it.
  pool.on('error', (error) => logger?.warn({ err: error }, 'idle database connection lost'));
  // An interactive transaction waits for a connection as long as any query does (Prisma's own default is 2 s:
  // under a burst of admin writes, which queue on course_counts' lock, they failed with a masked error).
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: poolTimeoutMs } });
  return {
    url,
    pool,
    prisma,
    readRows: createRowReader(pool, { prepared: preparedStatements }),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          readRows: createRowReader(client, { prepared: preparedStatements }),
          executeSql: (text, values) => client.query(text, values),
        });
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection that cannot even roll back is closed rather than handed to the next checkout.
        await client.query('ROLLBACK').then(
          () => client.release(),
          (rollbackError: Error) => client.release(rollbackError),
        );
        throw error;
      }
    },
    observe: observablePool(pool).observe,
    async isReachable() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Runs work on one dedicated connection (migrations, seeding), outside the observed pool. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The database the server runs on: DATABASE_URL as it is, or an embedded PGlite under EMBEDDED_DATA_DIR,
 * migrated and seeded on start so that `npm start` needs nothing else. An embedded database that already has
 * content still gets its lesson index brought up to date: it may predate the index, or the lessons changed.
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
): Promise<Database & { embedded?: EmbeddedDatabase }> {
  const options = { ...databaseOptions(config), logger };
  if (config.DATABASE_URL) return connectDatabase(config.DATABASE_URL, options);

  logger.info({ dataDir: config.EMBEDDED_DATA_DIR }, 'no DATABASE_URL: starting the embedded PostgreSQL (PGlite)');
  // The pool, the job queue's own pool, the migrator's connection and one to spare.
  const embedded = await startEmbeddedDatabase(config.EMBEDDED_DATA_DIR, {
    maxConnections: config.DATABASE_POOL_SIZE + QUEUE_POOL_SIZE + 2,
    onError: (error) => logger.error({ err: error }, 'embedded database: a connection failed and was closed'),
  });
  await withClient(embedded.url, async (client) => {
    const applied = await migrate(client);
    if (applied.length > 0) logger.info({ applied }, 'embedded database: applied migrations');
    const seeded = await seedDatabase(client, { onlyIfEmpty: true, contentRoot: config.CONTENT_ROOT });
    if (seeded) logger.info(seeded, 'embedded database: seeded demo characters and courses');
    else await inTransaction(client, () => indexLessons(client, config.CONTENT_ROOT));
  });
  const database = connectDatabase(embedded.url, { ...options, preparedStatements: false });
  return {
    ...database,
    embedded,
    async close() {
      await database.close();
      await embedded.stop();
    },
  };
}
