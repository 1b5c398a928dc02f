import type pg from 'pg';
import type { PoolObserver } from '../db/observe.js';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PubSub } from '../pubsub.js';

/** The graphql-ws context part metrics read at scrape time: the socket's running subscriptions. */
export interface SocketContext {
  subscriptions: Record<string, unknown>;
}

/** What the server holds open: database connections, pub/sub traffic, WebSockets and their subscriptions. */
export interface ResourceMetrics {
  /**
   * Pool size and waiting clients of the database pool, read at scrape time; the observer counts its waits and
   * connection errors (give it to Database.observe).
   */
  observePool(pool: pg.Pool): PoolObserver;
  /** The same PubSub, counting the events it publishes and delivers to this instance's listeners. */
  observePubSub(pubsub: PubSub): PubSub;
  /** A WebSocket past connection_init, until `forgetSocket`. */
  observeSocket(context: SocketContext): void;
  forgetSocket(context: SocketContext): void;
}

export function createResourceMetrics(registry: Registry): ResourceMetrics {
  const registers = [registry];

  const pools = new Set<pg.Pool>();
  const poolSum = (read: (pool: pg.Pool) => number) => [...pools].reduce((sum, pool) => sum + read(pool), 0);
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections the database pool holds, by state',
    labelNames: ['state'],
    registers,
    collect() {
      this.set(
        { state: 'idle' },
        poolSum((pool) => pool.idleCount),
      );
      this.set(
        { state: 'busy' },
        poolSum((pool) => pool.totalCount - pool.idleCount),
      );
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'The size the database pool may grow to (DATABASE_POOL_SIZE)',
    registers,
    collect() {
      this.set(poolSum((pool) => pool.options.max ?? 10));
    },
  });
  new Gauge({
    name: 'db_pool_waiting_clients',
    help: 'Queries waiting for a free database connection',
    registers,
    collect() {
      this.set(poolSum((pool) => pool.waitingCount));
    },
  });
  const poolWaits = new Counter({
    name: 'db_pool_waits_total',
    help: 'Connection requests that found the pool exhausted and had to wait',
    registers,
  });
  const poolErrors = new Counter({
    name: 'db_pool_errors_total',
    help: 'Database pool errors: connect (no connection within the timeout, or the server refused), idle (an idle connection lost)',
    labelNames: ['kind'],
    registers,
  });

  const sockets = new Set<SocketContext>();
  new Gauge({
    name: 'websocket_connections',
    help: 'Open graphql-ws sockets past connection_init',
    registers,
    collect() {
      this.set(sockets.size);
    },
  });
  new Gauge({
    name: 'websocket_subscriptions',
    help: 'Running subscriptions over all sockets',
    registers,
    collect() {
      let count = 0;
      for (const socket of sockets) count += Object.keys(socket.subscriptions).length;
      this.set(count);
    },
  });

  const published = new Counter({
    name: 'pubsub_events_published_total',
    help: 'Events this instance published (chat messages, session ends)',
    registers,
  });
  const delivered = new Counter({
    name: 'pubsub_events_delivered_total',
    help: "Events delivered to this instance's listeners (one per listening subscription)",
    registers,
  });

  return {
    observePool(pool) {
      pools.add(pool);
      return {
        connectionAwaited: () => poolWaits.inc(),
        connectionFailed: () => poolErrors.inc({ kind: 'connect' }),
        idleConnectionLost: () => poolErrors.inc({ kind: 'idle' }),
      };
    },
    observePubSub(pubsub) {
      return {
        publish: async (topic, payload) => {
          published.inc();
          await pubsub.publish(topic, payload);
        },
        subscribe: (topic, listener, signal) =>
          pubsub.subscribe(
            topic,
            (payload) => {
              delivered.inc();
              listener(payload);
            },
            signal,
          ),
        isHealthy: () => pubsub.isHealthy(),
        close: () => pubsub.close(),
      };
    },
    observeSocket: (context) => void sockets.add(context),
    forgetSocket: (context) => void sockets.delete(context),
  };
}
