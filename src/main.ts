// The entry of `npm start` and `npm run dev`. Tracing must hook http, pg, ioredis and graphql before the server
// imports them, so it loads first, and only when a collector is configured: otherwise nothing of it is loaded.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) await import('./platform/tracing.js');
await import('./server.js');
