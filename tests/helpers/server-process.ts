import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeArgs, npmStart, type NpmStart } from './npm-start.js';

/**
 * The one way tests and the bench start a server as its own process: node on what `npm start` runs (not npm,
 * which would put a second process between a signal and the server), so that a test can signal it as an
 * orchestrator would and the bench measures the server alone.
 */

export interface ServerProcessOptions {
  /** The whole environment of the process: nothing is inherited, so a test states everything the server sees. */
  env: Record<string, string | undefined>;
  /** What runs, and in which folder (default: this checkout's root): by default this checkout's `npm start`. */
  command?: NpmStart & { cwd?: string };
  /** Node flags before the command's own, e.g. --inspect=127.0.0.1:0 (to read its heap) or --cpu-prof. */
  nodeFlags?: string[];
  /** The node binary (default: the one running this process). */
  node?: string;
  /**
   * The port the env tells it to listen on, for a server that does not log "server ready" at its log level (the
   * bench's baselines, and the project at LOG_LEVEL=warn): it is ready once the port accepts connections.
   * Without it, readiness is the "server ready" log line, whose url is the server's (PORT=0 works).
   */
  port?: number;
  /** Its own process group, so that killing the group (-pid) reaches anything it spawned too. */
  detached?: boolean;
}

export interface ServerProcess {
  /** The GraphQL endpoint over HTTP, and over WebSocket. */
  url: string;
  wsUrl: string;
  process: ChildProcess;
  /** Its JSON log lines so far (stdout). */
  logs: Record<string, unknown>[];
  /** What it wrote to stderr so far (an unhandled rejection would land there). */
  stderr(): string;
  /** Resolves with the exit code and signal once the process has ended and its output is read to the end. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs` (10 s); resolves as `exited` does. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Generous: on a machine shared with test suites, a server (an embedded database, say) starts slowly. */
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

/** Resolves once the port accepts connections. */
async function portOpens(port: number, ended: () => boolean): Promise<void> {
  while (!ended()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the server and resolves once it is ready; rejects with its output when it exits first or is too slow. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const command: NpmStart & { cwd?: string } = options.command ?? npmStart();
  const child = spawn(options.node ?? process.execPath, [...(options.nodeFlags ?? []), ...nodeArgs(command)], {
    cwd: command.cwd ?? ROOT,
    // As npm start: its own assignments win over the environment it runs in.
    env: { ...options.env, ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached,
  });
  // 'close', not 'exit': it comes once stdout is read to its end, so the logs hold the process's last lines.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  // However the runner ends (an error, process.exit, a signal that the bench turns into an exit), no server
  // outlives it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let announced: (url: string) => void = () => {};
  const readyLine = new Promise<string>((resolve) => (announced = resolve));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      logs.push(line);
      if (line.msg === 'server ready') announced(String(line.url));
    } catch {
      // not a log line
    }
  });

  const { port } = options;
  const ready =
    port === undefined ? readyLine : portOpens(port, () => ended).then(() => `http://127.0.0.1:${port}/graphql`);
  let timer: NodeJS.Timeout | undefined;
  const failure = (reason: string) => new Error(`the server ${reason}:\n${JSON.stringify(logs.slice(-20))}\n${stderr}`);
  const url = await Promise.race([
    ready,
    exited.then(({ code, signal }) => Promise.reject(failure(`exited (${code ?? signal}) before it was ready`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(failure(`was not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    }),
  ])
    .catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    })
    .finally(() => clearTimeout(timer));

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    process: child,
    logs,
    stderr: () => stderr,
    exited,
    async stop(graceMs = STOP_GRACE_MS) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      kill.unref();
      const outcome = await exited;
      clearTimeout(kill);
      return outcome;
    },
  };
}
