import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { createSourceEventStream, execute, type ExecutionArgs, type GraphQLSchema } from 'graphql';
// graphql-js's own mapper, the one its subscribe() uses: it forwards return() so a completed stream closes.
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { RequestScope } from '../platform/request-scope.js';
import type { Authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/token.js';
import type { Context } from '../graphql/context.js';
import { createLoaders } from '../graphql/context.js';
import { DomainError, UnauthenticatedError } from '../platform/errors.js';
import type { OperationLimits } from '../graphql/plugins/limits.js';
import { DOCUMENT_ID_EXTENSION, resolveDocument, type TrustedDocumentPolicy } from '../graphql/trusted-documents.js';
import { guardWebSocket, type WebSocketGuard } from './guard.js';
import { SocketCloseCode } from './close-codes.js';

/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a WebSocket keeps from its connection_init: the viewer, and the timer that closes it when the token expires. */
type SocketExtra = {
  viewer: Viewer | null;
  tokenExpiry?: NodeJS.Timeout;
};

export interface WebSocketDependencies {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  limits: OperationLimits;
  metrics: Metrics | null;
  /** Larger messages close the socket with 1009. */
  maxMessageBytes: number;
  trustedDocuments: TrustedDocumentPolicy;
  authenticate: Authenticate;
  /** A resolver context; its logger carries the socket's id besides the request id. */
  contextFor(viewer: Viewer | null, scope: RequestScope, logger: Logger): Context;
}

export interface WebSocketService {
  /** Closes every socket with 1001 "going away" and resolves once all have closed. */
  dispose(): Promise<void>;
  /** Drops every socket at once: for a shutdown past its grace period. */
  terminate(): void;
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

/** Serves graphql-ws on the HTTP server's port at `path`. */
export function serveWebSocket(httpServer: Server, path: string, deps: WebSocketDependencies): WebSocketService {
  const { config, logger, schema, limits, metrics, maxMessageBytes, authenticate, contextFor, trustedDocuments } = deps;
  // A message is capped like an HTTP body: ws would otherwise buffer up to 100 MiB before graphql-ws (and
  // the token limit) sees it.
  const wsServer = new WebSocketServer({ server: httpServer, path, maxPayload: maxMessageBytes });
  const guard: WebSocketGuard<Extra & Partial<SocketExtra>> = {
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
    // graphql-ws has no APQ: an id names a manifest document or nothing.
    documentOf: ({ extra }, { query, extensions }) => {
      const persistedQuery = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      const documentId = extensions?.[DOCUMENT_ID_EXTENSION] ?? persistedQuery?.sha256Hash;
      const resolution = resolveDocument(
        trustedDocuments,
        { query, documentId: typeof documentId === 'string' ? documentId : undefined },
        extra.viewer ?? null,
      );
      return 'refused' in resolution ? resolution.refused : 'query' in resolution ? resolution.query : query;
    },
  };
  const served = useServer<{ authorization?: unknown }, SocketExtra>(
    guardWebSocket(guard, {
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
          ctx.extra.socket.close(SocketCloseCode.TryAgainLater, 'Service temporarily unavailable');
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
            () => ctx.extra.socket.close(SocketCloseCode.Forbidden, 'Token expired'),
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
      context: (ctx, { requestId, socketId }) =>
        contextFor(
          ctx.extra.viewer ?? null,
          { requestId, clientAddress: ctx.extra.request.socket.remoteAddress },
          logger.child({ socketId }),
        ),
      // The context lives as long as the subscription: with its first DataLoaders, later events would
      // answer nested fields from a cache as old as the subscription. (Events are resolved one at a time.)
      subscribe: (args) =>
        subscribeWithEachEvent(args, (context) => {
          context.loaders = createLoaders(context, context.viewer);
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
