import type pg from 'pg';

/**
 * What may listen to the database pool: metrics count the connection events (src/platform/metrics), tests record
 * the statements (tests/helpers/server.ts). Every hook is optional and nothing is wrapped until a hook needs it.
 */
export interface PoolObserver {
  /** A checkout found every connection busy and waits for one. */
  connectionAwaited?(): void;
  /** A checkout failed: no connection within the timeout, or the server refused. */
  connectionFailed?(): void;
  /** An idle connection lost its server (the pool replaces it). */
  idleConnectionLost?(): void;
  /**
   * Each statement sent on the pool's connections, by its SQL text. Hearing it wraps every connection's query
   * method, a cost per statement that only tests take (the bench counts at the wire instead, bench/pg-proxy.ts).
   */
  statementSent?(sql: string): void;
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, release: () => void) => void;

/** The one place that instruments a pool: `observe` adds an observer, installing the hooks it needs once. */
export function observablePool(pool: pg.Pool): { observe(observer: PoolObserver): void } {
  const observers: PoolObserver[] = [];
  const notify = (event: 'connectionAwaited' | 'connectionFailed' | 'idleConnectionLost') => {
    for (const observer of observers) observer[event]?.();
  };
  let connectionsObserved = false;
  let statementsObserved = false;

  // pg.Pool has no event for a checkout that waits or fails; every query comes through connect (pool.query with
  // a callback, Prisma's adapter without one).
  const observeConnections = () => {
    const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => Promise<pg.PoolClient> | undefined;
    pool.connect = ((callback?: ConnectCallback) => {
      if (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10)) notify('connectionAwaited');
      if (callback) {
        return connect((error, client, release) => {
          if (error) notify('connectionFailed');
          callback(error, client, release);
        });
      }
      return connect()!.catch((error: unknown) => {
        notify('connectionFailed');
        throw error;
      });
    }) as typeof pool.connect;
    pool.on('error', () => notify('idleConnectionLost'));
  };

  // Each checkout hands out a connection ('acquire'), new or idle: its query method is wrapped the first time.
  const observeStatements = () => {
    const wrapped = new WeakSet<pg.PoolClient>();
    pool.on('acquire', (client) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        const [textOrConfig] = args;
        const sql = typeof textOrConfig === 'string' ? textOrConfig : (textOrConfig as { text: string }).text;
        for (const observer of observers) observer.statementSent?.(sql);
        return query(...args);
      }) as typeof client.query;
    });
  };

  return {
    observe(observer) {
      observers.push(observer);
      if (
        !connectionsObserved &&
        (observer.connectionAwaited || observer.connectionFailed || observer.idleConnectionLost)
      ) {
        connectionsObserved = true;
        observeConnections();
      }
      if (!statementsObserved && observer.statementSent) {
        statementsObserved = true;
        observeStatements();
      }
    },
  };
}
