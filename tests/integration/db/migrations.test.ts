import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  MIGRATIONS_DIR,
  MigrationError,
  migrate,
  migrationStatus,
  readMigrations,
  rollback,
} from '../../../src/platform/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

/**
 * The migration runner: up and down restore the exact catalog, an edited migration stops it, concurrent
 * runs apply each migration once, and the bookkeeping is Prisma's own (so `prisma migrate deploy` agrees).
 */

const ROOT = path.resolve(MIGRATIONS_DIR, '../..');

/**
 * Everything a migration can create in the public schema (and other schemas' objects by name), as sorted lines: columns with their types,
 * defaults, nullability and generation; constraints; indexes; functions; triggers; sequences; views; types.
 * Prisma's bookkeeping table is left out (it outlives every rollback on purpose).
 */
const CATALOG_QUERIES = {
  columns: `
      SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
             || CASE a.attgenerated WHEN 's' THEN ' STORED' ELSE '' END
             || ' #' || a.attnum
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'`,
  constraints: `
      SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`,
  indexes: `
      SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  functions: `
      SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace`,
  triggers: `
      SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
  sequences: `
      SELECT sequencename || ' ' || data_type || ' ' || start_value || ' ' || increment_by || ' ' || max_value
        FROM pg_sequences WHERE schemaname = 'public'`,
  views: `SELECT viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'`,
  types: `
      SELECT typname || ' ' || typtype::text FROM pg_type
       WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'r', 'm')`,
  extensions: `SELECT extname FROM pg_extension`,
  // The job queue lives in a schema of its own (pg-boss's): its relations, types and functions by name.
  otherSchemas: `
      SELECT n.nspname || ' ' || coalesce(c.relname || ' ' || c.relkind::text, '')
        FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
       WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      UNION ALL
      SELECT n.nspname || ' ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
};

type Catalog = Record<keyof typeof CATALOG_QUERIES, string[]>;

async function catalog(client: pg.ClientBase): Promise<Catalog> {
  const dump = {} as Catalog;
  for (const [part, text] of Object.entries(CATALOG_QUERIES)) {
    const { rows } = await client.query<[string]>({ text, rowMode: 'array' });
    dump[part as keyof Catalog] = rows.map(([line]) => line).sort();
  }
  return dump;
}

/** The relations of the public schema (tables, indexes, sequences, views). */
async function relations(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname`,
  );
  return rows.map((row) => row.relname);
}

async function recorded(client: pg.ClientBase) {
  const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
  );
  return rows;
}

const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];
const tempDirs: string[] = [];

/** A client on a new, empty (unmigrated) database; everything is dropped after the file. */
async function emptyDatabase(): Promise<{ client: pg.Client; database: TestDatabase }> {
  const database = await createTestDatabase({ migrated: false });
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return { client, database };
}

