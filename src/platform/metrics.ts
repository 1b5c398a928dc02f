import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PubSub } from './pubsub.js';
import type { RequestScope } from './request-scope.js';

export const METRICS_PATH = '/metrics';
/**
 * Distinct operation names that get their own series; later names count as "other". Operation names are
 * chosen by clients, so without a cap a client inventing a name per request would grow the registry (and
 * every scrape) without bound.
 */
export const MAX_OPERATION_NAMES = 100;
export const OTHER_OPERATION = 'other';

/**
 * How a character reply ends: its answer written; failed (the responder failed and a SYSTEM message says so,
 * or nothing could be written); skipped (the session had ended).
 */
export type ReplyOutcome = 'written' | 'failed' | 'skipped';

/** One character reply as the chat reply worker reports it (replies are in-process promises). */
export interface ReplyTracker {
  /** Now waiting on the responder (the offline coach or the provider). */
  running(): void;
  settled(outcome: ReplyOutcome): void;
}

/** Starts tracking a reply, queued (reading the session and its history) until `running`. */
export type ReplyObserver = () => ReplyTracker;

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, release: () => void) => void;

/** The graphql-ws context part metrics read at scrape time: the socket's running subscriptions. */
interface SocketContext {
  subscriptions: Record<string, unknown>;
}

export interface Metrics {
  registry: Registry;
  /** Counts one HTTP request to /graphql when its response has gone out (operation and codes from the scope). */
  observeRequest(response: ServerResponse, scope: RequestScope): void;
  /** Pool size, waiting clients and connection errors of the database pool. */
  observePool(pool: pg.Pool): void;
  /** The same PubSub, counting the events it publishes and delivers to this instance's listeners. */
  observePubSub(pubsub: PubSub): PubSub;
  /** A WebSocket past connection_init, until `forgetSocket`. */
  observeSocket(context: SocketContext): void;
  forgetSocket(context: SocketContext): void;
  replies: ReplyObserver;
  /** Answers GET /metrics in the Prometheus text format. */
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
}

/** One registry per app (tests run several apps in one process), with Node's default process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const operationNames = new Set<string>();
  const boundedName = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (operationNames.has(name)) return name;
    if (operationNames.size >= MAX_OPERATION_NAMES) return OTHER_OPERATION;
    operationNames.add(name);
    return name;
  };

  const requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'HTTP GraphQL requests by operation name, operation type and outcome (the first error code, or OK); _count is the request count',
    labelNames: ['operation', 'type', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const inFlight = new Gauge({
    name: 'graphql_requests_in_flight',
    help: 'HTTP GraphQL requests received whose response has not gone out yet',
    registers,
  });
  const rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Operations refused with RATE_LIMITED, by transport',
    labelNames: ['transport'],
    registers,
  });

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

  const repliesInState = new Gauge({
    name: 'chat_replies',
    help: 'Character replies in progress: queued (reading the session), running (waiting on the responder)',
    labelNames: ['state'],
    registers,
  });
  const repliesSettled = new Counter({
    name: 'chat_replies_settled_total',
    help: 'Character replies settled, by outcome: written; failed (the responder failed, or nothing could be written); skipped (the session had ended)',
    labelNames: ['outcome'],
    registers,
  });
  for (const state of ['queued', 'running']) repliesInState.set({ state }, 0);
  for (const outcome of ['written', 'failed', 'skipped']) repliesSettled.inc({ outcome }, 0);
  rateLimited.inc({ transport: 'http' }, 0);

  return {
    registry,
    observeRequest(response, scope) {
      inFlight.inc();
      const stopTimer = requestDuration.startTimer();
      let done = false;
      // 'finish' as the last byte is handed to the socket (before the client can have read it, so a scrape
      // right after a response counts it); 'close' for a client that went away first.
      const record = () => {
        if (done) return;
        done = true;
        inFlight.dec();
        const code = scope.errorCodes?.[0] ?? (response.statusCode < 400 ? 'OK' : `HTTP_${response.statusCode}`);
        stopTimer({
          operation: scope.operation ? boundedName(scope.operation.name) : 'none',
          type: scope.operation?.type ?? 'none',
          code,
        });
        if (scope.errorCodes?.includes('RATE_LIMITED')) rateLimited.inc({ transport: 'http' });
      };
      response.once('finish', record);
      response.once('close', record);
    },
    observePool(pool) {
      pools.add(pool);
      pool.on('error', () => poolErrors.inc({ kind: 'idle' }));
      // pg.Pool has no event for a connect that waits or fails; every query comes through connect (pool.query
      // with a callback, Prisma's adapter without one).
      const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => Promise<pg.PoolClient> | undefined;
      pool.connect = ((callback?: ConnectCallback) => {
        if (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10)) poolWaits.inc();
        if (callback) {
          return connect((error, client, release) => {
            if (error) poolErrors.inc({ kind: 'connect' });
            callback(error, client, release);
          });
        }
        return connect()!.catch((error: unknown) => {
          poolErrors.inc({ kind: 'connect' });
          throw error;
        });
      }) as typeof pool.connect;
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
    replies() {
      let state: 'queued' | 'running' | 'settled' = 'queued';
      repliesInState.inc({ state });
      const leave = () => void repliesInState.dec({ state });
      return {
        running() {
          leave();
          state = 'running';
          repliesInState.inc({ state });
        },
        settled(outcome) {
          if (state === 'settled') return;
          leave();
          state = 'settled';
          repliesSettled.inc({ outcome });
        },
      };
    },
    handleRequest(_request, response) {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    },
  };
}
