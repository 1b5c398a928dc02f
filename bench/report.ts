import { isDeepStrictEqual } from 'node:util';
import type { ExplainedStatement } from './explain.js';
import type { LatencyMs } from './load.js';
import type { ProfileSummary } from './profile.js';
import type { CacheResult, FanoutResult, ScenarioResult } from './scenarios.js';
import type { TargetName } from './targets.js';

/** The report: what ran, on what, with which settings, and the numbers; printed as a table and saved as JSON. */

export interface TargetReport {
  target: TargetName;
  /** Medians over the runs (each metric on its own). */
  requestsPerSecond: number;
  latencyMs: LatencyMs;
  /** Over all runs: connection errors + non-2xx + responses with GraphQL errors. */
  errors: number;
  firstError: string | null;
  /** Counted at the PostgreSQL wire by the probe (sequential requests through the counting proxy). */
  statementsPerRequest: number | null;
  /** Each distinct statement of the probe and how often it ran per request. */
  statements: { sql: string; perRequest: number }[];
  /** Peak resident set size of the server process during the runs. */
  rssMb: number | null;
  /**
   * Median CPU time (user + system) the server process spent per request: less sensitive than req/s to what
   * else the machine runs, so the figure to compare in an A/B on a busy machine. Null where unmeasured.
   */
  cpuMsPerRequest: number | null;
  fanout?: FanoutResult;
  /** Summed over the runs (scenario 6). */
  cache?: CacheResult;
  runs: (ScenarioResult & { rssMb: number | null; cpuMsPerRequest: number | null })[];
}

export interface ScenarioReport {
  id: number;
  name: string;
  description: string;
  status: 'ran' | 'skipped';
  /** Why a scenario was skipped (the schema lacks what it asks for). */
  reason?: string;
  targets: TargetReport[];
  /**
   * The project's medians over each other target's: req/s (above 1: the project serves more) and p99
   * latency (below 1: the project answers sooner). Null where a median is 0.
   */
  ratios?: Partial<Record<TargetName, ProjectRatios>>;
  /** Whether each baseline answered the sample request with the project's JSON; else the first difference. */
  sameJsonAsProject?: Partial<Record<TargetName, true | string>>;
}

