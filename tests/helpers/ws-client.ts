import WebSocket from 'ws';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** A promise settled from outside: tests wait on the event they expect instead of sleeping. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A deferred nobody awaits must not fail the run as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface SocketClose {
  code: number;
  reason: string;
}

export interface TestSocket {
  client: Client;
  /** The WebSocket the client opened last (it connects on the first subscribe). */
  socket(): WebSocket;
  /** Resolves with the code and reason of the first close of the client's socket. */
  closed: Promise<SocketClose>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client over the `ws` package that sends `token` as connectionParams.authorization and never
 * retries, so that a refusal reaches the test instead of a reconnect loop.
 */
export function connectSocket(url: string, token?: string | null): TestSocket {
  const sockets: WebSocket[] = [];
  const closed = deferred<SocketClose>();
  class TrackedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
    }
  }
  const client = createClient({
    url,
    webSocketImpl: TrackedWebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        closed.resolve({ code, reason: String(reason) });
      },
    },
  });
  return {
    client,
    socket() {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('the client has not opened a socket yet');
      return socket;
    },
    closed: closed.promise,
    dispose: () => client.dispose() as Promise<void>,
  };
}

export interface Subscription<TData> {
  /** Every `next` payload so far, in arrival order. */
  results: ExecutionResult<TData>[];
  /** Resolves once `count` payloads have arrived; rejects when the subscription ends before. */
  take(count: number): Promise<ExecutionResult<TData>[]>;
  /** Resolves when the server completes the subscription; rejects with what the client reported as error. */
  ended: Promise<void>;
  unsubscribe(): void;
}

/**
 * Why a subscription that completed did not bring what was awaited. A subscribe whose resolver fails (the
 * database away, say) also completes, after one result that carries the errors: they are quoted, so that such a
 * run says so.
 */
function completedEarly(results: ExecutionResult<unknown>[], count: number): string {
  const errors = results.flatMap((result) => result.errors ?? []);
  return (
    `the subscription completed after ${results.length} of ${count} results` +
    (errors.length > 0 ? `, with errors: ${JSON.stringify(errors)}` : '')
  );
}

/** Subscribes with a typed operation and collects what arrives. */
export function subscribe<TData, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Subscription<TData> {
  const results: ExecutionResult<TData>[] = [];
  const ended = deferred<void>();
  const waiters: { count: number; done: Deferred<ExecutionResult<TData>[]> }[] = [];
  let outcome: { error?: unknown } | undefined;

  const settleWaiters = () => {
    for (const waiter of [...waiters]) {
      if (results.length >= waiter.count) waiter.done.resolve(results.slice(0, waiter.count));
      else if (outcome) {
        waiter.done.reject(outcome.error ?? new Error(completedEarly(results, waiter.count)));
      } else continue;
      waiters.splice(waiters.indexOf(waiter), 1);
    }
  };

  const unsubscribe = client.subscribe<TData>(
    { query: print(document), variables },
    {
      next(result) {
        results.push(result as ExecutionResult<TData>);
        settleWaiters();
      },
      error(error) {
        outcome = { error };
        ended.reject(error);
        settleWaiters();
      },
      complete() {
        outcome ??= {};
        ended.resolve();
        settleWaiters();
      },
    },
  );

  return {
    results,
    take(count) {
      const waiter = { count, done: deferred<ExecutionResult<TData>[]>() };
      waiters.push(waiter);
      settleWaiters();
      return waiter.done.promise;
    },
    ended: ended.promise,
    unsubscribe,
  };
}
