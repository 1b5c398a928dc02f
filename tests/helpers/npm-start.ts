import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How `npm start` runs a checkout's server: node's flags (besides a tsx loader) and the entry file. */
export interface NpmStart {
  nodeFlags: string[];
  entry: string;
}

/**
 * How `npm start` of the checkout at `dir` runs its server (`node <flags> [--import tsx] <entry>`), so that the
 * tests which spawn the server and the bench run exactly what production runs. Jest's global setup builds
 * dist/ from the current sources first.
 */
export function npmStart(dir = ROOT): NpmStart {
  const { scripts } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [node, ...words] = scripts.start.trim().split(/\s+/);
  const entry = words.pop();
  if (node !== 'node' || !entry) throw new Error(`${dir}: npm start is not \`node [flags] <entry>\`: ${scripts.start}`);
  const loader = words.findIndex((word, i) => word === '--import' && words[i + 1] === 'tsx');
  if (loader >= 0) words.splice(loader, 2);
  return { nodeFlags: words, entry: path.resolve(dir, entry) };
}

/** node's arguments for `start`: its flags, the tsx loader when the entry is TypeScript, the entry. */
export function nodeArgs({ nodeFlags, entry }: NpmStart): string[] {
  return [...nodeFlags, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry];
}

/** The arguments `npm start` gives node in this checkout (spawned directly: no npm between signal and server). */
export function npmStartArgs(): string[] {
  return nodeArgs(npmStart());
}
