/** Rewrites the environment-variable table in README.md from configSchema (`--check`: fail when stale). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { configTable } from '../src/config-docs.js';

const START = '<!-- config-table:start (npm run docs:config) -->';
const END = '<!-- config-table:end -->';

const readme = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md');
const text = await readFile(readme, 'utf8');
const [before, rest] = text.split(START);
const after = rest?.split(END)[1];
if (before === undefined || after === undefined) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
const updated = await format(`${before}${START}\n\n${configTable()}\n\n${END}${after}`, {
  ...(await resolveConfig(readme)),
  filepath: readme,
});
if (process.argv.includes('--check')) {
  if (updated !== text) {
    console.error('The configuration table in README.md is stale: run `npm run docs:config`');
    process.exit(1);
  }
} else {
  await writeFile(readme, updated);
}
