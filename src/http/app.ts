import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginCacheControlDisabled,
} from '@apollo/server/plugin/disabled';
import { createServer, type RequestListener, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { CloseCode } from 'graphql-ws';
import { createSourceEventStream, execute, type ExecutionArgs, type GraphQLSchema } from 'graphql';
// graphql-js's own mapper, the one its subscribe() uses: it forwards return() so a completed stream closes.
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Database } from '../platform/db/client.js';
import type { PubSub } from '../platform/pubsub.js';
import {
  authSettings,
  bearerToken,
  cachedTokenVerifier,
  UserProvisioner,
  type AuthSettings,
  type Viewer,
} from '../auth/token.js';
import { createContext, createLoaders, type Context } from '../graphql/context.js';
import { createChatReplies, createResponder } from '../modules/chat/replies.js';
import {
  asServiceUnavailable,
  DomainError,
  errorListCapPlugin,
  formatError,
  noteRequestOf,
  requestIdOf,
  UnauthenticatedError,
} from '../graphql/errors.js';
import type { RequestScope } from '../platform/request-scope.js';
import { logEachRequest, requestLogPlugin } from './request-log.js';
import { limitRules, operationLimits, parseOptions } from '../graphql/plugins/limits.js';
import { costLimitPlugin } from '../graphql/plugins/cost.js';
import { inputLimitPlugin } from '../graphql/plugins/input.js';
import { createMutationRateLimiter, rateLimitPlugin } from '../graphql/plugins/rate-limit.js';
import { guardWebSocket, type WebSocketGuard } from '../ws/guard.js';
import { schema as defaultSchema } from '../graphql/schema.js';
import { createMetrics, METRICS_PATH, type Metrics } from '../platform/metrics.js';

export const GRAPHQL_PATH = '/graphql';
/** Larger bodies are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 100 * 1024;
/** The WebSocket close code for a server that cannot serve now but may shortly (RFC 6455 registry). */
const TRY_AGAIN_LATER_CLOSE_CODE = 1013;
/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a WebSocket keeps from its connection_init: the viewer, and the timer that closes it when the token expires. */
type SocketExtra = {
  viewer: Viewer | null;
  tokenExpiry?: NodeJS.Timeout;
};

export interface AppDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  pubsub: PubSub;
  /** The development secret generated at start when JWT_SECRET is unset (never in production). */
  jwtSecret: string;
  schema?: GraphQLSchema;
}

export interface WebSocketService {
  /** Closes every socket with 1001 "going away" and resolves once all have closed. */
  dispose(): Promise<void>;
  /** Drops every socket at once: for a shutdown past its grace period. */
  terminate(): void;
}

export interface App {
  apollo: ApolloServer<Context>;
  auth: AuthSettings;
  /** Prometheus metrics; null when METRICS_ENABLED=false. */
  metrics: Metrics | null;
  /** node:http request listener for /graphql, /healthz and /readyz (and /metrics unless METRICS_PORT moves it). */
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  /** Serves graphql-ws on the HTTP server's port at GRAPHQL_PATH. */
  serveWebSocket(httpServer: Server): WebSocketService;
  /** The viewer a token stands for, provisioned in the database; null for no token. */
  authenticate(authorization: string | undefined | null): Promise<Viewer | null>;
  /** A resolver context for this viewer, as a request would get it (for in-process execution). */
  contextFor(viewer: Viewer | null, requestId?: string): Context;
  start(): Promise<void>;
  stop(): Promise<void>;
}

class PayloadTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Headers that decide who the user is or how the body is read. Node keeps the first of two and drops the other,
 * while a proxy in front may honour the second: a request carrying either twice is refused. (Node itself
 * refuses two Content-Length or Transfer-Encoding headers, and both together.)
 */
const SINGLE_VALUED_HEADERS = ['authorization', 'content-type', 'host'] as const;

/** The codes of a request Apollo refuses before executing it: its document or variables are wrong. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * GraphQL over HTTP asks 200 for every well-formed request of a client that accepts only `application/json`
 * (one written before `application/graphql-response+json`), errors in the body; Apollo answers parse,
 * validation and variable errors with 400 whatever the client accepts. Returns the status to send.
 */
