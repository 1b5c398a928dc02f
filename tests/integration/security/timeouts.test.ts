import { startTestServer, type TestServer } from '../../helpers/server.js';
import { openConnection, statusOf, type RawConnection } from './raw-http.js';

/**
 * The HTTP server's timeouts, small here so that each shows quickly: a client that trickles its headers or its
 * body gets 408 and loses the connection, and an idle keep-alive connection is closed. With Node's defaults the
 * first two hold a connection for a minute or more, the last for 5 s: each case fails well within this file's
 * per-test limit without its setting.
 */

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 300;
/** What a case may take past its timeout: Node looks for late connections every second at most. */
const SLACK_MS = 1500;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    },
  });
});

afterAll(async () => {
  await server?.close();
});

/** Writes `text` one byte every 50 ms, as a slow client would, until the connection closes. */
function trickle(connection: RawConnection, text: string): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < text.length && !connection.socket.destroyed) connection.socket.write(text[sent++]!);
  }, 50);
  void connection.closed.then(() => clearInterval(timer));
}

/** Long enough that trickling it takes far longer than any timeout here (20 s). */
const body = JSON.stringify({ query: '{ __typename }' }).padEnd(400);
const head = () =>
  [
    'POST /graphql HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
  ].join('\r\n') + '\r\n\r\n';

it('answers 408 and closes a connection whose headers do not arrive within HTTP_HEADERS_TIMEOUT_MS', async () => {
  const connection = await openConnection(server.url);
  const started = Date.now();
  trickle(connection, head());
  expect(statusOf(await connection.closed)).toBe(408);
  expect(Date.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
}, 10_000);

it('answers 408 and closes a connection whose body does not arrive within HTTP_REQUEST_TIMEOUT_MS', async () => {
  const connection = await openConnection(server.url);
  const started = Date.now();
  connection.socket.write(head());
  trickle(connection, body);
  expect(statusOf(await connection.closed)).toBe(408);
  expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
}, 10_000);

it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
  const connection = await openConnection(server.url);
  let answeredAt = 0;
  connection.socket.on('data', () => (answeredAt = Date.now()));
  connection.socket.write(head() + body);
  const received = await connection.closed;
  expect(statusOf(received)).toBe(200);
  expect(received).toMatch(/keep-alive/i);
  expect(Date.now() - answeredAt).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
}, 10_000);
