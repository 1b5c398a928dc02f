import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The servers under test, each in its own child process started the way production starts the project
 * (node on the compiled server, NODE_ENV=production; the baselines through the tsx loader), so that load generation, the proxy and the servers never share
 * an event loop, and RSS is the server's own.
 */

export type TargetName = 'project' | 'limit' | 'naive';

const ENTRY: Record<TargetName, string> = {
  project: '../dist/start.js',
  limit: './baselines/limit.ts',
  naive: './baselines/naive.ts',
};

/**
 * The node flags `npm start` gives the project (its GC sizing). The runner gives them to every target, so
 * that the bench measures what production runs and the ratios compare code, not V8 settings.
 */
export function npmStartNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  // node <flags> <entry>
  return scripts.start.split(/\s+/).slice(1, -1);
}

export const TARGET_DESCRIPTIONS: Record<TargetName, string> = {
  project: 'src/server.ts: Apollo Server 5 + Pothos + Prisma 7',
  limit: 'node:http + pg, one prepared SQL statement building the JSON (scenario 1 only)',
  naive: 'stock Apollo Server 5, a pg query per resolver call, no batching (scenario 1 only)',
};

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
};

export interface TargetOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** Write a V8 CPU profile of the process into this folder when it exits (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Node flags for the process (every target gets those of npm start; the project any to try besides). */
  nodeFlags?: string[];
}

export interface RunningTarget {
  name: TargetName;
  pid: number;
  url: string;
  wsUrl: string;
  /** Samples RSS every 250 ms until the returned function is called, which returns the peak in MB. */
  watchRss(): () => number | null;
  /** SIGTERM, then waits for the exit (the project drains and writes its CPU profile); SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** How long a stopped server may take to drain and exit before it is killed. */
const STOP_GRACE_MS = 10_000;

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

/** Resolves once the port accepts connections; rejects when the child exits first or after 60 s. */
async function waitForPort(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (exited || Date.now() > deadline) throw new Error(`the server did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startTarget(name: TargetName, options: TargetOptions): Promise<RunningTarget> {
  const port = await freePort();
  const entry = fileURLToPath(new URL(ENTRY[name], import.meta.url));
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...profile, ...(options.nodeFlags ?? []), ...loader, entry], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      ...SERVER_ENV,
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      JWT_SECRET: options.jwtSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last lines the server printed, for the error when it fails to start or crashes.
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // However the runner ends (an error, process.exit, SIGINT/SIGTERM, which run.ts turns into exits), no
  // server outlives it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  await waitForPort(child, port, () => tail).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${name}: ${(error as Error).message}`);
  });
  const pid = child.pid!;
  return {
    name,
    pid,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
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
    async stop() {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      kill.unref();
      await exited;
      clearTimeout(kill);
    },
  };
}