function statusForAccept(status: number, accept: string | undefined, body: string): number {
  if (status !== 400) return status;
  const accepted = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (!accepted.every((type) => type === 'application/json')) return status;
  try {
    const { errors } = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const requestError =
      errors?.length && errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions?.code)));
    return requestError ? 200 : status;
  } catch {
    return status;
  }
}

function duplicatedHeader(request: IncomingMessage): string | undefined {
  return SINGLE_VALUED_HEADERS.find((name) => (request.headersDistinct[name]?.length ?? 0) > 1);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** A request refused before GraphQL runs, answered in the shape of a GraphQL error. */
function sendRequestError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * The node:http server for `listener` with the configured timeouts: Node's defaults let a client that sends
 * its headers one byte a second hold a connection for over a minute (60 s, checked every 30 s).
 */
export function createHttpServer(config: Config, listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      // How often Node looks for connections past those timeouts: also how late it may notice one.
      connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
    listener,
  );
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/**
 * graphql-js's subscribe(), with `beforeEvent` run on the subscription's context before each event is resolved.
 * graphql-js resolves every event with that one context, and it must stay the same object (plugin-prisma knows
 * by it which relations a page of messages has loaded already); what it holds may change.
 */
async function subscribeWithEachEvent(args: ExecutionArgs, beforeEvent: (context: Context) => void) {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  return mapAsyncIterator(stream, (payload) => {
    beforeEvent(args.contextValue as Context);
    return execute({ ...args, rootValue: payload });
  });
}

export function createApp(deps: AppDependencies): App {
  const { config, logger, database } = deps;
  const schema = deps.schema ?? defaultSchema;
  const metrics = config.METRICS_ENABLED ? createMetrics() : null;
  metrics?.observePool(database.pool);
  const pubsub = metrics ? metrics.observePubSub(deps.pubsub) : deps.pubsub;
  const auth = authSettings(deps.jwtSecret, config.JWT_ISSUER, config.JWT_AUDIENCE);
  const verifyToken = cachedTokenVerifier(auth);
  const provisioner = new UserProvisioner();
  const chatReplies = createChatReplies({
    prisma: database.prisma,
    pubsub,
    logger,
    responder: createResponder(config),
    observe: metrics?.replies,
  });
  const contextDependencies = { prisma: database.prisma, config, logger, pubsub, chatReplies };
  const production = config.NODE_ENV === 'production';
  const limits = operationLimits(config);
  const rateLimiter = createMutationRateLimiter(config, logger);
  const webSocketGuard: WebSocketGuard<Extra & Partial<SocketExtra>> = {
    schema,
    logger,
    limits: {
      operation: limits,
      connectionInitWaitTimeout: config.WS_CONNECTION_INIT_TIMEOUT_MS,
      maxSubscriptionsPerSocket: config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
    },
    ownerOf: ({ extra }) =>
      extra.viewer ? `user:${extra.viewer.id}` : `address:${extra.request.socket.remoteAddress}`,
  };

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !production,
    // server.ts drains and stops on SIGTERM/SIGINT; Apollo's own handlers would race it (a second stop()
    // waits on a barrier Apollo never resolves, so the process hung instead of exiting 0).
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints responses by default (two-space indents): more bytes to build and to send.
    stringifyResult: (result) => JSON.stringify(result),
    parseOptions: parseOptions(limits),
    validationRules: limitRules(limits),
    formatError: (formatted, error) => formatError(formatted, error, { logger, requestId: requestIdOf(error) }),
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      requestLogPlugin(),
      // Bounded lists first: the cost rule reads every item of a list argument.
      inputLimitPlugin(schema, limits.input),
      costLimitPlugin(schema, limits.maxCost),
      errorListCapPlugin(),
      rateLimitPlugin(rateLimiter),
    ],
    logger,
  });

  async function authenticate(authorization: string | undefined | null): Promise<Viewer | null> {
    const token = bearerToken(authorization);
    if (!token) return null;
    const viewer = await verifyToken(token);
    await provisioner.provision(database.prisma, viewer);
    return viewer;
  }

  async function handleGraphQL(request: IncomingMessage, response: ServerResponse, scope: RequestScope): Promise<void> {
    const { requestId } = scope;
    const duplicated = duplicatedHeader(request);
    if (duplicated) {
      sendRequestError(response, 400, 'BAD_REQUEST', `Send the ${duplicated} header once`);
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const rawBody = request.method === 'POST' ? await readBody(request) : '';
    let body: unknown = rawBody;
    if (rawBody && headers.get('content-type')?.includes('json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        sendRequestError(response, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
        return;
      }
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const viewer = await authenticate(request.headers.authorization).catch((error: unknown) => {
          // No plugin sees an error of the context function: it carries its request id itself.
          const failure = asServiceUnavailable(error);
          noteRequestOf(failure, requestId);
          throw failure;
        });
        return createContext(contextDependencies, viewer, scope);
      },
    });
    for (const [key, value] of result.headers) response.setHeader(key, value);
    response.setHeader('x-request-id', requestId);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.statusCode = statusForAccept(response.statusCode, request.headers.accept, result.body.string);
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  function handleRequest(request: IncomingMessage, response: ServerResponse): void {
    const headerId = request.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && /^[\w.-]{1,64}$/.test(headerId) ? headerId : randomUUID();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const scope: RequestScope = {
      requestId,
      clientAddress: request.socket.remoteAddress,
    };
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
  }

  function serveWebSocket(httpServer: Server): WebSocketService {
    // A message is capped like an HTTP body: ws would otherwise buffer up to 100 MiB before graphql-ws (and
    // the token limit) sees it. Larger ones close the socket with 1009.
    const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: MAX_BODY_BYTES });
    const served = useServer<{ authorization?: unknown }, SocketExtra>(
      guardWebSocket(webSocketGuard, {
        schema,
        onConnect: async (ctx) => {
          const authorization = ctx.connectionParams?.authorization;
          try {
            ctx.extra.viewer = await authenticate(typeof authorization === 'string' ? authorization : null);
          } catch (error) {
            // A bad token is the client's to fix (4403); anything else (the database away while the user is
            // provisioned) is ours: logged, and the client told to try again later.
            if (error instanceof DomainError) return false;
            logger.error({ err: error }, 'websocket connect failed');
            ctx.extra.socket.close(TRY_AGAIN_LATER_CLOSE_CODE, 'Service temporarily unavailable');
            return false;
          }
          // A socket that closed while it was authenticated has had its onClose: a timer now would never be cleared.
          if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
          // Streams must not outlive the token that opened them: the socket closes when it expires. (A token
          // valid for longer than a timer can wait gets none; each subscribe still checks it.)
          const expiresAt = ctx.extra.viewer?.expiresAt;
          const remainingMs = expiresAt == null ? Infinity : expiresAt * 1000 - Date.now();
          if (remainingMs <= MAX_TIMER_MS) {
            ctx.extra.tokenExpiry = setTimeout(
              () => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'),
              remainingMs,
            ).unref();
          }
          metrics?.observeSocket(ctx);
          return true;
        },
        onClose: (ctx) => {
          clearTimeout(ctx.extra.tokenExpiry);
          metrics?.forgetSocket(ctx);
        },
        // A token can expire while its socket stays open: every subscribe checks it again.
        onSubscribe: (ctx) => {
          const expiresAt = ctx.extra.viewer?.expiresAt;
          if (expiresAt != null && expiresAt * 1000 <= Date.now()) {
            return [new UnauthenticatedError('Token has expired; reconnect with a fresh token')];
          }
        },
        context: (ctx) =>
          createContext(contextDependencies, ctx.extra.viewer ?? null, {
            requestId: randomUUID(),
            clientAddress: ctx.extra.request.socket.remoteAddress,
          }),
        // The context lives as long as the subscription: with its first DataLoaders, later events would
        // answer nested fields from a cache as old as the subscription. (Events are resolved one at a time.)
        subscribe: (args) =>
          subscribeWithEachEvent(args, (context) => {
            context.loaders = createLoaders(database.prisma, context.viewer);
          }),
      }),
      wsServer,
      config.WS_KEEPALIVE_MS,
    );
    return {
      dispose: async () => {
        await served.dispose();
      },
      terminate: () => {
        for (const client of wsServer.clients) client.terminate();
      },
    };
  }

  return {
    apollo,
    auth,
    metrics,
    handleRequest,
    serveWebSocket,
    authenticate,
    contextFor: (viewer, requestId = randomUUID()) => createContext(contextDependencies, viewer, { requestId }),
    start: async () => {
      await Promise.all([apollo.start(), rateLimiter.ready()]);
    },
    async stop() {
      await apollo.stop();
      await rateLimiter.close();
      await chatReplies.close();
    },
  };
}
