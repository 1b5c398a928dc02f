import type { Server } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Context } from './context.js';
import { asServiceUnavailable, errorListCapPlugin, formatError, noteRequestOf, requestIdOf } from './errors.js';
import { limitRules, parseOptions, type OperationLimits } from './plugins/limits.js';
import { costLimitPlugin } from './plugins/cost.js';
import { inputLimitPlugin } from './plugins/input.js';
import { createMutationRateLimiter, rateLimitPlugin } from './plugins/rate-limit.js';
import { publicReadsPlugins } from './plugins/public-reads.js';
import { compiledQueriesPlugin } from './plugins/compiled-queries.js';
import type { GraphQLCaches } from './caches.js';
import { DOCUMENT_ID_EXTENSION, trustedDocumentsPlugin, type TrustedDocumentPolicy } from './trusted-documents.js';

/** A GraphQL request as node:http delivered it, its body already read (and parsed when it is JSON). */
export interface HttpGraphQLRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The query string, with its `?` (GET requests carry the operation there). */
  search: string;
  body: unknown;
  requestId: string;
  /** Builds the resolver context once the request is admitted (it authenticates the viewer). */
  context(): Promise<Context>;
}

export interface HttpGraphQLResponse {
  status: number;
  headers: Iterable<[string, string]>;
  /** The whole response, or its chunks (incremental delivery). */
  body: string | AsyncIterable<string>;
}

export interface GraphQLServer {
  /** For in-process execution (executeOperation) in tests. */
  apollo: ApolloServer<Context>;
  executeHttp(request: HttpGraphQLRequest): Promise<HttpGraphQLResponse>;
  start(): Promise<void>;
  /** Drains the HTTP server (in-flight requests finish, at most SHUTDOWN_GRACE_MS), then stops. */
  stop(): Promise<void>;
}

export interface GraphQLServerDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  limits: OperationLimits;
  httpServer: Server;
  caches: GraphQLCaches;
  trustedDocuments: TrustedDocumentPolicy;
}

/**
 * Notes the operation and the error codes of the response in the request scope, for the request's log line,
 * and each error's request id, which formatError gives the masked ones (didEncounterErrors sees the errors
 * before formatError does).
 */
function requestLogPlugin(): ApolloServerPlugin<Context> {
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
 * GraphQL over HTTP's persisted documents put `documentId` beside `query`, where Apollo, which keeps only
 * query, operationName, variables and extensions, would drop it: it moves into the extensions, where the
 * trusted-documents plugin reads it.
 */
function withDocumentIdInExtensions(search: string, body: unknown): { search: string; body: unknown } {
  if (body && typeof body === 'object' && 'documentId' in body) {
    const { documentId, extensions, ...rest } = body as { documentId: unknown; extensions?: unknown };
    const others = extensions && typeof extensions === 'object' ? extensions : {};
    return { search, body: { ...rest, extensions: { ...others, [DOCUMENT_ID_EXTENSION]: documentId } } };
  }
  const params = new URLSearchParams(search);
  const documentId = params.get('documentId');
  if (documentId === null) return { search, body };
  params.delete('documentId');
  let extensions: unknown = {};
  try {
    extensions = JSON.parse(params.get('extensions') ?? '{}');
  } catch {
    // Apollo refuses the malformed extensions itself.
    return { search, body };
  }
  params.set('extensions', JSON.stringify({ ...(extensions as object), [DOCUMENT_ID_EXTENSION]: documentId }));
  return { search: `?${params}`, body };
}

/** Apollo Server over the schema with the project's limits, error masking, request log and rate limits. */
export function createGraphQLServer({
  config,
  logger,
  schema,
  limits,
  httpServer,
  caches,
  trustedDocuments,
}: GraphQLServerDependencies): GraphQLServer {
  const production = config.NODE_ENV === 'production';
  const rateLimiter = createMutationRateLimiter(config, logger);
  const formatForClients = (formatted: GraphQLFormattedError, error: unknown, requestId = requestIdOf(error)) =>
    formatError(formatted, error, { logger, requestId });
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !production,
    // server.ts drains and stops on SIGTERM/SIGINT; Apollo's own handlers would race it (a second stop()
    // waits on a barrier Apollo never resolves, so the process hung instead of exiting 0).
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Shared over Redis when configured: a hash registered on one instance is answered by every other.
    persistedQueries: { cache: caches.persistedQueries, ttl: config.APQ_CACHE_TTL_SECONDS },
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints responses by default (two-space indents): more bytes to build and to send.
    stringifyResult: (result) => JSON.stringify(result),
    parseOptions: parseOptions(limits),
    validationRules: limitRules(limits),
    formatError: (formatted, error) => formatForClients(formatted, error),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_GRACE_MS }),
      // First: the document the other plugins see is the one the policy lets run.
      trustedDocumentsPlugin(trustedDocuments),
      ...publicReadsPlugins(schema, caches, { responseCache: config.RESPONSE_CACHE_ENABLED }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      requestLogPlugin(),
      // Bounded lists first: the cost rule reads every item of a list argument.
      inputLimitPlugin(schema, limits.input),
      costLimitPlugin(schema, limits.maxCost),
      errorListCapPlugin(),
      rateLimitPlugin(rateLimiter),
      // Last: a response from any plugin before it (the response cache's) wins.
      compiledQueriesPlugin(schema, {
        logger,
        maxOperations: config.GRAPHQL_COMPILED_OPERATIONS,
        formatError: formatForClients,
      }),
    ],
    logger,
  });

  return {
    apollo,
    async executeHttp({ method, headers, search, body, requestId, context }) {
      const headerMap = new HeaderMap();
      for (const [key, value] of Object.entries(headers)) {
        if (value !== undefined) headerMap.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers: headerMap, ...withDocumentIdInExtensions(search, body) },
        context: () =>
          context().catch((error: unknown) => {
            // No plugin sees an error of the context function: it carries its request id itself.
            const failure = asServiceUnavailable(error);
            noteRequestOf(failure, requestId);
            throw failure;
          }),
      });
      return {
        status: result.status ?? 200,
        headers: result.headers,
        body: result.body.kind === 'complete' ? result.body.string : result.body.asyncIterator,
      };
    },
    start: async () => {
      await Promise.all([apollo.start(), rateLimiter.ready()]);
    },
    async stop() {
      await apollo.stop();
      await rateLimiter.close();
    },
  };
}
