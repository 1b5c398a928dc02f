import autocannon from 'autocannon';

/**
 * HTTP load, in this process (the servers run in their own): autocannon for as fast as the connections go,
 * and an open-loop sender (node's fetch, keep-alive) for a fixed rate.
 */

export interface LoadSettings {
  url: string;
  connections: number;
  /** Seconds to run; ignored when `amount` is given. */
  duration?: number;
  /** Exactly this many requests (the statement probe, warm-ups and --quick runs). */
  amount?: number;
  requests: autocannon.Request[];
}

export interface PacedSettings {
  url: string;
  /** Requests started per second, one every 1000/rate ms, whether or not earlier ones have answered. */
  rate: number;
  /** Seconds to send for; ignored when `amount` is given. */
  duration?: number;
  amount?: number;
  requests: autocannon.Request[];
}

export interface LatencyMs {
  p50: number;
  p95: number;
  p99: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: LatencyMs;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  /** The first failed response body (truncated), to say why without rerunning. */
  firstError: string | null;
}

/** As autocannon's default: a request without a response after this long counts as an error. */
export const TIMEOUT_MS = 10_000;

/** Nearest-rank percentiles of an unsorted sample; zeros for an empty one. */
export function percentiles(sample: number[]): LatencyMs {
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
}

/** Counts failed responses (non-2xx, GraphQL errors) and keeps the first, for both load generators. */
function responseCounter() {
  const counts = { non2xx: 0, graphqlErrors: 0, firstError: null as string | null };
  return {
    counts,
    record(status: number, body: string) {
      const failed = status >= 300 || body.includes('"errors":');
      if (status >= 300) counts.non2xx += 1;
      else if (failed) counts.graphqlErrors += 1;
      if (failed) counts.firstError ??= `${status} ${body.slice(0, 300)}`;
    },
  };
}

function result(
  latencies: number[],
  seconds: number,
  errors: number,
  counts: ReturnType<typeof responseCounter>['counts'],
): LoadResult {
  return {
    requests: latencies.length,
    seconds: Math.round(seconds * 100) / 100,
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: percentiles(latencies),
    errors,
    ...counts,
  };
}

/** As fast as `connections` keep-alive connections go, each sending its next request when answered. */
export async function runLoad(settings: LoadSettings): Promise<LoadResult> {
  const counter = responseCounter();
  const requests = settings.requests.map((request) => ({
    ...request,
    onResponse(status: number, body: string, context: object, headers: autocannon.Request['headers']) {
      counter.record(status, body);
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  }));
  const latencies: number[] = [];
  const started = performance.now();
  const done = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: settings.url,
        method: 'POST',
        connections: settings.connections,
        timeout: TIMEOUT_MS / 1000,
        // autocannon notices the end of a run (duration or amount) only at a sample tick: 1 s by default.
        sampleInt: 100,
        ...(settings.amount ? { amount: settings.amount } : { duration: settings.duration ?? 10 }),
        requests,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  // autocannon's `errors` already include its `timeouts`.
  return result(latencies, (performance.now() - started) / 1000, done.errors, counter.counts);
}

/**
 * Open-loop load at a steady rate: request i starts at i * 1000/rate ms, round-robin over `requests`, each
 * on node's fetch (undici, keep-alive; it opens connections as the requests in flight need them), and its
 * latency runs from its send to its full response. Each round through `requests` gets a fresh context
 * object, as autocannon gives each connection one; since a request does not wait for the one before it,
 * a request must not read what an earlier response wrote into the context.
 */
export async function runPaced(settings: PacedSettings): Promise<LoadResult> {
  const counter = responseCounter();
  const latencies: number[] = [];
  let errors = 0;
  const total = settings.amount ?? Math.max(1, Math.round((settings.duration ?? 10) * settings.rate));
  const interval = 1000 / settings.rate;
  const send = async (request: autocannon.Request, context: object) => {
    const base: autocannon.Request = {
      method: request.method ?? 'POST',
      path: request.path ?? new URL(settings.url).pathname,
      headers: request.headers,
      body: request.body,
    };
    const built = typeof request.setupRequest === 'function' ? request.setupRequest(base, context) : base;
    const sent = performance.now();
    try {
      const response = await fetch(new URL(built.path ?? '/', settings.url), {
        method: built.method ?? 'POST',
        headers: built.headers as Record<string, string> | undefined,
        body: built.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await response.text();
      latencies.push(performance.now() - sent);
      counter.record(response.status, body);
      if (typeof request.onResponse === 'function')
        request.onResponse(response.status, body, context, Object.fromEntries(response.headers));
    } catch {
      errors += 1;
    }
  };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let context: object = {};
  for (let i = 0; i < total; i += 1) {
    const wait = started + i * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (i % settings.requests.length === 0) context = {};
    inFlight.push(send(settings.requests[i % settings.requests.length]!, context));
  }
  await Promise.all(inFlight);
  return result(latencies, (performance.now() - started) / 1000, errors, counter.counts);
}
