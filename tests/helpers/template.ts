import pg from 'pg';
import { migrate } from '../../src/platform/db/migrator.js';
import { ADMIN_URL, databaseUrl, dropDatabase, TEMPLATE_ENV, uniqueDatabaseName, withAdmin } from './database.js';

export async function prepareTemplateDatabase(): Promise<void> {
  const name = uniqueDatabaseName('dz_template');
  try {
    await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    throw new Error(`Tests need PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL): ${(error as Error).message}`);
  }
  const client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
  process.env[TEMPLATE_ENV] = name;
}

export async function dropTemplateDatabase(): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (template) await dropDatabase(template);
}
