/**
 * Database commands: `migrate`, `rollback [--all]`, `status`, `seed`, `reset` (rollback all, migrate, seed).
 * They run against DATABASE_URL, or the embedded database in EMBEDDED_DATA_DIR when it is unset.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { withClient } from '../src/platform/db/client.js';
import { startEmbeddedDatabase } from '../src/platform/db/embedded.js';
import { migrate, migrationStatus, rollback } from '../src/platform/db/migrator.js';
import { seedDatabase } from '../src/platform/db/seed.js';
import type pg from 'pg';

interface Options {
  all: boolean;
  /** Where the seed reads the courses' lessons for the lesson index (CONTENT_ROOT). */
  contentRoot: string;
}

const commands: Record<string, (client: pg.Client, options: Options) => Promise<void>> = {
  async migrate(client) {
    const applied = await migrate(client);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
  },
  async rollback(client, { all }) {
    const undone = await rollback(client, { all });
    console.log(undone.length ? `Rolled back: ${undone.join(', ')}` : 'Nothing to roll back');
  },
  async status(client) {
    for (const { name, state, appliedAt } of await migrationStatus(client)) {
      console.log(`${state.padEnd(8)} ${name}${appliedAt ? `  (${appliedAt.toISOString()})` : ''}`);
    }
  },
  async seed(client, { contentRoot }) {
    const result = await seedDatabase(client, { contentRoot });
    console.log(
      `Seeded ${result?.characters} characters, ${result?.courses} courses, ${result?.assessments} assessments`,
    );
  },
  async reset(client, options) {
    await commands.rollback!(client, { ...options, all: true });
    await commands.migrate!(client, options);
    await commands.seed!(client, options);
  },
};

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false } },
  });
  const name = positionals[0] ?? '';
  const command = commands[name];
  if (!command) throw new Error(`usage: db <${Object.keys(commands).join('|')}> [--all]`);
  const config = loadConfig();
  const options = { all: values.all, contentRoot: config.CONTENT_ROOT };
  if (config.DATABASE_URL) {
    await withClient(config.DATABASE_URL, (client) => command(client, options));
    return;
  }
  console.log(`No DATABASE_URL: using the embedded database in ${config.EMBEDDED_DATA_DIR}`);
  const embedded = await startEmbeddedDatabase(config.EMBEDDED_DATA_DIR, { maxConnections: 2, onError: console.error });
  try {
    await withClient(embedded.url, (client) => command(client, options));
  } finally {
    await embedded.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