export interface ProjectRatios {
  requestsPerSecond: number | null;
  p99: number | null;
  cpuMsPerRequest: number | null;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  commit: string;
  /** Uncommitted changes in the working tree when the bench ran. */
  dirty: boolean;
  machine: { os: string; cpus: number; cpuModel: string; memoryMb: number; node: string; loadAverage: number[] };
  settings: Record<string, unknown>;
  /** What each target that ran is. */
  targets: Partial<Record<TargetName, string>>;
  dataset: { name: string; sizes: Record<string, number>; generated: boolean };
  /** project@scale's (--against-scale). */
  againstDataset?: { name: string; sizes: Record<string, number>; generated: boolean };
  scenarios: ScenarioReport[];
  profile?: ProfileSummary;
  explain?: Record<number, ExplainedStatement[]>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each percentile's median over runs. */
function medianLatency(latencies: LatencyMs[]): LatencyMs {
  return {
    p50: median(latencies.map((l) => l.p50)),
    p95: median(latencies.map((l) => l.p95)),
    p99: median(latencies.map((l) => l.p99)),
  };
}

function medianFanout(fanouts: FanoutResult[]): FanoutResult {
  const paced = fanouts.map((f) => f.paced).filter((p) => p !== null);
  return {
    sockets: fanouts[0]!.sockets,
    paced: paced.length
      ? {
          messagesPerSecond: median(paced.map((p) => p.messagesPerSecond)),
          sendToReceiveMs: medianLatency(paced.map((p) => p.sendToReceiveMs)),
        }
      : null,
    saturated: {
      deliveriesPerSecond: median(fanouts.map((f) => f.saturated.deliveriesPerSecond)),
      sendToReceiveMs: medianLatency(fanouts.map((f) => f.saturated.sendToReceiveMs)),
    },
    replies: (() => {
      const answered = fanouts.map((f) => f.replies).filter((r) => r !== null);
      return answered.length
        ? {
            firstDraftMs: answered[0]!.firstDraftMs && medianLatency(answered.map((r) => r.firstDraftMs!)),
            replyMs: medianLatency(answered.map((r) => r.replyMs)),
          }
        : null;
    })(),
    undelivered: fanouts.reduce((sum, f) => sum + f.undelivered, 0),
    unanswered: fanouts.reduce((sum, f) => sum + f.unanswered, 0),
    socketErrors: fanouts.reduce((sum, f) => sum + f.socketErrors, 0),
  };
}

export function summarizeRuns(
  target: TargetName,
  runs: TargetReport['runs'],
  probe: { statementsPerRequest: number | null; statements: TargetReport['statements'] },
): TargetReport {
  const fanouts = runs.map((run) => run.fanout).filter((fanout) => fanout !== undefined);
  const caches = runs.map((run) => run.cache).filter((cache) => cache !== undefined);
  const sum = (field: keyof CacheResult) => caches.reduce((total, cache) => total + cache[field], 0);
  const peaks = runs.map((run) => run.rssMb).filter((rss) => rss !== null);
  const cpuTimes = runs.map((run) => run.cpuMsPerRequest).filter((cpu) => cpu !== null);
  return {
    target,
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    latencyMs: medianLatency(runs.map((run) => run.latencyMs)),
    errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx + run.graphqlErrors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
    ...probe,
    rssMb: peaks.length ? Math.max(...peaks) : null,
    cpuMsPerRequest: cpuTimes.length ? Math.round(median(cpuTimes) * 100) / 100 : null,
    ...(fanouts.length ? { fanout: medianFanout(fanouts) } : {}),
    ...(caches.length
      ? {
          cache: {
            adminEdits: sum('adminEdits'),
            cachedReads: sum('cachedReads'),
            builtReads: sum('builtReads'),
            staleReads: sum('staleReads'),
          },
        }
      : {}),
    runs,
  };
}

/**
 * The project's figures over each other target's, as the median of the rounds' ratios: run i of every target
 * ran in the same round (they interleave), so a burst of load from elsewhere on the machine, which moves every
 * figure of its round, cancels out of that round's ratio where it would not out of a ratio of medians.
 */
export function ratios(targets: TargetReport[]): ScenarioReport['ratios'] {
  const project = targets.find((t) => t.target === 'project');
  if (!project) return {};
  const medianRatio = (other: TargetReport, figure: (run: TargetReport['runs'][number]) => number | null) => {
    const rounds = project.runs.flatMap((run, round) => {
      const mine = figure(run);
      const theirs = other.runs[round] ? figure(other.runs[round]) : null;
      return mine !== null && theirs ? [mine / theirs] : [];
    });
    return rounds.length ? Math.round(median(rounds) * 100) / 100 : null;
  };
  return Object.fromEntries(
    targets
      .filter((other) => other !== project)
      .map((other) => [
        other.target,
        {
          requestsPerSecond: medianRatio(other, (run) => run.requestsPerSecond),
          p99: medianRatio(other, (run) => run.latencyMs.p99),
          cpuMsPerRequest: medianRatio(other, (run) => run.cpuMsPerRequest),
        },
      ]),
  );
}

/** The first place where two JSON values differ, as a path with both values; null when they are equal. */
export function firstDifference(expected: unknown, actual: unknown, at = '$'): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (typeof expected === 'object' && typeof actual === 'object' && expected !== null && actual !== null) {
    if (Array.isArray(expected) !== Array.isArray(actual)) return `${at}: array vs object`;
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    if (!Array.isArray(expected) && Object.keys(expected).join() !== Object.keys(actual).join()) {
      const missing = keys.filter((key) => !(key in expected) || !(key in actual));
      if (missing.length) return `${at}: keys differ (${missing.join(', ')})`;
    }
    for (const key of keys) {
      const difference = firstDifference(
        (expected as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        `${at}.${key}`,
      );
      if (difference) return difference;
    }
  }
  return `${at}: ${JSON.stringify(expected)?.slice(0, 120)} vs ${JSON.stringify(actual)?.slice(0, 120)}`;
}

const pad = (value: string, width: number) => (value.length >= width ? value : value.padStart(width));
const fixed = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

/** The table for humans; the JSON has everything else. */
export function formatTable(report: BenchReport): string {
  const header = [
    'scenario',
    'target',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'stmts/req',
    'RSS MB',
    'CPU ms/req',
    'x req/s',
    'x p99',
    'x CPU',
  ];
  const widths = [22, 16, 8, 8, 8, 8, 7, 10, 7, 11, 8, 7, 7];
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : pad(cell, widths[i]!))).join(' ');
  const lines = [line(header), '-'.repeat(widths.reduce((a, b) => a + b + 1, 0))];
  for (const scenario of report.scenarios) {
    const title = `${scenario.id} ${scenario.name}`.slice(0, widths[0]);
    if (scenario.status === 'skipped') {
      lines.push(`${title.padEnd(widths[0]!)} skipped: ${scenario.reason}`);
      continue;
    }
    scenario.targets.forEach((row, index) => {
      const ratio = (value: number | null | undefined) => (value ? `${value.toFixed(2)}x` : '');
      lines.push(
        line([
          index === 0 ? title : '',
          row.target,
          String(row.requestsPerSecond),
          fixed(row.latencyMs.p50),
          fixed(row.latencyMs.p95),
          fixed(row.latencyMs.p99),
          String(row.errors),
          fixed(row.statementsPerRequest),
          row.rssMb === null ? '-' : String(row.rssMb),
          fixed(row.cpuMsPerRequest, 2),
          ratio(scenario.ratios?.[row.target]?.requestsPerSecond),
          ratio(scenario.ratios?.[row.target]?.p99),
          ratio(scenario.ratios?.[row.target]?.cpuMsPerRequest),
        ]),
      );
      if (row.fanout) {
        const { sockets, paced, saturated, replies, undelivered, unanswered, socketErrors } = row.fanout;
        const latency = ({ p50, p95, p99 }: LatencyMs) =>
          `p50 ${fixed(p50)} / p95 ${fixed(p95)} / p99 ${fixed(p99)} ms`;
        const indent = ''.padEnd(widths[0]! + widths[1]! + 2);
        lines.push(`${indent}${sockets} sockets, send->receive:`);
        if (paced) lines.push(`${indent}  at ${paced.messagesPerSecond} messages/s: ${latency(paced.sendToReceiveMs)}`);
        if (paced && replies) {
          if (replies.firstDraftMs) {
            lines.push(`${indent}  at that rate, send->first draft: ${latency(replies.firstDraftMs)}`);
          }
          lines.push(`${indent}  at that rate, send->reply:       ${latency(replies.replyMs)}`);
        }
        lines.push(
          `${indent}  saturated: ${saturated.deliveriesPerSecond} deliveries/s, ${latency(saturated.sendToReceiveMs)}`,
        );
        lines.push(`${indent}  ${undelivered} undelivered, ${unanswered} unanswered, ${socketErrors} socket errors`);
      }
      if (row.cache) {
        const { adminEdits, cachedReads, builtReads, staleReads } = row.cache;
        lines.push(
          `${''.padEnd(widths[0]! + widths[1]! + 2)}${adminEdits} admin edits; reads: ${cachedReads} from the cache, ` +
            `${builtReads} built, ${staleReads} stale after an edit`,
        );
      }
      if (row.firstError)
        lines.push(`${''.padEnd(widths[0]! + widths[1]! + 2)}first error: ${row.firstError.slice(0, 160)}`);
    });
    for (const [target, same] of Object.entries(scenario.sameJsonAsProject ?? {})) {
      if (same !== true)
        lines.push(`${''.padEnd(widths[0]! + widths[1]! + 2)}${target} JSON differs from the project: ${same}`);
    }
  }
  lines.push(
    '',
    "x req/s, x p99, x CPU: the median over the rounds of the project's figure over that target's in the same round",
    '(req/s above 1x, p99 and CPU below 1x favour the project); CPU ms/req: user + system time of the server process',
    'per request',
    ...Object.entries(report.targets).map(([name, what]) => `${name.padEnd(widths[1]!)} ${what}`),
  );
  return lines.join('\n');
}
