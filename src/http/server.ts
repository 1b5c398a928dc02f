import { createServer, type Server } from 'node:http';
import type { Config } from '../config.js';

/**
 * The node:http server with the configured timeouts (its request listener is attached by the caller): Node's
 * defaults let a client that sends its headers one byte a second hold a connection for over a minute (60 s,
 * checked every 30 s).
 */
export function createHttpServer(config: Config): Server {
  const server = createServer({
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    // How often Node looks for connections past those timeouts: also how late it may notice one.
    connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
  });
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/** Listens on the port (0: any free one) and resolves with the server's base URL. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}`;
}
