import autocannon from 'autocannon';

/** HTTP load with autocannon, in this process (the servers run in their own). */

export interface LoadSettings {
  url: string;
  connections: number;
  /** Seconds to run; ignored when `amount` is given. */
  duration?: number;
  /** Exactly this many requests (the statement probe and warm-ups). */
  amount?: number;
  /** Requests per second over all connections, for a fixed-rate mix; as fast as possible without it. */
  overallRate?: number;
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

/** Nearest-rank percentiles of an unsorted sample; zeros for an empty one. */
export function percentiles(sample: number[]): LatencyMs {
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
}

export async function runLoad(settings: LoadSettings): Promise<LoadResult> {
  let graphqlErrors = 0;
  let non2xx = 0;
  let firstError: string | null = null;
  const requests = settings.requests.map((request) => ({
    ...request,
    onResponse(status: number, body: string, context: object, headers: autocannon.Request['headers']) {
      const failed = status >= 300 || body.includes('"errors":');
      if (status >= 300) non2xx += 1;
      else if (failed) graphqlErrors += 1;
      if (failed) firstError ??= `${status} ${body.slice(0, 300)}`;
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  }));
  const latencies: number[] = [];
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: settings.url,
        method: 'POST',
        connections: settings.connections,
        // autocannon notices the end of a run (duration or amount) only at a sample tick: 1 s by default.
        sampleInt: 100,
        ...(settings.amount ? { amount: settings.amount } : { duration: settings.duration ?? 10 }),
        ...(settings.overallRate ? { overallRate: settings.overallRate } : {}),
        requests,
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    seconds: Math.round(seconds * 100) / 100,
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: percentiles(latencies),
    errors: result.errors + result.timeouts,
    non2xx,
    graphqlErrors,
    firstError,
  };
}