/** A copy of prisma/migrations that a test may edit; only the first `count` migrations when given. */
async function migrationsCopy(count?: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dz-migrations-'));
  tempDirs.push(dir);
  const names = (await readMigrations()).map((migration) => migration.name).slice(0, count);
  for (const name of names) await cp(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
  return dir;
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end()));
  await Promise.all(databases.map((database) => database.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('migrate and rollback', () => {
  it('migrate -> rollback --all -> migrate gives the identical catalog, and rollback leaves only bookkeeping', async () => {
    const { client } = await emptyDatabase();
    const empty = await catalog(client);
    const names = (await readMigrations()).map((migration) => migration.name);

    expect(await migrate(client)).toEqual(names);
    const migrated = await catalog(client);
    // The dump sees what a rollback could forget: generated columns, expression indexes, function bodies.
    expect(migrated.columns.find((line) => line.startsWith('courses.level_rank '))).toMatch(/STORED #\d+$/);
    expect(migrated.indexes.join('\n')).toContain('lower((title)::text)');
    expect(migrated.functions.join('\n')).toContain('assessment_questions_are_valid');
    expect(migrated.constraints.length).toBeGreaterThan(40);

    expect(await rollback(client, { all: true })).toEqual([...names].reverse());
    expect(await relations(client)).toEqual(['_prisma_migrations', '_prisma_migrations_pkey']);
    expect(await catalog(client)).toEqual(empty);
    expect(await recorded(client)).toEqual([]);

    expect(await migrate(client)).toEqual(names);
    expect(await catalog(client)).toEqual(migrated);
  });

  it("each migration's down.sql exactly undoes its migration.sql", async () => {
    const { client } = await emptyDatabase();
    const migrations = await readMigrations();
    for (const [index, migration] of migrations.entries()) {
      expect(migration.down).toBeDefined();
      const upToThis = await migrationsCopy(index + 1);
      const before = await catalog(client);
      expect(await migrate(client, upToThis)).toEqual([migration.name]);
      expect(await catalog(client)).not.toEqual(before);
      expect(await rollback(client, {}, upToThis)).toEqual([migration.name]);
      expect(await catalog(client)).toEqual(before);
      // Move on to the next migration with this one applied.
      await migrate(client, upToThis);
    }
  });

  it('rollback without --all undoes only the last migration', async () => {
    const { client } = await emptyDatabase();
    const dir = await migrationsCopy();
    const later = '29990101000000_add_later';
    await mkdir(path.join(dir, later));
    await writeFile(path.join(dir, later, 'migration.sql'), 'CREATE TABLE later (id INTEGER PRIMARY KEY);\n');
    await writeFile(path.join(dir, later, 'down.sql'), 'DROP TABLE later;\n');
    const names = (await readMigrations()).map((migration) => migration.name);

    expect(await migrate(client, dir)).toEqual([...names, later]);
    expect(await rollback(client, {}, dir)).toEqual([later]);
    expect((await recorded(client)).map((row) => row.migration_name)).toEqual(names);
    expect(await relations(client)).not.toContain('later');
    expect(await relations(client)).toContain('courses');
  });
});

describe('checksums', () => {
  it("records Prisma's checksum, the SHA-256 of the migration.sql bytes, in Prisma's own table", async () => {
    const { client } = await emptyDatabase();
    await migrate(client);
    const expected = await Promise.all(
      (await readMigrations()).map(async ({ name }) => ({
        migration_name: name,
        checksum: createHash('sha256')
          .update(await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql')))
          .digest('hex'),
        finished_at: expect.any(Date),
      })),
    );
    expect(await recorded(client)).toEqual(expected);

    // The columns `prisma migrate deploy` reads and writes.
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(rows.map((row) => `${row.column_name} ${row.data_type}`)).toEqual([
      'id character varying',
      'checksum character varying',
      'finished_at timestamp with time zone',
      'migration_name character varying',
      'logs text',
      'rolled_back_at timestamp with time zone',
      'started_at timestamp with time zone',
      'applied_steps_count integer',
    ]);
  });

  it('refuses to migrate or roll back once an applied migration.sql was edited, and applies nothing', async () => {
    const { client } = await emptyDatabase();
    const dir = await migrationsCopy();
    const migrations = await readMigrations(dir);
    const [first, ...rest] = migrations;
    await migrate(client, dir);
    const applied = await catalog(client);

    await appendFile(path.join(dir, first!.name, 'migration.sql'), '\nALTER TABLE courses ADD COLUMN sneaky TEXT;\n');
    const later = '29990101000000_add_later';
    await mkdir(path.join(dir, later));
    await writeFile(path.join(dir, later, 'migration.sql'), 'CREATE TABLE later (id INTEGER PRIMARY KEY);\n');

    const migrating = migrate(client, dir);
    await expect(migrating).rejects.toThrow(MigrationError);
    await expect(migrating).rejects.toThrow(`${first!.name} was modified after it was applied`);
    await expect(rollback(client, { all: true }, dir)).rejects.toThrow(first!.name);
    expect(await catalog(client)).toEqual(applied);
    expect((await recorded(client)).map((row) => row.migration_name)).toEqual(migrations.map((m) => m.name));
    expect(await migrationStatus(client, dir)).toEqual([
      { name: first!.name, state: 'changed', appliedAt: expect.any(Date) },
      ...rest.map(({ name }) => ({ name, state: 'applied', appliedAt: expect.any(Date) })),
      { name: later, state: 'pending', appliedAt: null },
    ]);
  });

  it('treats a change of line endings alone as no change (a Windows checkout), as Prisma does', async () => {
    const { client } = await emptyDatabase();
    const dir = await migrationsCopy();
    await migrate(client, dir);
    for (const { name, up } of await readMigrations(dir)) {
      await writeFile(path.join(dir, name, 'migration.sql'), up.replaceAll('\n', '\r\n'));
    }
    expect(await migrate(client, dir)).toEqual([]);
    expect((await migrationStatus(client, dir)).map((status) => status.state)).toEqual(
      (await readMigrations()).map(() => 'applied'),
    );
  });
});

describe('concurrency', () => {
  it('two migrate runs at once on a fresh database both succeed and apply each migration once', async () => {
    const { client: first, database } = await emptyDatabase();
    const second = new pg.Client({ connectionString: database.url });
    await second.connect();
    clients.push(second);
    const names = (await readMigrations()).map((migration) => migration.name);

    const results = await Promise.all([migrate(first), migrate(second)]);

    expect(results.map((applied) => applied.length).sort()).toEqual([0, names.length]);
    expect((await recorded(first)).map((row) => row.migration_name)).toEqual(names);
  });
});

describe('the db:* scripts', () => {
  const packageJson = readFile(path.join(ROOT, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as { scripts: Record<string, string> },
  );

  /** Runs an npm script's command line (as `npm run` would, without npm's start-up cost). */
  async function npmRun(script: string, args: string[], env: Record<string, string>) {
    const command = (await packageJson).scripts[script];
    expect(command).toBeDefined();
    try {
      const { stdout } = await promisify(execFile)('sh', ['-c', `${command} "$@"`, script, ...args], {
        cwd: ROOT,
        env: {
          PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
          HOME: process.env.HOME ?? tmpdir(),
          ...env,
        },
      });
      return { code: 0, stdout: stdout.trim(), stderr: '' };
    } catch (error) {
      const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
      return { code, stdout: stdout.trim(), stderr: stderr.trim() };
    }
  }

  // Four processes in a row, each loading the scripts through tsx: on a loaded 2-core machine that alone took
  // over 30 s, so this case gets the budget of the other tests that spawn processes.
  it('migrate, status, rollback --all and reset work from the command line on DATABASE_URL', async () => {
    const { client, database } = await emptyDatabase();
    const env = { DATABASE_URL: database.url };
    const names = (await readMigrations()).map((migration) => migration.name);

    expect(await npmRun('db:migrate', [], env)).toEqual({
      code: 0,
      stdout: `Applied: ${names.join(', ')}`,
      stderr: '',
    });
    const status = await npmRun('db:status', [], env);
    expect(status.stdout.split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(
      names.map((name) => `applied ${name}`),
    );
    expect(await npmRun('db:rollback', ['--all'], env)).toEqual({
      code: 0,
      stdout: `Rolled back: ${[...names].reverse().join(', ')}`,
      stderr: '',
    });
    expect(await relations(client)).toEqual(['_prisma_migrations', '_prisma_migrations_pkey']);

    const reset = await npmRun('db:reset', [], env);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(
      /^Nothing to roll back\nApplied: .*\nSeeded \d+ characters, \d+ courses, \d+ assessments$/,
    );
    const { rows } = await client.query<{ courses: number }>('SELECT count(*)::int AS courses FROM courses');
    expect(rows[0]!.courses).toBeGreaterThan(0);
  }, 90_000);

  it('exits 1 naming the problem when DATABASE_URL is malformed', async () => {
    const result = await npmRun('db:migrate', [], { DATABASE_URL: 'localhost:5432/nowhere' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
