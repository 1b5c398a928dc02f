import { TEST_JWT_SECRET } from '../../helpers/server.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

/**
 * The real server as its own process (tests/helpers/server-process.ts), as the tests that signal it, trace it
 * or fuzz it start it: test mode, info logs (kept in `logs`), the test secret, a free port.
 */
export type ChildServer = ServerProcess;

/** `nodeFlags` go before the script, e.g. --inspect=127.0.0.1:0 to read the server's heap. */
export function spawnServer(env: Record<string, string>, nodeFlags: string[] = []): Promise<ChildServer> {
  return startServerProcess({
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    nodeFlags,
  });
}
