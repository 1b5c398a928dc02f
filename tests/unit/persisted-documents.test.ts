import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { preset as clientPreset } from '@graphql-codegen/client-preset';
import config from '../../codegen.js';
import { loadTrustedDocuments, sha256Hex } from '../../src/graphql/trusted-documents.js';

/**
 * The committed manifest (and the typed documents beside it) must be what `npm run codegen` makes of the
 * operations now: an operation changed without regenerating would otherwise be refused in production
 * (TRUSTED_DOCUMENTS_ONLY), or run under an id the apps do not know.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifestPath = path.join(root, 'tests/generated/persisted-documents.json');

it('is committed exactly as codegen generates it from the operations', async () => {
  // The preset as a module: codegen's loading of it by name does not work under jest's ESM loader.
  const generates = Object.fromEntries(
    Object.entries(config.generates).map(([target, output]) => [target, { ...output, preset: clientPreset }]),
  );
  const outputs = (await generate({ ...config, generates, cwd: root, silent: true }, false)) as {
    filename: string;
    content: string;
  }[];
  const stale = outputs.filter(
    (output) => readFileSync(path.resolve(root, output.filename), 'utf8').trim() !== output.content.trim(),
  );
  expect(stale.map((output) => path.relative(root, path.resolve(root, output.filename)))).toEqual([]);
  expect(outputs.map((output) => path.basename(output.filename))).toContain('persisted-documents.json');
}, 60_000);

it('names each document by the sha256 of its text, as the server checks on load', () => {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  for (const [id, document] of Object.entries(manifest)) expect(id).toBe(`sha256:${sha256Hex(document)}`);
  expect(loadTrustedDocuments(manifestPath).size).toBe(Object.keys(manifest).length);
});
