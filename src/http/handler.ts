import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Database } from '../platform/db/client.js';
import type { PubSub } from '../platform/pubsub.js';
import { METRICS_PATH, type Metrics } from '../platform/metrics.js';
import type { RequestScope } from '../platform/request-scope.js';
import { logEachRequest } from './request-log.js';
import { sendJson, sendRequestError } from './respond.js';
import { MAX_BODY_BYTES, PayloadTooLargeError, type GraphQLHandler } from './graphql-handler.js';

export const GRAPHQL_PATH = '/graphql';

export interface RequestHandlerDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  pubsub: PubSub;
  metrics: Metrics | null;
  handleGraphQL: GraphQLHandler;
}

/** The node:http listener for /graphql, /healthz and /readyz (and /metrics unless METRICS_PORT moves it). */
export function createRequestHandler({
  config,
  logger,
  database,
  pubsub,
  metrics,
  handleGraphQL,
}: RequestHandlerDependencies): RequestListener {
  return (request, response) => {
    const headerId = request.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && /^[\w.-]{1,64}$/.test(headerId) ? headerId : randomUUID();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const scope: RequestScope = { requestId, clientAddress: request.socket.remoteAddress };
    const work = async () => {
      logEachRequest(logger, { request, response, path, scope });
      if (path === METRICS_PATH && metrics && config.METRICS_PORT === undefined) {
        return metrics.handleRequest(request, response);
      }
      if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
      if (path === '/readyz') {
        // Without the database nothing works: 503. Without Redis this instance still serves everything but
        // other instances' chat events: degraded, still 200 (all instances share Redis; 503 would take
        // every one of them out of rotation for a partial failure).
        const databaseState = (await database.isReachable()) ? 'ok' : 'unreachable';
        const pubsubState = pubsub.isHealthy() ? 'ok' : 'unreachable';
        const status = databaseState !== 'ok' ? 'unavailable' : pubsubState !== 'ok' ? 'degraded' : 'ready';
        return sendJson(response, status === 'unavailable' ? 503 : 200, {
          status,
          database: databaseState,
          pubsub: pubsubState,
        });
      }
      if (path === GRAPHQL_PATH) {
        metrics?.observeRequest(response, scope);
        return handleGraphQL(request, response, scope);
      }
      sendJson(response, 404, { error: 'Not found' });
    };
    work().catch((error: unknown) => {
      if (error instanceof PayloadTooLargeError) {
        response.setHeader('connection', 'close');
        return sendRequestError(response, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!response.headersSent)
        sendJson(response, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }],
        });
      else response.destroy();
    });
  };
}
