/**
 * OpenTelemetry tracing, loaded by main.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads it
 * and the other OTEL_EXPORTER_OTLP_* variables itself). Traces only: no metrics or logs exporters. Spans: each HTTP request (with its request id), the GraphQL parse,
 * validate and execute, each SQL statement and Redis command; exported as OTLP/HTTP.
 */
import { register } from 'node:module';
import type { ServerResponse } from 'node:http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';

/** Paths that are probes and scrapes, not requests: no trace for them. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// ESM imports are only visible to the instrumentations through this loader hook; it must be in place
// before the server's modules are imported.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'dezhoumama-api' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
registerInstrumentations({
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '/').split('?')[0] ?? '/'),
      // The app answers every GraphQL request with the request id its log lines carry. The hook runs as the
      // request starts; this listener comes before the instrumentation's own, which ends the span.
      responseHook: (span, response) => {
        const outgoing = response as ServerResponse;
        outgoing.once('finish', () => {
          const requestId = outgoing.getHeader('x-request-id');
          if (typeof requestId === 'string') span.setAttribute('request.id', requestId);
        });
      },
    }),
    new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
  ],
});

// server.ts exits the process once it has drained; spans still buffered go out first.
process.once('beforeExit', () => void provider.shutdown());
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.prependListener(signal, () => void provider.shutdown());
}
