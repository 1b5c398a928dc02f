import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginCacheControlDisabled,
} from '@apollo/server/plugin/disabled';
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { CloseCode } from 'graphql-ws';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Database } from './db/index.js';
import type { PubSub } from './pubsub.js';
import { authSettings, bearerToken, verifyToken, UserProvisioner, type AuthSettings, type Viewer } from './auth.js';
import { createContext, type Context } from './context.js';
import { createChatReplies, createResponder } from './chat/replies.js';
import { asServiceUnavailable, DomainError, formatError, UnauthenticatedError } from './errors.js';
import { requestScope, type RequestScope } from './request-scope.js';
import { logEachRequest, requestLogPlugin } from './logging.js';
import { limitRules, operationLimits, parseOptions } from './security/limits.js';
import { costLimitPlugin } from './security/cost.js';
import { createMutationRateLimiter, rateLimitPlugin } from './security/rate-limit.js';
import { guardWebSocket, type WebSocketGuard } from './security/websocket.js';
import { schema as defaultSchema } from './schema/index.js';
import { createMetrics, METRICS_PATH, type Metrics } from './metrics.js';

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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export function createApp(deps: AppDependencies): App {
  const { config, logger, database } = deps;
  const schema = deps.schema ?? defaultSchema;
  const metrics = config.METRICS_ENABLED ? createMetrics() : null;
  metrics?.observePool(database.pool);
  const pubsub = metrics ? metrics.observePubSub(deps.pubsub) : deps.pubsub;
  const auth = authSettings(deps.jwtSecret, config.JWT_ISSUER, config.JWT_AUDIENCE);
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
    parseOptions: parseOptions(limits),
    validationRules: limitRules(limits),
    formatError: (formatted, error) =>
      formatError(formatted, error, { logger, requestId: requestScope.getStore()?.requestId }),
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      requestLogPlugin(),
      costLimitPlugin(schema, limits.maxCost),
      rateLimitPlugin(rateLimiter),
    ],
    logger,
  });

  async function authenticate(authorization: string | undefined | null): Promise<Viewer | null> {
    const token = bearerToken(authorization);
    if (!token) return null;
    const viewer = await verifyToken(token, auth);
    await provisioner.provision(database.prisma, viewer);
    return viewer;
  }

  async function handleGraphQL(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
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
        sendJson(response, 400, {
          errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
        });
        return;
      }
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const viewer = await authenticate(request.headers.authorization).catch((error: unknown) => {
          throw asServiceUnavailable(error);
        });
        return createContext(contextDependencies, viewer, requestId);
      },
    });
    for (const [key, value] of result.headers) response.setHeader(key, value);
    response.setHeader('x-request-id', requestId);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
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
    const work = () =>
      requestScope.run(scope, async () => {
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
          return handleGraphQL(request, response, requestId);
        }
        sendJson(response, 404, { error: 'Not found' });
      });
    work().catch((error: unknown) => {
      if (error instanceof PayloadTooLargeError) {
        response.setHeader('connection', 'close');
        return sendJson(response, 413, {
          errors: [
            { message: `Request body exceeds ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } },
          ],
        });
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
        context: (ctx) => createContext(contextDependencies, ctx.extra.viewer ?? null, randomUUID()),
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
    contextFor: (viewer, requestId = randomUUID()) => createContext(contextDependencies, viewer, requestId),
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
