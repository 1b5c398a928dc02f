import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { deferred } from '../../helpers/ws-client.js';
import { spawnServer, type ChildServer } from '../faults/child-server.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

let database: TestDatabase;
let receiver: Server;
let server: ChildServer | undefined;
const spans: Span[] = [];
let received = deferred();

/** An OTLP/HTTP JSON receiver on a free port: keeps every span the server exports. */
beforeAll(async () => {
  database = await createTestDatabase();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const { resourceSpans = [] } = JSON.parse(body) as {
        resourceSpans?: { scopeSpans: { spans: Span[] }[] }[];
      };
      for (const resource of resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      received.resolve();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  if (server?.process.exitCode === null) {
    server.process.kill('SIGTERM');
    await server.exited;
  }
  await new Promise((resolve) => receiver.close(resolve));
  await database.drop();
});

const attribute = (span: Span, key: string) => span.attributes.find((entry) => entry.key === key)?.value.stringValue;

it('exports the HTTP request, the GraphQL operation and each SQL statement of a catalog request as one trace', async () => {
  const { port } = receiver.address() as AddressInfo;
  server = await spawnServer({
    DATABASE_URL: database.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });
  const requestId = `trace-${Date.now()}`;
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({
      query: 'query TracedCatalog { courses(first: 5) { totalCount edges { node { title } } } }',
    }),
  });
  expect(response.status).toBe(200);

  const requestSpan = () => spans.find((span) => attribute(span, 'request.id') === requestId);
  while (!requestSpan()) {
    received = deferred();
    await received.promise;
  }
  const trace = spans.filter((span) => span.traceId === requestSpan()!.traceId);
  const operation = trace.find((span) => attribute(span, 'graphql.operation.name') === 'TracedCatalog');
  expect(operation).toBeDefined();
  const statements = trace.map((span) => attribute(span, 'db.query.text')).filter(Boolean);
  // The page and its totalCount (read from the trigger-kept counters): one statement each.
  expect(statements).toEqual(
    expect.arrayContaining([expect.stringMatching(/FROM courses\s/), expect.stringMatching(/FROM course_counts/)]),
  );
  // The HTTP request is the root of the trace.
  expect(requestSpan()!.parentSpanId ?? '').toBe('');
  // A server process to start and its first request: on a loaded machine that outlasts the default 30 s.
}, 60_000);
