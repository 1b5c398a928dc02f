import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { connectSocket, subscribe, type TestSocket } from '../../helpers/ws-client.js';
import { ChatMessageAddedDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, send } from '../chat/fixtures.js';
import { MAX_OPERATION_NAMES, OTHER_OPERATION } from '../../../src/platform/metrics.js';

let server: TestServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await server.close();
});

const metricsUrl = (target: TestServer) => target.url.replace(/\/graphql$/, '/metrics');

/** One line of the text format: name, labels and value (the parser below merges histogram series). */
function sampleLines(text: string) {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name = '', labelText = '', value = ''] = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line) ?? [];
      const labels = Object.fromEntries(
        [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]),
      );
      return { name, labels: labels as Record<string, string>, value: Number(value) };
    });
}

/** Scrapes /metrics, checks it parses as the Prometheus text format (the parser throws on anything else). */
async function scrape(target = server) {
  const response = await fetch(metricsUrl(target));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  const lines = sampleLines(text);
  const samples = (name: string) => lines.filter((line) => line.name === name);
  /** The sum of the samples whose labels include `labels`. */
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples(name)
      .filter((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))
      .reduce((sum, sample) => sum + sample.value, 0);
  return { families, samples, value };
}

/** Scrapes until `done` holds: the server notices a closed socket a moment after the client does. */
async function scrapeUntil(done: (metrics: Awaited<ReturnType<typeof scrape>>) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const metrics = await scrape();
    if (done(metrics) || Date.now() > deadline) return metrics;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

it("serves Node's process metrics and the pool's size", async () => {
  const { families, value } = await scrape();
  const names = families.map((family) => family.name);
  expect(names).toEqual(expect.arrayContaining(['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes']));
  expect(value('db_pool_max_connections')).toBe(server.config.DATABASE_POOL_SIZE);
});

it('counts requests by operation, type and outcome code, and how long they took', async () => {
  const operation = 'query MetricsCatalog { courses(first: 2) { totalCount } }';
  const labels = { operation: 'MetricsCatalog', type: 'query', code: 'OK' };
  const before = (await scrape()).value('graphql_request_duration_seconds_count', labels);
  await server.graphql(operation);
  await server.graphql(operation);
  const denied = await server.graphql('mutation MetricsDenied { endChatSession(sessionId: "x") { id } }');
  const [deniedCode] = errorCodes(denied);
  expect(deniedCode).toEqual(expect.any(String));
  const after = await scrape();
  expect(after.value('graphql_request_duration_seconds_count', labels)).toBe(before + 2);
  expect(
    after.value('graphql_request_duration_seconds_count', {
      operation: 'MetricsDenied',
      type: 'mutation',
      code: String(deniedCode),
    }),
  ).toBe(1);
  // The scrape itself is no GraphQL request: nothing is in flight.
  expect(after.value('graphql_requests_in_flight')).toBe(0);
});

it('keeps operation names bounded: names past the cap count as "other"', async () => {
  const invented = MAX_OPERATION_NAMES + 30;
  for (let index = 0; index < invented; index += 1) await server.graphql(`query Invented${index} { __typename }`);
  const { samples, value } = await scrape();
  const operations = new Set(
    samples('graphql_request_duration_seconds_count').map((sample) => sample.labels.operation),
  );
  // The capped names, "other", and "none" for requests that named no operation.
  expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2);
  expect(operations).toContain(OTHER_OPERATION);
  expect(value('graphql_request_duration_seconds_count', { operation: OTHER_OPERATION })).toBeGreaterThanOrEqual(30);
});

it('follows sockets, subscriptions, pub/sub events and chat replies', async () => {
  const me = await learner(server.database.prisma);
  const sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  const before = await scrape();

  const socket = connectSocket(server.wsUrl, await server.token(me));
  sockets.push(socket);
  const feed = subscribe(socket.client, ChatMessageAddedDocument, { sessionId, afterSeq: 0 });
  await send(server, me, sessionId, 'What are pot odds?');
  // The learner's message and the coach's answer: the reply has been written and delivered. They may come from
  // the replay that precedes the live stream; once they are here the stream listens, so the second exchange
  // is delivered through pub/sub.
  await feed.take(2);
  await send(server, me, sessionId, 'And implied odds?');
  await feed.take(4);
  const during = await scrape();
  expect(during.value('websocket_connections')).toBe(before.value('websocket_connections') + 1);
  expect(during.value('websocket_subscriptions')).toBe(before.value('websocket_subscriptions') + 1);
  expect(during.value('pubsub_events_published_total')).toBeGreaterThanOrEqual(
    before.value('pubsub_events_published_total') + 2,
  );
  expect(during.value('pubsub_events_delivered_total')).toBeGreaterThan(before.value('pubsub_events_delivered_total'));
  expect(during.value('chat_replies_settled_total', { outcome: 'written' })).toBe(
    before.value('chat_replies_settled_total', { outcome: 'written' }) + 2,
  );
  expect(during.value('chat_replies', { state: 'running' })).toBe(0);

  await socket.dispose();
  const after = await scrapeUntil(
    (metrics) => metrics.value('websocket_connections') === before.value('websocket_connections'),
  );
  expect(after.value('websocket_connections')).toBe(before.value('websocket_connections'));
  expect(after.value('websocket_subscriptions')).toBe(before.value('websocket_subscriptions'));
});

it('serves no /metrics when METRICS_ENABLED=false', async () => {
  const quiet = await startTestServer({ env: { METRICS_ENABLED: 'false' }, testDatabase: server.testDatabase });
  try {
    expect(quiet.app.metrics).toBeNull();
    expect((await fetch(metricsUrl(quiet))).status).toBe(404);
  } finally {
    await quiet.close();
  }
});
