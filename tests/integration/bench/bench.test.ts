import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ADMIN_URL, uniqueDatabaseName } from '../../helpers/database.js';
import { dropDataset } from '../../../bench/dataset.js';
import type { BenchReport } from '../../../bench/report.js';
import { npmStartNodeFlags } from '../../../bench/targets.js';
import { npmStart } from '../../helpers/npm-start.js';

/**
 * Smoke test of `npm run bench -- --quick`: the whole harness (dataset, proxy probe, the project, its peers
 * and baselines as child processes, every scenario) on a tiny dataset, with runs of QUICK_RUN_REQUESTS
 * requests, and an A/B against a second checkout (--compare; this one again, which is what it takes to
 * prove the plumbing without installing another).
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const database = uniqueDatabaseName('dz_bench_smoke');
const againstDatabase = uniqueDatabaseName('dz_bench_smoke_against');
/** What --quick promises: each measured run makes exactly this many requests (bench/run.ts). */
const QUICK_RUN_REQUESTS = 30;
/** Scenario 1's targets, in the table's order. */
const CATALOG_TARGETS = ['project', 'project@base', 'apollo', 'jit', 'limit', 'naive'];
/** Scenario 6's: the project with its response cache, and without (the reference). */
const CACHED_CATALOG_TARGETS = ['project', 'project@base', 'project:uncached'];
/** The limit's statements per page: one, building the JSON (bench/baselines/limit.ts). */
const LIMIT_STATEMENTS = 1;

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --quick', () => {
  let directory: string | undefined;

  afterAll(async () => {
    await dropDataset(ADMIN_URL, database);
    await dropDataset(ADMIN_URL, againstDatabase);
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  // Seven servers start (the two projects each with its job queue) on a machine that may be running other
  // suites, and scenario 5 waits for every reply: the timeout allows for that (a --quick run took 190 s at load 15).
  it('measures every scenario on a tiny dataset and writes a complete report', async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'dz-bench-'));
    const out = path.join(directory, 'report.json');
    const { code, output } = await runBench([
      '--quick',
      '--warmup',
      '0.3',
      '--db',
      database,
      '--admin-url',
      ADMIN_URL,
      '--out',
      out,
      '--compare',
      ROOT,
      '--node',
      process.execPath,
    ]);
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/1 catalog page\s+project/);

    const report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(report.machine).toMatchObject({ cpus: expect.any(Number), node: process.version });
    expect(report.settings).toMatchObject({
      quick: true,
      connections: 10,
      database,
      compare: path.resolve(ROOT),
      serverNode: { path: process.execPath, version: process.version },
    });
    expect(report.dataset.sizes).toMatchObject({ courses: 40, users: 100 });
    // Every scenario ran: one the schema cannot serve yet is reported 'skipped', and fails this test.
    expect(report.scenarios.map((scenario) => [scenario.id, scenario.status, scenario.reason])).toEqual([
      [1, 'ran', undefined],
      [2, 'ran', undefined],
      [3, 'ran', undefined],
      [4, 'ran', undefined],
      [5, 'ran', undefined],
      [6, 'ran', undefined],
      [7, 'ran', undefined],
    ]);
    // Every target runs with npm start's node flags, so the ratios compare code, not V8 settings.
    const startFlags = npmStartNodeFlags();
    expect(report.settings.nodeFlags).toEqual(
      Object.fromEntries([...CATALOG_TARGETS, 'project:uncached'].map((name) => [name, startFlags])),
    );
    // And with the variables npm start sets (the allocator's arenas), besides a target's own.
    const startEnv = npmStart().env;
    const serverEnv = report.settings.serverEnv as Record<string, Record<string, string>>;
    expect(Object.keys(startEnv).length).toBeGreaterThan(0);
    for (const name of [...CATALOG_TARGETS, 'project:uncached']) {
      expect({ name, env: serverEnv[name] }).toEqual({ name, env: expect.objectContaining(startEnv) });
    }

    for (const scenario of report.scenarios) {
      for (const row of scenario.targets) {
        expect({ scenario: scenario.id, target: row.target, firstError: row.firstError }).toEqual({
          scenario: scenario.id,
          target: row.target,
          firstError: null,
        });
        // No throughput floor: a 30-request run on a busy CI machine proves nothing about speed.
        expect(row.runs).toHaveLength(1);
        expect({ scenario: scenario.id, target: row.target, requests: row.runs[0]!.requests }).toEqual({
          scenario: scenario.id,
          target: row.target,
          requests: QUICK_RUN_REQUESTS,
        });
        expect(row.latencyMs.p50).toBeGreaterThan(0);
        // The cached anonymous catalog is answered from the cache without a statement.
        if (scenario.id !== 6 || row.target === 'project:uncached') expect(row.statementsPerRequest).toBeGreaterThan(0);
      }
    }

    // The other checkout's project runs in every scenario, right after this one.
    for (const scenario of report.scenarios) {
      expect(scenario.targets.map((row) => row.target).slice(0, 2)).toEqual(['project', 'project@base']);
    }
    const catalog = report.scenarios[0]!;
    expect(catalog.status).toBe('ran');
    expect(catalog.targets.map((row) => row.target)).toEqual(CATALOG_TARGETS);
    // Every other target answers the catalog page with exactly the project's JSON, so the ratios compare like
    // with like.
    const others = CATALOG_TARGETS.filter((name) => name !== 'project');
    expect(catalog.sameJsonAsProject).toEqual(Object.fromEntries(others.map((name) => [name, true])));
    const statements = Object.fromEntries(catalog.targets.map((row) => [row.target, row.statementsPerRequest]));
    expect(statements).toMatchObject({
      apollo: 5,
      jit: 5,
      limit: LIMIT_STATEMENTS,
      'project@base': statements.project,
    });
    expect(statements.naive).toBeGreaterThan(statements.project!);
    // The project over every other target, for throughput, p99 and CPU time per request (which a quick run's
    // 30 requests may not lift above the 10 ms tick of /proc for the fastest targets: then it is null).
    expect(Object.keys(catalog.ratios ?? {})).toEqual(others);
    for (const ratio of Object.values(catalog.ratios ?? {})) {
      expect(ratio).toEqual({
        requestsPerSecond: expect.any(Number),
        p99: expect.any(Number),
        cpuMsPerRequest: ratio.cpuMsPerRequest === null ? null : expect.any(Number),
      });
    }
    expect(catalog.targets[0]!.cpuMsPerRequest).toBeGreaterThan(0);

    const fanout = report.scenarios[4]!;
    expect(fanout.targets[0]!.fanout).toMatchObject({
      sockets: 10,
      // The paced phase (open-loop, at --rate) ran too, and delivered.
      paced: { messagesPerSecond: expect.any(Number), sendToReceiveMs: { p50: expect.any(Number) } },
      undelivered: 0,
      unanswered: 0,
      socketErrors: 0,
    });
    expect(fanout.targets[0]!.fanout!.paced!.sendToReceiveMs.p50).toBeGreaterThan(0);
    // Every message got its reply (above), and drafts were seen.
    expect(fanout.targets[0]!.fanout!.replies!.firstDraftMs!.p50).toBeGreaterThan(0);
    // Not ordered against the first draft: drafts and the message travel on two subscriptions, so a short reply
    // can be delivered before its first draft, and the two medians are not of paired samples.
    expect(fanout.targets[0]!.fanout!.replies!.replyMs.p50).toBeGreaterThan(0);

    // The fan-out without drafts: every message and reply arrives, and no draft is waited for.
    const messagesOnly = report.scenarios[6]!;
    for (const row of messagesOnly.targets) {
      expect({ target: row.target, fanout: row.fanout }).toMatchObject({
        target: row.target,
        fanout: { sockets: 10, undelivered: 0, unanswered: 0, socketErrors: 0, replies: { firstDraftMs: null } },
      });
      expect(row.fanout!.replies!.replyMs.p50).toBeGreaterThan(0);
    }

    // The anonymous catalog: the cache answers reads between the admin edits, and no read sent after an edit
    // was answered shows the course from before it; without the cache every read is built.
    const cached = report.scenarios[5]!;
    expect(cached.targets.map((row) => row.target)).toEqual(CACHED_CATALOG_TARGETS);
    expect(cached.sameJsonAsProject).toEqual({ 'project@base': true, 'project:uncached': true });
    const byTarget = Object.fromEntries(cached.targets.map((row) => [row.target, row]));
    for (const row of cached.targets) {
      expect(row.cache).toMatchObject({ staleReads: 0 });
      expect(row.cache!.adminEdits).toBeGreaterThan(0);
    }
    expect(byTarget.project!.cache!.cachedReads).toBeGreaterThan(0);
    expect(byTarget['project:uncached']!.cache!.cachedReads).toBe(0);
    expect(byTarget.project!.statementsPerRequest).toBeLessThan(byTarget['project:uncached']!.statementsPerRequest!);
  }, 420_000);

  it('runs the project on a dataset of another scale beside the first, interleaved, with the ratio', async () => {
    directory ??= await mkdtemp(path.join(os.tmpdir(), 'dz-bench-'));
    const out = path.join(directory, 'against-scale.json');
    const { code, output } = await runBench([
      '--quick',
      '--warmup',
      '0.3',
      '--scenarios',
      '1',
      '--targets',
      'project@scale',
      '--db',
      database,
      '--against-scale',
      '0.1',
      '--against-db',
      againstDatabase,
      '--admin-url',
      ADMIN_URL,
      '--out',
      out,
    ]);
    expect({ code, output }).toMatchObject({ code: 0 });

    const report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
    expect(report.dataset).toMatchObject({ name: database, sizes: { courses: 40, users: 100 } });
    expect(report.againstDataset).toMatchObject({ name: againstDatabase, sizes: { courses: 100, users: 1000 } });
    const [catalog] = report.scenarios;
    expect(catalog!.targets.map((row) => [row.target, row.firstError, row.runs[0]!.requests])).toEqual([
      ['project', null, QUICK_RUN_REQUESTS],
      ['project@scale', null, QUICK_RUN_REQUESTS],
    ]);
    // Its pages are of other courses: the JSON check leaves it out; the ratios do not.
    expect(catalog!.sameJsonAsProject).toBeUndefined();
    expect(catalog!.ratios?.['project@scale']).toMatchObject({ requestsPerSecond: expect.any(Number) });
    // The same statement on either dataset.
    expect(catalog!.targets[1]!.statements).toEqual(catalog!.targets[0]!.statements);
  }, 120_000);
});
