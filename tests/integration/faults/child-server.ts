import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { TEST_JWT_SECRET } from '../../helpers/server.js';
import { npmStartArgs } from '../../helpers/npm-start.js';

/**
 * The real server as its own process, started as `npm start` starts it (node on the compiled entry, not npm,
 * which would put a second process between the signal and the server), so a test can signal it as an orchestrator
 * would. Its JSON log lines are kept; `url` comes from its "server ready" line.
 */
export interface ChildServer {
  url: string;
  wsUrl: string;
  process: ChildProcess;
  logs: Record<string, unknown>[];
  /** What the process wrote to stderr so far (an unhandled rejection would land there). */
  stderr(): string;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `nodeFlags` go before the script, e.g. --inspect=127.0.0.1:0 to read the server's heap. */
export async function spawnServer(env: Record<string, string>, nodeFlags: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeFlags, ...npmStartArgs()], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        logs.push(line);
        if (line.msg === 'server ready') resolve(String(line.url));
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${stderr}`)),
    );
  });
  const url = await ready;
  return { url, wsUrl: url.replace(/^http/, 'ws'), process: child, logs, stderr: () => stderr, exited };
}
