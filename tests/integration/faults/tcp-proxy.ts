import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between the server under test and a service it depends on (PostgreSQL, Redis), so a test can
 * take the service away from that one server, as a restart or a crash would, without touching the service
 * that other tests share: `cut()` resets every open connection and every new one until `restore()`.
 */
export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  through(url: string): string;
  /** Connections accepted since the proxy started (a test can see that a client reconnected). */
  connections(): number;
  /** Resolves once `count` more connections (from now on) have been forwarded: clients have reconnected. */
  forwardedMore(count: number): Promise<void>;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const open = new Set<Socket>();
  let accepted = 0;
  let forwardedCount = 0;
  let down = false;
  const waiters: { count: number; resolve: () => void }[] = [];

  const server: Server = createServer((client) => {
    accepted += 1;
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: targetPort });
    forwardedCount += 1;
    for (const waiter of waiters.filter(({ count }) => forwardedCount >= count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      // A reset on one side resets the other; the error itself is the point of a cut.
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    through(url) {
      const rewritten = new URL(url);
      rewritten.hostname = '127.0.0.1';
      rewritten.port = String(port);
      return rewritten.toString();
    },
    connections: () => accepted,
    forwardedMore: (count) => new Promise((resolve) => waiters.push({ count: forwardedCount + count, resolve })),
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
