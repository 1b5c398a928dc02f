import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { ConnectionInitMessage, Context as SocketContext, ServerOptions, SubscribePayload } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { Context } from '../graphql/context.js';
import type { Logger } from '../platform/logger.js';
import { formatError } from '../graphql/errors.js';
import { subscriptionChecker, type OperationLimits } from '../graphql/plugins/limits.js';
import { SocketCloseCode } from './close-codes.js';

export interface WebSocketLimits {
  operation: OperationLimits;
  /** A socket that sends no connection_init this long is closed with 4408 (graphql-ws). Default 3000. */
  connectionInitWaitTimeout: number;
  /** Subscriptions one socket may run at once; the next subscribe gets RATE_LIMITED. Default 20. */
  maxSubscriptionsPerSocket: number;
  /** Sockets per user (per address when anonymous) on this instance; the next is closed with 4430. Default 10. */
  maxSocketsPerUser: number;
}

export interface WebSocketGuard<E> {
  schema: GraphQLSchema;
  limits: WebSocketLimits;
  logger: Logger;
  /** Whom a connection counts against, once onConnect has admitted it: `user:<id>` or `address:<ip>`. */
  ownerOf(ctx: SocketContext<ConnectionInitMessage['payload'], E>): string;
  /**
   * The document a subscribe runs (its text, or the trusted document its id names), or why it is refused;
   * decided before the text is parsed.
   */
  documentOf(ctx: SocketContext<ConnectionInitMessage['payload'], E>, payload: SubscribePayload): string | GraphQLError;
}

/** Each operation of a socket has its own request id; its log lines carry the socket's id too. */
export interface OperationIds {
  requestId: string;
  socketId: string;
}

/** The wrapped options: their context is built for an operation's ids. */
export type GuardedOptions<P extends ConnectionInitMessage['payload'], E> = Omit<ServerOptions<P, E>, 'context'> & {
  context(ctx: SocketContext<P, E>, ids: OperationIds): Context;
};

interface SocketState {
  owner?: string;
  socketId: string;
  opened: number;
  /** Every subscribe until it is logged; `started` once it was admitted. */
  operations: Map<string, { requestId: string; started?: number; operationName: string | null }>;
}

/**
 * Wraps graphql-ws server options with the protections Apollo Server gives HTTP: every subscribe is parsed
 * and validated with the HTTP rules (and only subscriptions are admitted), sockets per user and subscriptions
 * per socket are capped, errors go through the one formatError that masks internals, and each subscription
 * leaves one log line. The wrapped options' own hooks run inside these.
 */
export function guardWebSocket<P extends ConnectionInitMessage['payload'], E extends Extra>(
  { schema, limits, logger, ownerOf, documentOf }: WebSocketGuard<E>,
  options: GuardedOptions<P, E>,
): ServerOptions<P, E> {
  const checkSubscription = subscriptionChecker(schema, limits.operation);
  const socketsPerOwner = new Map<string, number>();
  const states = new WeakMap<object, SocketState>();
  const stateOf = (ctx: object): SocketState => {
    let state = states.get(ctx);
    if (!state) {
      state = { socketId: randomUUID(), opened: Date.now(), operations: new Map() };
      states.set(ctx, state);
    }
    return state;
  };
  const operationOf = (ctx: object, id: string) => {
    const { operations } = stateOf(ctx);
    let operation = operations.get(id);
    if (!operation) {
      operation = { requestId: randomUUID(), operationName: null };
      operations.set(id, operation);
    }
    return operation;
  };
  const format = (errors: readonly GraphQLError[], requestId: string): GraphQLFormattedError[] =>
    errors.map((error) => formatError(error.toJSON(), error, { logger, requestId }));
  const logSubscription = (ctx: object, id: string, status: string, errorCodes?: unknown[]) => {
    const state = stateOf(ctx);
    const operation = operationOf(ctx, id);
    state.operations.delete(id);
    logger.info(
      {
        requestId: operation.requestId,
        socketId: state.socketId,
        transport: 'ws',
        subscriptionId: id,
        operationName: operation.operationName,
        status,
        ...(operation.started !== undefined ? { durationMs: Date.now() - operation.started } : {}),
        ...(errorCodes ? { errorCodes } : {}),
      },
      'subscription',
    );
  };

  return {
    ...options,
    connectionInitWaitTimeout: limits.connectionInitWaitTimeout,
    async onConnect(ctx) {
      const state = stateOf(ctx);
      const admitted = options.onConnect ? await options.onConnect(ctx) : true;
      if (admitted === false) return false;
      // The socket may have closed while the hook above waited (the user provisioned in the database): onClose
      // has run then, found no owner to release, and will not run again, so the socket must not be counted.
      // Until its close event, a closing socket is not OPEN either.
      if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
      const owner = ownerOf(ctx);
      const open = socketsPerOwner.get(owner) ?? 0;
      if (open >= limits.maxSocketsPerUser) {
        ctx.extra.socket.close(
          SocketCloseCode.TooManySockets,
          `At most ${limits.maxSocketsPerUser} connections per user`,
        );
        return false;
      }
      socketsPerOwner.set(owner, open + 1);
      state.owner = owner;
      return admitted;
    },
    async onClose(ctx, code, reason) {
      const state = states.get(ctx);
      if (state?.owner) {
        const open = (socketsPerOwner.get(state.owner) ?? 1) - 1;
        if (open > 0) socketsPerOwner.set(state.owner, open);
        else socketsPerOwner.delete(state.owner);
      }
      if (state) {
        logger.info(
          { socketId: state.socketId, transport: 'ws', code, durationMs: Date.now() - state.opened },
          'connection closed',
        );
      }
      await options.onClose?.(ctx, code, reason);
    },
    async onSubscribe(ctx, id, payload) {
      // graphql-ws registers the subscription before this hook runs, so the count includes this one.
      if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
        return [
          new GraphQLError(
            `At most ${limits.maxSubscriptionsPerSocket} subscriptions per connection; complete one first`,
            {
              extensions: { code: 'RATE_LIMITED', limit: limits.maxSubscriptionsPerSocket },
            },
          ),
        ];
      }
      const document = documentOf(ctx, payload);
      if (typeof document !== 'string') return [document];
      const checked = checkSubscription({ ...payload, query: document });
      if (Array.isArray(checked)) return checked;
      const own = await options.onSubscribe?.(ctx, id, payload);
      if (own) return own;
      Object.assign(operationOf(ctx, id), { started: Date.now(), operationName: checked.operationName ?? null });
      return { schema, ...checked };
    },
    context: (ctx, id) =>
      options.context(ctx, { requestId: operationOf(ctx, id).requestId, socketId: stateOf(ctx).socketId }),
    async onNext(ctx, id, payload, args, result) {
      const own = await options.onNext?.(ctx, id, payload, args, result);
      if (own || !result.errors) return own;
      return { ...result, errors: format(result.errors, operationOf(ctx, id).requestId) };
    },
    async onError(ctx, id, payload, errors) {
      const own = await options.onError?.(ctx, id, payload, errors);
      const formatted = own ?? format(errors, operationOf(ctx, id).requestId);
      logSubscription(
        ctx,
        id,
        'error',
        formatted.map((error) => error.extensions?.code),
      );
      return formatted;
    },
    async onComplete(ctx, id, payload) {
      await options.onComplete?.(ctx, id, payload);
      if (stateOf(ctx).operations.get(id)?.started !== undefined) logSubscription(ctx, id, 'complete');
    },
  };
}
