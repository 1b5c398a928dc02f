import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graphql/context.js';
import type { Logger } from '../platform/logger.js';
import { noteRequestOf } from '../graphql/errors.js';
import type { RequestScope } from '../platform/request-scope.js';

/** Health probes and metric scrapes come every few seconds; their lines are debug so that they do not drown the requests. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Notes the operation and the error codes of the response in the request scope, for the request's log line,
 * and each error's request id, which formatError gives the masked ones (didEncounterErrors sees the errors
 * before formatError does).
 */
export function requestLogPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) noteRequestOf(error, contextValue.requestId);
        },
        async willSendResponse({ operation, operationName, request, response }) {
          const { scope } = contextValue;
          scope.operation = {
            name: operationName ?? request.operationName ?? null,
            type: operation?.operation ?? 'unknown',
          };
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          scope.errorCodes = errors?.map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
        },
      };
    },
  };
}

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
