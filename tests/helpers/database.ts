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
