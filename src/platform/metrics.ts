import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createRequestMetrics, type RequestMetrics } from './metrics/requests.js';
import { createResourceMetrics, type ResourceMetrics } from './metrics/resources.js';

export {
  MAX_OPERATION_NAMES,
  OTHER_OPERATION,
  type ReplyObserver,
  type ReplyOutcome,
  type ReplyTracker,
} from './metrics/requests.js';

export const METRICS_PATH = '/metrics';

export interface Metrics extends RequestMetrics, ResourceMetrics {
  registry: Registry;
  /** Answers GET /metrics in the Prometheus text format. */
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
}

/** One registry per app (tests run several apps in one process), with Node's default process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ...createRequestMetrics(registry),
    ...createResourceMetrics(registry),
    handleRequest(_request, response) {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    },
  };
}
