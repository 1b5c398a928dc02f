import { randomUUID } from 'node:crypto';
import { ErrorsAreMissesCache, InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';

/**
 * The caches behind persisted queries and the response cache: one Redis (through Apollo's Keyv adapter) that
 * every instance shares when REDIS_URL is set, so that a hash registered on one instance is answered by all
 * and an admin edit invalidates every instance's responses; bounded in-memory LRUs otherwise.
 */
export interface GraphQLCaches {
  /** Automatic persisted queries: hash -> document (Apollo adds its `apq:` prefix). */
  persistedQueries: KeyValueCache<string>;
  /** Whole responses of public reads (the response-cache plugin adds its `fqc:` prefix). */
  responses: KeyValueCache<string>;
  /**
   * The current generation of public reads, part of every response-cache key: invalidate() starts a new one,
   * so every response cached before it is unreachable at once, on every instance (and expires by its TTL).
   */
  publicReadsGeneration(): Promise<string>;
  invalidatePublicReads(): Promise<void>;
  close(): Promise<void>;
}

const GENERATION_KEY = 'public-reads-generation';

/**
 * Apollo's KeyValueCache over Redis: one connection and one Keyv namespace for both caches (Apollo's own
 * prefixes, `apq:` and `fqc:`, keep them apart). Failures are misses (logged): a cache that is down must
 * cost a database read, not the request.
 */
async function redisCache(url: string, namespace: string, logger: Logger) {
  // Loaded only with REDIS_URL (node-redis alone takes a noticeable part of a start), one after the other:
  // jest's ESM loader fails concurrent imports of modules that share a dependency (keyv's serializer).
  const { default: KeyvRedis, defaultReconnectStrategy } = await import('@keyv/redis');
  const { default: Keyv } = await import('keyv');
  const { KeyvAdapter } = await import('@apollo/utils.keyvadapter');
  const store = new KeyvRedis<string>(
    // Without the offline queue a command fails at once while Redis is away (a miss) instead of waiting for
    // the reconnection with the request behind it.
    { url, disableOfflineQueue: true, socket: { reconnectStrategy: defaultReconnectStrategy } },
    { namespace, throwOnConnectError: false, throwOnErrors: false },
  );
  const keyv = new Keyv<string>({ store, namespace, useKeyPrefix: false });
  keyv.on('error', (error: unknown) => logger.warn({ err: error }, 'redis cache error'));
  // Connected now, not on the first request: a first request during an outage would wait for the connection.
  // (Its failures are the store's error events.)
  void store.getClient();
  // KeyvAdapter's types import keyv's CommonJS declarations, this module its ESM ones: the same class.
  const adapter = new KeyvAdapter(keyv as unknown as ConstructorParameters<typeof KeyvAdapter<string>>[0]);
  return {
    cache: new ErrorsAreMissesCache(adapter, logger),
    // At once, without waiting for a connection that may never come (Redis away): nothing is left to flush,
    // every write was awaited or is a cache entry that may be lost.
    close: () => store.disconnect(true),
  };
}

export async function createGraphQLCaches(config: Config, logger: Logger): Promise<GraphQLCaches> {
  if (!config.REDIS_URL) {
    let generation = 0;
    return {
      persistedQueries: new InMemoryLRUCache<string>({
        maxSize: config.APQ_CACHE_MAX_BYTES,
        sizeCalculation: InMemoryLRUCache.sizeCalculation,
      }),
      responses: new InMemoryLRUCache<string>({
        maxSize: config.RESPONSE_CACHE_MAX_BYTES,
        sizeCalculation: InMemoryLRUCache.sizeCalculation,
      }),
      publicReadsGeneration: async () => String(generation),
      invalidatePublicReads: async () => {
        generation += 1;
      },
      close: async () => undefined,
    };
  }
  const redis = await redisCache(config.REDIS_URL, `${config.REDIS_KEY_PREFIX}graphql`, logger);
  return {
    persistedQueries: redis.cache,
    responses: redis.cache,
    // Unset (a new Redis): generation "0", the same on every instance.
    publicReadsGeneration: async () => (await redis.cache.get(GENERATION_KEY)) ?? '0',
    // Kept a day, far longer than any cached response lives (max-age): once it has expired, "0" again
    // can reach no response of an earlier "0".
    invalidatePublicReads: () => redis.cache.set(GENERATION_KEY, randomUUID(), { ttl: 86_400 }),
    close: redis.close,
  };
}
