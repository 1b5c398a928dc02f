import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../platform/logger.js';
import type { RequestScope } from '../platform/request-scope.js';

/** Health probes and metric scrapes come every few seconds; their lines are debug so that they do not drown the requests. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Writes one JSON line per HTTP request when its response has gone out (or the client went away): request id,
 * method, path, status, duration in ms, and for GraphQL the operation's name and type and the error codes.
 */
export function logEachRequest(
  logger: Logger,
  {
    request,
    response,
    path,
    scope,
  }: { request: IncomingMessage; response: ServerResponse; path: string; scope: RequestScope },
): void {
  const started = process.hrtime.bigint();
  response.once('close', () => {
    const line = {
      requestId: scope.requestId,
      method: request.method,
      path,
      status: response.statusCode,
      durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      ...(scope.operation ? { operationName: scope.operation.name, operationType: scope.operation.type } : {}),
      ...(scope.errorCodes ? { errorCodes: scope.errorCodes } : {}),
      ...(response.writableFinished ? {} : { aborted: true }),
    };
    if (PROBE_PATHS.has(path)) logger.debug(line, 'request');
    else logger.info(line, 'request');
  });
}
