import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestScope } from '../request-scope.js';

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

/** One attempt at a character reply (a job of the reply queue) as this instance's worker reports it. */
export interface ReplyTracker {
  /** Now waiting on the responder (the offline coach or the provider). */
  running(): void;
  settled(outcome: ReplyOutcome): void;
}

/** Starts tracking an attempt once a worker has taken its job, queued (reading the history) until `running`. */
export type ReplyObserver = () => ReplyTracker;

/** The work the server does: GraphQL requests over HTTP, rate-limit refusals and character replies. */
export interface RequestMetrics {
  /** Counts one HTTP request to /graphql when its response has gone out (operation and codes from the scope). */
  observeRequest(response: ServerResponse, scope: RequestScope): void;
  replies: ReplyObserver;
}

export function createRequestMetrics(registry: Registry): RequestMetrics {
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

  const repliesInState = new Gauge({
    name: 'chat_replies',
    help: 'Character replies this instance is writing: queued (taken from the queue, reading the session), running (waiting on the responder)',
    labelNames: ['state'],
    registers,
  });
  const repliesSettled = new Counter({
    name: 'chat_replies_settled_total',
    help: 'Attempts at character replies on this instance, by outcome: written; failed (the responder failed: retried, or the SYSTEM message after the last attempt); skipped (the session had ended, or the question was answered already)',
    labelNames: ['outcome'],
    registers,
  });
  for (const state of ['queued', 'running']) repliesInState.set({ state }, 0);
  for (const outcome of ['written', 'failed', 'skipped']) repliesSettled.inc({ outcome }, 0);
  rateLimited.inc({ transport: 'http' }, 0);

  return {
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
  };
}
