import { createServer, type Server } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config.js';
import { createLogger, type Logger } from './platform/logger.js';
import { openDatabase, type Database } from './platform/db/client.js';
import { createPubSub, type PubSub } from './platform/pubsub.js';
import { createMetrics, METRICS_PATH, type Metrics } from './platform/metrics.js';
import type { RequestScope } from './platform/request-scope.js';
import { authSettings, type AuthSettings, type Viewer } from './auth/token.js';
import { createAuthenticator, type Authenticate } from './auth/authenticate.js';
import { createResponder, startChatReplies } from './modules/chat/replies.js';
import { openJobQueue } from './platform/queue.js';
import { createContext, type Context } from './graphql/context.js';
import { createGraphQLServer, type GraphQLServer } from './graphql/apollo.js';
import { createGraphQLCaches } from './graphql/caches.js';
import { trustedDocumentPolicy } from './graphql/trusted-documents.js';
import { operationLimits } from './graphql/plugins/limits.js';
import { schema as defaultSchema } from './graphql/schema.js';
import { createHttpServer, listen } from './http/server.js';
import { createRequestHandler, GRAPHQL_PATH } from './http/handler.js';
import { createGraphQLHandler, MAX_BODY_BYTES } from './http/graphql-handler.js';
import { serveWebSocket } from './ws/server.js';

/** What tests bring of their own; everything else startServer builds from the config. */
export interface ServerOverrides {
  logger?: Logger;
  /** A database the caller opened, and closes. */
  database?: Database;
  schema?: GraphQLSchema;
}

export interface RunningServer {
  /** The GraphQL endpoint over HTTP, and over WebSocket. */
  url: string;
  wsUrl: string;
  logger: Logger;
  database: Database;
  pubsub: PubSub;
  graphql: GraphQLServer;
  auth: AuthSettings;
  /** Prometheus metrics; null when METRICS_ENABLED=false. */
  metrics: Metrics | null;
  authenticate: Authenticate;
  /** A resolver context for this viewer, as a request would get it (for in-process execution). */
  contextFor(viewer: Viewer | null, requestId?: string): Context;
  /**
   * Stops taking connections and reply jobs, lets in-flight requests and replies finish and closes sockets
   * with 1001 (all cut after SHUTDOWN_GRACE_MS), then closes what startServer opened.
   */
  close(): Promise<void>;
}

/** The signing secret: JWT_SECRET, or (config refuses it missing in production) a generated development one. */
function jwtSecretOf(config: Config, logger: Logger): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const jwtSecret = randomBytes(32).toString('hex');
  logger.warn(
    { jwtSecret },
    'JWT_SECRET is not set: using a generated development secret (sign tokens with `JWT_SECRET=<it> npm run token -- --user 1`)',
  );
  return jwtSecret;
}

/** The metrics' own server when METRICS_PORT is set; otherwise /metrics is served on the main port. */
function createMetricsServer(metrics: Metrics): Server {
  return createServer((request, response) => {
    if ((request.url ?? '/').split('?')[0] === METRICS_PATH) return metrics.handleRequest(request, response);
    response.writeHead(404).end();
  });
}

/** Serves GraphQL over HTTP and WebSocket on one port (and metrics), listening once it resolves. */
export async function startServer(config: Config, overrides: ServerOverrides = {}): Promise<RunningServer> {
  // JSON everywhere but a developer's terminal; production always JSON, for the log pipeline.
  const logger =
    overrides.logger ??
    createLogger(config.LOG_LEVEL, undefined, { pretty: config.NODE_ENV !== 'production' && process.stdout.isTTY });
  const jwtSecret = jwtSecretOf(config, logger);
  // Read before anything opens: a manifest that cannot be read fails the start.
  const trustedDocuments = trustedDocumentPolicy(config);
  const schema = overrides.schema ?? defaultSchema;
  const database = overrides.database ?? (await openDatabase(config, logger));
  const metrics = config.METRICS_ENABLED ? createMetrics() : null;
  if (metrics) database.observe(metrics.observePool(database.pool));
  const ownPubsub = await createPubSub(config, logger);
  const pubsub = metrics ? metrics.observePubSub(ownPubsub) : ownPubsub;
  const auth = authSettings(jwtSecret, config.JWT_ISSUER, config.JWT_AUDIENCE);
  const authenticate = createAuthenticator(auth, database.prisma);
  const queue = await openJobQueue(database.url, logger, { sweepSeconds: config.CHAT_REPLY_SWEEP_SECONDS });
  const chatReplies = await startChatReplies({
    database,
    pubsub,
    logger,
    queue,
    responder: createResponder(config, database),
    config,
    observe: metrics?.replies,
  });
  const contextDependencies = {
    prisma: database.prisma,
    readRows: database.readRows,
    transaction: database.transaction,
    config,
    logger,
    pubsub,
    chatReplies,
  };
  const contextFor = (viewer: Viewer | null, scope: RequestScope, contextLogger = logger) =>
    createContext({ ...contextDependencies, logger: contextLogger }, viewer, scope);
  const limits = operationLimits(config);

  const httpServer = createHttpServer(config);
  const caches = await createGraphQLCaches(config, logger);
  const graphql = createGraphQLServer({ config, logger, schema, limits, httpServer, caches, trustedDocuments });
  await graphql.start();
  httpServer.on(
    'request',
    createRequestHandler({
      config,
      logger,
      database,
      pubsub,
      metrics,
      handleGraphQL: createGraphQLHandler({ graphql, authenticate, contextFor }),
    }),
  );
  // Listen before attaching the WebSocket server: graphql-ws swallows the HTTP server's errors, and a port
  // in use must fail the start (exit 1) instead of leaving a process that exits 0 having served nothing.
  const baseUrl = await listen(httpServer, config.PORT, config.HOST);
  const ws = serveWebSocket(httpServer, GRAPHQL_PATH, {
    config,
    logger,
    schema,
    limits,
    metrics,
    maxMessageBytes: MAX_BODY_BYTES,
    trustedDocuments,
    authenticate,
    contextFor,
  });
  const metricsServer = metrics && config.METRICS_PORT !== undefined ? createMetricsServer(metrics) : null;
  const metricsUrl = metricsServer ? await listen(metricsServer, config.METRICS_PORT ?? 0, config.HOST) : baseUrl;
  const url = `${baseUrl}${GRAPHQL_PATH}`;
  logger.info({ url, ...(metrics ? { metricsUrl: `${metricsUrl}${METRICS_PATH}` } : {}) }, 'server ready');

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    logger,
    database,
    pubsub,
    graphql,
    auth,
    metrics,
    authenticate,
    contextFor: (viewer, requestId = randomUUID()) => contextFor(viewer, { requestId }),
    async close() {
      // Upgraded sockets are no longer the HTTP server's connections (Apollo's drain cuts those): the
      // WebSocket clients still open at the deadline are cut here.
      const forceClose = setTimeout(() => ws.terminate(), config.SHUTDOWN_GRACE_MS);
      forceClose.unref();
      // 1001 "going away": clients reconnect elsewhere and resume with afterSeq. Replies being written get
      // the same grace (they need the database and pub/sub, closed after); those not started stay queued.
      await Promise.all([ws.dispose(), graphql.stop(), chatReplies.close()]);
      clearTimeout(forceClose);
      metricsServer?.close();
      await pubsub.close();
      await caches.close();
      if (!overrides.database) await database.close();
    },
  };
}
