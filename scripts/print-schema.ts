/** Writes schema.graphql from the Pothos builder; `--check` fails instead when the committed file is stale. */
import { fileURLToPath } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printSchemaSDL } from '../src/graphql/print.js';

const schemaFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema.graphql');
const printed = printSchemaSDL();
if (process.argv.includes('--check')) {
  const committed = await readFile(schemaFile, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error('schema.graphql is stale: run `npm run schema:print` and commit it');
    process.exit(1);
  }
} else {
  await writeFile(schemaFile, printed);
  console.log(`Wrote ${schemaFile}`);
}
