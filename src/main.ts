// The entry of `npm start` and `npm run dev`. Tracing must hook http, pg, ioredis and graphql before the server
// imports them, so it loads first, and only when a collector is configured: otherwise nothing of it is loaded.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) await import('./platform/tracing.js');
const { loadConfig, ConfigError } = await import('./config.js');
const { startServer } = await import('./server.js');

try {
  const server = await startServer(loadConfig());
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down: draining requests and sockets');
    await server.close();
    server.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Failed to start:', error);
  process.exit(1);
}
