import { Redis } from 'ioredis';
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';
import type { Config } from '../../config.js';
import type { Context } from '../context.js';
import type { Logger } from '../../platform/logger.js';
import { RateLimitedError } from '../../platform/errors.js';
import { withRetryAfter } from '../errors.js';

/**
 * Mutation budgets per user (per address when anonymous). Every root mutation field spends one point of the
 * general budget; the fields that cost the most (a chat message triggers a character reply, an assessment
 * submission scores and writes in a transaction) also spend from their own, stricter budget.
 */
export interface MutationRateLimiter {
  /** Spends the points of `fields` (root mutation field names, repeated per alias); RATE_LIMITED when over. */
  consume(key: string, fields: readonly string[]): Promise<void>;
  /** Resolves once Redis has answered or failed (at once without Redis), so that start-up does not count in memory. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

type Budget = 'mutation' | 'sendChatMessage' | 'submitAssessment';

function budgetPoints(config: Config): Record<Budget, number> {
  return {
    mutation: config.RATE_LIMIT_MUTATIONS,
    sendChatMessage: config.RATE_LIMIT_CHAT_MESSAGES,
    submitAssessment: config.RATE_LIMIT_ASSESSMENT_SUBMISSIONS,
  };
}

/**
 * With REDIS_URL the counters live in Redis, so every instance spends from the same budget; while Redis is
 * away each instance falls back to its own in-memory counters (rate limiting degrades to per instance
 * instead of failing requests or letting everything through).
 */
export function createMutationRateLimiter(config: Config, logger: Logger): MutationRateLimiter {
  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : undefined;
  const limiters = Object.fromEntries(
    Object.entries(budgetPoints(config)).map(([budget, points]) => {
      const options: IRateLimiterOptions = {
        keyPrefix: `${config.REDIS_KEY_PREFIX}rate:${budget}`,
        points,
        duration: config.RATE_LIMIT_WINDOW_SECONDS,
      };
      const memory = new RateLimiterMemory(options);
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      return [budget, limiter];
    }),
  ) as Record<Budget, RateLimiterAbstract>;

  return {
    async consume(key, fields) {
      const spend = new Map<Budget, number>([['mutation', fields.length]]);
      for (const field of fields) {
        if (field === 'sendChatMessage' || field === 'submitAssessment') spend.set(field, (spend.get(field) ?? 0) + 1);
      }
      for (const [budget, points] of spend) {
        try {
          await limiters[budget].consume(key, points);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          throw withRetryAfter(new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
        }
      }
    },
    async ready() {
      if (!redis || redis.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const settle = () => {
          redis.off('ready', settle).off('error', settle);
          resolve();
        };
        redis.on('ready', settle).on('error', settle);
      });
    },
    async close() {
      redis?.disconnect();
    },
  };
}

function connectRedis(url: string, logger: Logger): Redis {
  // No offline queue: while Redis is away a consume fails at once and the in-memory insurance answers.
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let healthy = true;
  redis.on('error', (error: Error) => {
    if (healthy) logger.warn({ err: error }, 'rate limits: Redis unavailable, counting in memory per instance');
    healthy = false;
  });
  redis.on('ready', () => {
    if (!healthy) logger.info('rate limits: Redis is back');
    healthy = true;
  });
  return redis;
}

/** The root fields an operation selects, once per occurrence (aliases count), through fragments. */
function rootFieldNames(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const names: string[] = [];
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return names.filter((name) => name !== '__typename');
}

/**
 * Spends the budget of a mutation once Apollo has resolved the operation and before any resolver runs: the
 * whole operation is refused (429, Retry-After) without touching the schema's resolvers.
 */
export function rateLimitPlugin(limiter: MutationRateLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const key = contextValue.viewer
            ? `user:${contextValue.viewer.id}`
            : `address:${contextValue.scope.clientAddress ?? 'unknown'}`;
          await limiter.consume(key, rootFieldNames(operation, document));
        },
      };
    },
  };
}
