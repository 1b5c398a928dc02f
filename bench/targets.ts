import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmStart } from '../tests/helpers/npm-start.js';
import { startServerProcess } from '../tests/helpers/server-process.js';

/**
 * The servers under test, each in its own child process started the way production starts the project
 * (node on the compiled server, NODE_ENV=production; the baselines through the tsx loader), so that load
 * generation, the proxy and the servers never share an event loop, and RSS is the server's own. They start
 * as the tests' child servers do (tests/helpers/server-process.ts).
 */

/** The servers that answer scenario 1 besides the project: GraphQL peers and hand-written bounds. */
export type BaselineName = 'apollo' | 'jit' | 'limit' | 'naive';
/** `project@base`: the project of another checkout (--compare), for A/B runs. */
/** `project:uncached`: the project with RESPONSE_CACHE_ENABLED=false, the reference of the cached catalog. */
/** `project@scale`: the project on a dataset of another size (--against-scale), for "is the cost flat in data size". */
export type TargetName = 'project' | 'project@base' | 'project:uncached' | 'project@scale' | BaselineName;

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BASELINE_DESCRIPTIONS = {
  apollo:
    "Apollo Server 5, SDL-first (schema.graphql), hand-written resolvers, DataLoader + pg, the project's 5 statements (scenario 1 only)",
  jit: "the apollo peer's schema and resolvers compiled by graphql-jit, on node:http (scenario 1 only)",
  limit: 'node:http + pg, one prepared statement building the JSON in SQL (scenario 1 only)',
  naive: 'stock Apollo Server 5, a pg query per resolver call, no batching (scenario 1 only)',
} satisfies Record<BaselineName, string>;

/** How a target's process starts: in which checkout (its node_modules, its tsx), which file, which node flags. */
export interface TargetCommand {
  cwd: string;
  entry: string;
  nodeFlags: string[];
  description: string;
  /** Settings of its own besides SERVER_ENV (npm start's variables among them); they win over SERVER_ENV. */
  env: Record<string, string>;
}

/** The node flags `npm start` gives this checkout's project; every baseline gets them too. */
export function npmStartNodeFlags(): string[] {
  return npmStart().nodeFlags;
}

/** git's word on a checkout (empty when it is not one). */
export function gitOutput(dir: string, ...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/**
 * The command of each target: the project as this checkout's npm start runs it, `project@base` as the
 * checkout at `baseDir` runs its own (its code, dependencies and node flags: an A/B of two versions), the
 * baselines from this checkout's bench/baselines with npm start's flags.
 */
export function targetCommand(name: TargetName, baseDir?: string): TargetCommand {
  if (name === 'project' || name === 'project@scale') {
    const server = "this checkout's server (npm start): Apollo Server 5 + Pothos + Prisma 7";
    return {
      cwd: ROOT,
      ...npmStart(),
      description: name === 'project' ? server : `${server}, on the dataset of --against-scale`,
    };
  }
  if (name === 'project:uncached') {
    const start = npmStart();
    return {
      cwd: ROOT,
      ...start,
      env: { ...start.env, RESPONSE_CACHE_ENABLED: 'false' },
      description: "this checkout's server without the response cache (RESPONSE_CACHE_ENABLED=false)",
    };
  }
  if (name === 'project@base') {
    if (!baseDir) throw new Error('project@base runs only with --compare <dir>');
    const base = path.resolve(baseDir);
    if (!existsSync(path.join(base, 'node_modules', 'tsx'))) {
      throw new Error(`--compare ${baseDir}: no node_modules/tsx there; run \`npm ci\` in it first`);
    }
    const commit = gitOutput(base, 'rev-parse', '--short', 'HEAD') || 'no git commit';
    const dirty = gitOutput(base, 'status', '--porcelain') ? ', with uncommitted changes' : '';
    return {
      cwd: base,
      ...npmStart(base),
      description: `the server of ${base} (${commit}${dirty}), as its npm start runs it`,
    };
  }
  return {
    cwd: ROOT,
    entry: path.join(ROOT, 'bench', 'baselines', `${name}.ts`),
    // npm start's variables too (the C allocator's settings): the ratios compare code, not the runtime's settings.
    env: npmStart().env,
    nodeFlags: npmStartNodeFlags(),
    description: BASELINE_DESCRIPTIONS[name],
  };
}

/**
 * The environment every server runs with besides its port, database and secret: production mode, quiet
 * logs, and per-user mutation budgets large enough that the write mix and the fan-out, which send as one
 * user far more often than a person would, measure the server rather than its refusals (the limiter
 * still runs).
 */
export const SERVER_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  RATE_LIMIT_MUTATIONS: '1000000',
  RATE_LIMIT_CHAT_MESSAGES: '1000000',
  // The reply queue's idle polling and sweep would land in the statement probe's counts of whatever scenario
  // runs meanwhile (the proxy sees every connection); a sent message still wakes a worker of its server at once.
  CHAT_REPLY_POLL_INTERVAL_MS: '600000',
  CHAT_REPLY_SWEEP_SECONDS: '600',
};

export interface TargetOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** Write a V8 CPU profile of the process into this folder when it exits (node --cpu-prof). */
  cpuProfileDir?: string;
  /** The node binary to run it with (default: the runner's). */
  node?: string;
}

export interface RunningTarget {
  name: TargetName;
  pid: number;
  url: string;
  wsUrl: string;
  /** Samples RSS every 250 ms until the returned function is called, which returns the peak in MB. */
  watchRss(): () => number | null;
  /** CPU time (user + system) the process has used so far, in ms; null once it has exited. */
  cpuTimeMs(): number | null;
  /** SIGTERM, then waits for the exit (the project drains and writes its CPU profile); SIGKILL after 10 s. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function readRssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat counts in USER_HZ, which Linux fixes at 100 ticks a second for user space. */
const MS_PER_TICK = 10;

function readCpuTimeMs(pid: number): number | null {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
    // 14th and 15th fields of the line, the 12th and 13th after the name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}

export async function startTarget(
  name: TargetName,
  command: TargetCommand,
  options: TargetOptions,
): Promise<RunningTarget> {
  const port = await freePort();
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  // The baselines log nothing when ready, and the project not at LOG_LEVEL=warn: ready is the port open.
  const server = await startServerProcess({
    command,
    nodeFlags: profile,
    node: options.node,
    port,
    env: {
      PATH: process.env.PATH,
      ...SERVER_ENV,
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      JWT_SECRET: options.jwtSecret,
    },
  }).catch((error: unknown) => {
    throw new Error(`${name}: ${(error as Error).message}`);
  });
  const pid = server.process.pid!;
  return {
    name,
    pid,
    url: server.url,
    wsUrl: server.wsUrl,
    watchRss() {
      let peak = readRssMb(pid);
      const timer = setInterval(() => {
        const now = readRssMb(pid);
        if (now !== null && (peak === null || now > peak)) peak = now;
      }, 250);
      return () => {
        clearInterval(timer);
        return peak;
      };
    },
    cpuTimeMs: () => readCpuTimeMs(pid),
    stop: async () => void (await server.stop()),
  };
}
