import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Self time of a V8 CPU profile (node --cpu-prof), by function and by package, over chosen time windows. */

/** Now on the monotonic clock, in microseconds: the clock of a V8 CPU profile's timestamps, in any process. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A time span on the monotonic clock (monotonicUs). */
export interface Window {
  fromUs: number;
  toUs: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Of the busy (non-idle) time in the window. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  functions: ProfileEntry[];
  packages: ProfileEntry[];
}

/** Where a frame's code comes from: an npm package, a project folder, node itself or V8. */
function packageOf(url: string, root: string): string {
  if (!url) return '(v8/native)';
  if (url.startsWith('node:')) return 'node:internal';
  const file = url.replace(/^file:\/\//, '');
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (inModules) return inModules[1]!;
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative.split(path.sep).slice(0, 2).join('/');
}

function top(totals: Map<string, number>, busyUs: number, count: number): ProfileEntry[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 1000),
      percent: Math.round((us / busyUs) * 1000) / 10,
    }));
}

/**
 * Summarises the samples taken within `windows` (the runner's measured runs, timed with monotonicUs: V8
 * stamps samples with the same monotonic clock as process.hrtime), so start-up, the probe and warm-ups do
 * not count.
 */
export async function summarizeProfile(
  file: string,
  root: string,
  windows: Window[],
  count = 25,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (!windows.some((window) => time >= window.fromUs && time <= window.toUs)) return;
    const frame = frames.get(id)!;
    if (frame.functionName === '(idle)') {
      idle += delta;
      return;
    }
    busy += delta;
    const where = frame.url
      ? ` ${path.relative(root, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`
      : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + delta);
    const pkg = packageOf(frame.url, root);
    packages.set(pkg, (packages.get(pkg) ?? 0) + delta);
  });
  return {
    file,
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    functions: top(functions, busy, count),
    packages: top(packages, busy, 15),
  };
}
