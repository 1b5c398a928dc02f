import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './platform/logger.js';
import { openDatabase } from './platform/db/client.js';
import { createPubSub } from './platform/pubsub.js';
import { createApp, createHttpServer, GRAPHQL_PATH } from './http/app.js';
import { METRICS_PATH } from './platform/metrics.js';

/** Starts HTTP and WebSocket on one port and drains both on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  // JSON everywhere but a developer's terminal; production always JSON, for the log pipeline.
  const logger = createLogger(config.LOG_LEVEL, undefined, {
    pretty: config.NODE_ENV !== 'production' && process.stdout.isTTY,
  });
  let jwtSecret = config.JWT_SECRET;
  if (!jwtSecret) {
    jwtSecret = randomBytes(32).toString('hex');
    logger.warn(
      { jwtSecret },
      'JWT_SECRET is not set: using a generated development secret (sign tokens with `JWT_SECRET=<it> npm run token -- --user 1`)',
    );
  }
  const database = await openDatabase(config, logger);
  const pubsub = await createPubSub(config, logger);
  const app = createApp({ config, logger, database, pubsub, jwtSecret });
  await app.start();

  const httpServer = createHttpServer(config, app.handleRequest);
  // Listen before attaching the WebSocket server: graphql-ws swallows the HTTP server's errors, and a port
  // in use must fail the start (exit 1) instead of leaving a process that exits 0 having served nothing.
  const url = await listen(httpServer, config.PORT, config.HOST);
  const ws = app.serveWebSocket(httpServer);
  const { metrics } = app;
  const metricsServer =
    metrics && config.METRICS_PORT !== undefined
      ? createServer((request, response) => {
          if ((request.url ?? '/').split('?')[0] === METRICS_PATH) return metrics.handleRequest(request, response);
          response.writeHead(404).end();
        })
      : null;
  const metricsUrl = metricsServer ? await listen(metricsServer, config.METRICS_PORT ?? 0, config.HOST) : url;
  logger.info(
    {
      url: `${url}${GRAPHQL_PATH}`,
      ...(metrics ? { metricsUrl: `${metricsUrl}${METRICS_PATH}` } : {}),
    },
    'server ready',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests and sockets');
    // Upgraded sockets are no longer the HTTP server's connections: both kinds are cut at the deadline.
    const forceClose = setTimeout(() => {
      httpServer.closeAllConnections();
      ws.terminate();
    }, config.SHUTDOWN_GRACE_MS);
    forceClose.unref();
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    // 1001 "going away": clients reconnect elsewhere and resume with afterSeq.
    await ws.dispose();
    await httpClosed;
    metricsServer?.close();
    await app.stop();
    await pubsub.close();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Listens on the port (0: any free one) and resolves with the server's base URL. */
async function listen(server: Server, port: number, host: string): Promise<string> {
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Failed to start:', error);
  }
  process.exit(1);
});
