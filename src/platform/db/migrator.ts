import { fileURLToPath } from 'node:url';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientBase } from 'pg';

/**
 * Applies the SQL migrations in prisma/migrations the way `prisma migrate deploy` does (same bookkeeping
 * table, checksum and advisory lock), plus the rollback Prisma does not offer: each migration folder
 * carries a down.sql that exactly undoes its migration.sql.
 */

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/migrations');

/** Prisma migrate's own lock key, so this runner and `prisma migrate deploy` also exclude each other. */
const MIGRATION_LOCK_KEY = 72707369;

export interface MigrationFile {
  name: string;
  checksum: string;
  up: string;
  down: string | undefined;
}

export interface MigrationStatus {
  name: string;
  state: 'applied' | 'pending' | 'changed' | 'missing' | 'failed';
  appliedAt: Date | null;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Prisma's checksum: SHA-256 of the migration.sql bytes, hex-encoded. */
function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Whether a migration file still matches the checksum recorded when it was applied. As in Prisma's schema
 * engine, a change of line endings alone (a Windows checkout with git's autocrlf) is not a change.
 */
function checksumMatches(sql: string, checksum: string): boolean {
  return [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')].some(
    (variant) => checksumOf(variant) === checksum,
  );
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const up = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      const downPath = path.join(dir, name, 'down.sql');
      const down = existsSync(downPath) ? await readFile(downPath, 'utf8') : undefined;
      return { name, checksum: checksumOf(up), up, down };
    }),
  );
}

const CREATE_BOOKKEEPING_TABLE = `
  CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;

async function withMigrationLock<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(CREATE_BOOKKEEPING_TABLE);
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

async function readApplied(client: ClientBase): Promise<AppliedRow[]> {
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
  );
  return rows;
}

function compare(files: MigrationFile[], applied: AppliedRow[]): MigrationStatus[] {
  const byName = new Map(files.map((file) => [file.name, file]));
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  const statuses: MigrationStatus[] = applied.map((row) => {
    const file = byName.get(row.migration_name);
    const state =
      row.finished_at === null
        ? 'failed'
        : !file
          ? 'missing'
          : !checksumMatches(file.up, row.checksum)
            ? 'changed'
            : 'applied';
    return { name: row.migration_name, state, appliedAt: row.finished_at };
  });
  for (const file of files) {
    if (!appliedNames.has(file.name)) statuses.push({ name: file.name, state: 'pending', appliedAt: null });
  }
  return statuses;
}

function assertConsistent(statuses: MigrationStatus[]): void {
  const problems = statuses
    .filter((status) => status.state === 'changed' || status.state === 'missing' || status.state === 'failed')
    .map((status) =>
      status.state === 'changed'
        ? `${status.name} was modified after it was applied (checksum differs)`
        : status.state === 'missing'
          ? `${status.name} is applied but its folder is missing`
          : `${status.name} started but never finished`,
    );
  if (problems.length > 0) {
    throw new MigrationError(`Refusing to migrate:\n  ${problems.join('\n  ')}`);
  }
}

/** Runs work in a transaction on the client: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

export async function migrationStatus(client: ClientBase, dir = MIGRATIONS_DIR): Promise<MigrationStatus[]> {
  const files = await readMigrations(dir);
  return withMigrationLock(client, async () => compare(files, await readApplied(client)));
}

/** Applies every pending migration, each in its own transaction; returns the names applied. */
export async function migrate(client: ClientBase, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = await readMigrations(dir);
  return withMigrationLock(client, async () => {
    const statuses = compare(files, await readApplied(client));
    assertConsistent(statuses);
    const pending = new Set(statuses.filter((s) => s.state === 'pending').map((s) => s.name));
    const appliedNow: string[] = [];
    for (const file of files.filter((f) => pending.has(f.name))) {
      await inTransaction(client, async () => {
        await client.query(file.up);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), file.checksum, file.name],
        );
      }).catch((error: unknown) => {
        throw new MigrationError(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
      });
      appliedNow.push(file.name);
    }
    return appliedNow;
  });
}

/** Undoes the last applied migration (or all of them) with its down.sql; returns the names undone. */
export async function rollback(
  client: ClientBase,
  { all = false }: { all?: boolean } = {},
  dir = MIGRATIONS_DIR,
): Promise<string[]> {
  const files = await readMigrations(dir);
  const byName = new Map(files.map((file) => [file.name, file]));
  return withMigrationLock(client, async () => {
    const statuses = compare(files, await readApplied(client));
    assertConsistent(statuses);
    const applied = statuses.filter((s) => s.state === 'applied').reverse();
    const undone: string[] = [];
    for (const status of all ? applied : applied.slice(0, 1)) {
      const file = byName.get(status.name)!;
      if (file.down === undefined) throw new MigrationError(`${file.name} has no down.sql; cannot roll it back`);
      await inTransaction(client, async () => {
        await client.query(file.down!);
        await client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [file.name]);
      });
      undone.push(file.name);
    }
    return undone;
  });
}
