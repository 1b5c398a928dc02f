import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Every test file gets its own PostgreSQL database, cloned from a template that global setup migrated once
 * per run, so files run in parallel without seeing each other's rows.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_ENV = 'DEZHOUMAMA_TEST_TEMPLATE';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** A fresh database: migrated (a clone of the run's template), or empty with `{ migrated: false }`. */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (migrated && !template)
    throw new Error('the test template database is missing: run the tests through jest (global setup)');
  const name = uniqueDatabaseName('dz_test');
  await withAdmin((client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE "${migrated ? template : 'template0'}"`),
  );
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

/**
 * Waits until `count` other backends of `client`'s database wait on a lock (the event, not a guessed delay),
 * or throws after `timeoutMs`. Safe to call inside `client`'s own open transaction.
 */
export async function waitForBlockedBackends(client: pg.Client, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Inside a transaction the activity view is a snapshot taken once; drop it so each poll sees the present.
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} backends ever waited on a lock`);
}
