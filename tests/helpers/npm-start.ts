import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How `npm start` runs a checkout's server: the variables it sets, node's flags (besides a tsx loader), the entry. */
export interface NpmStart {
  /** `NAME=value` words before `node` (the C library's settings, which node cannot take as flags). */
  env: Record<string, string>;
  nodeFlags: string[];
  entry: string;
}

/**
 * How `npm start` of the checkout at `dir` runs its server (`[NAME=value ...] node <flags> [--import tsx] <entry>`), so that the
 * tests which spawn the server and the bench run exactly what production runs. Jest's global setup builds
 * dist/ from the current sources first.
 */
const ENV_ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=(\S*)$/;

export function npmStart(dir = ROOT): NpmStart {
  const { scripts } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let assignment: RegExpExecArray | null;
  while ((assignment = ENV_ASSIGNMENT.exec(words[0] ?? ''))) {
    env[assignment[1]!] = assignment[2]!;
    words.shift();
  }
  const [node, ...rest] = words;
  const entry = rest.pop();
  if (node !== 'node' || !entry) {
    throw new Error(`${dir}: npm start is not \`[NAME=value ...] node [flags] <entry>\`: ${scripts.start}`);
  }
  const loader = rest.findIndex((word, i) => word === '--import' && rest[i + 1] === 'tsx');
  if (loader >= 0) rest.splice(loader, 2);
  return { env, nodeFlags: rest, entry: path.resolve(dir, entry) };
}

/** node's arguments for `start`: its flags, the tsx loader when the entry is TypeScript, the entry. */
export function nodeArgs({ nodeFlags, entry }: NpmStart): string[] {
  return [...nodeFlags, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry];
}

/** The arguments `npm start` gives node in this checkout (spawned directly: no npm between signal and server). */
export function npmStartArgs(): string[] {
  return nodeArgs(npmStart());
}
