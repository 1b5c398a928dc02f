import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { MIGRATIONS_DIR } from '../../../src/platform/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { npmStart, npmStartArgs } from '../../helpers/npm-start.js';

/** `npm start` refuses to run, with exit code 1 and a message naming the cause, when it cannot serve. */

const ROOT = path.resolve(MIGRATIONS_DIR, '../..');

let database: TestDatabase;
let occupied: Server;

beforeAll(async () => {
  database = await createTestDatabase();
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => occupied.close(resolve));
  await database.drop();
});

/** Runs what `npm start` runs to its exit; one that starts anyway is stopped after a while (and fails the test). */
async function start(env: Record<string, string>) {
  try {
    await promisify(execFile)(process.execPath, npmStartArgs(), {
      cwd: ROOT,
      timeout: 20_000,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        JWT_SECRET: 'a-secret-that-is-at-least-32-characters-long',
        LOG_LEVEL: 'warn',
        ...env,
        // As npm start: its own variables win.
        ...npmStart().env,
      },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

describe('npm start fails loudly', () => {
  it('when the port is taken', async () => {
    const { port } = occupied.address() as { port: number };
    const result = await start({ PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EADDRINUSE');
  });

  it('when the database lacks the migrations, naming the command that applies them', async () => {
    const empty = await createTestDatabase({ migrated: false });
    try {
      const result = await start({ DATABASE_URL: empty.url, PORT: '0' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('The job queue cannot start (pg-boss is not installed)');
      expect(result.stderr).toContain('npm run db:migrate');
    } finally {
      await empty.drop();
    }
  });

  it('when a variable is malformed, naming it', async () => {
    const result = await start({ PORT: 'eighty', NODE_ENV: 'production', JWT_SECRET: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PORT: .*\n\s*JWT_SECRET: JWT_SECRET is required in production/);
  });
});
