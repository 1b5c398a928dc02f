import { MAX_BODY_BYTES } from '../../../src/http/graphql-handler.js';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { messageCodes, openSocket, subscribeOnce } from './socket.js';
import { openConnection, postWithHeaders, statusOf } from './raw-http.js';

/**
 * The HTTP edges (no batches, a body cap, CSRF prevention) and what production hides of the schema
 * (introspection, "Did you mean" suggestions) on HTTP and WebSocket alike, against development, which shows both.
 */

let development: TestServer;
let production: TestServer;

beforeAll(async () => {
  development = await startTestServer();
  production = await startTestServer({ env: { NODE_ENV: 'production' }, testDatabase: development.testDatabase });
});

afterAll(async () => {
  await production?.close();
  await development?.close();
});

function post(server: TestServer, body: string | ReadableStream, headers: Record<string, string> = {}) {
  return fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
}

describe('HTTP', () => {
  it('refuses a batch of operations', async () => {
    const response = await post(
      development,
      JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });

  it(`serves a body of exactly ${MAX_BODY_BYTES} bytes and refuses one byte more with 413`, async () => {
    const body = (size: number) => {
      const envelope = JSON.stringify({ query: '{ __typename }' });
      return `${envelope.slice(0, -1)}${' '.repeat(size - envelope.length)}}`;
    };
    expect(Buffer.byteLength(body(MAX_BODY_BYTES))).toBe(MAX_BODY_BYTES);
    const fits = await post(development, body(MAX_BODY_BYTES));
    expect(fits.status).toBe(200);
    expect(await fits.json()).toEqual({ data: { __typename: 'Query' } });
    const tooBig = await post(development, body(MAX_BODY_BYTES + 1));
    expect(tooBig.status).toBe(413);
    const refusal = (await tooBig.json()) as { errors: { extensions: { code: string } }[] };
    expect(refusal.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('counts the bytes of a chunked body that declares no length', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await post(development, stream);
    expect(response.status).toBe(413);
  });

  describe('headers that decide who the user is or how the body is read', () => {
    const body = JSON.stringify({ query: '{ viewer { id } }' });
    const post = (headers: Record<string, string | string[]>) =>
      postWithHeaders(development.url, { 'content-type': 'application/json', ...headers }, body);

    it('serves a request that sends each of them once', async () => {
      const response = await post({ authorization: `Bearer ${await development.token({ id: 40 })}` });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ data: { viewer: { id: expect.any(String) } } });
    });

    it.each([
      [
        'two Authorization headers (a proxy may honour the other one)',
        'authorization',
        ['Bearer a.b.c', 'Bearer d.e.f'],
      ],
      ['an empty Authorization header beside a real one', 'authorization', ['', 'Bearer d.e.f']],
      ['two Content-Type headers', 'content-type', ['application/json', 'text/plain']],
    ])('refuses a request with %s: 400', async (_case, name, values) => {
      const response = await post({ [name]: values });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        errors: [{ message: `Send the ${name} header once`, extensions: { code: 'BAD_REQUEST' } }],
      });
    });

    it('refuses a request with two Host headers: 400 (node:http cannot send them)', async () => {
      const connection = await openConnection(development.url);
      const head = ['POST /graphql HTTP/1.1', 'Host: 127.0.0.1', 'Host: example.com', 'Content-Type: application/json'];
      connection.socket.write(
        `${[...head, `Content-Length: ${body.length}`, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`,
      );
      const received = await connection.closed;
      expect(statusOf(received)).toBe(400);
      expect(received).toMatch(/Send the host header once/);
    });

    it.each([
      ['two Content-Length headers', 'Content-Length: 2'],
      ['Content-Length and Transfer-Encoding', 'Transfer-Encoding: chunked'],
    ])('leaves %s to Node, which refuses them with 400', async (_case, extra) => {
      const connection = await openConnection(development.url);
      const head = ['POST /graphql HTTP/1.1', 'Host: 127.0.0.1', 'Content-Length: 2', extra];
      connection.socket.write(`${head.join('\r\n')}\r\n\r\n{}`);
      expect(statusOf(await connection.closed)).toBe(400);
    });
  });

  describe('CSRF prevention', () => {
    it('refuses a simple GET that a form or an <img> could send', async () => {
      const response = await fetch(`${development.url}?query=${encodeURIComponent('{ __typename }')}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
    });

    it('refuses a simple POST without a JSON content type', async () => {
      const response = await post(development, JSON.stringify({ query: '{ __typename }' }), {
        'content-type': 'text/plain',
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
    });

    it('serves a GET that carries a header no simple request can set', async () => {
      const response = await fetch(`${development.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(response.status).toBe(200);
    });
  });
});

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ viewr { id } }';

describe('development', () => {
  it('answers introspection (Sandbox needs it)', async () => {
    const response = await development.graphql(INTROSPECTION);
    expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('suggests the field a typo meant', async () => {
    const response = await development.graphql(TYPO);
    expect(response.body.errors?.[0]?.message).toMatch(/Did you mean "viewer"\?/);
  });

  it('suggests over WebSocket too', async () => {
    const socket = await openSocket(development.wsUrl);
    await socket.init();
    // Validation runs before the subscriptions-only check, so a query shows it.
    const reply = await subscribeOnce(socket, '1', { query: TYPO });
    expect((reply.payload as { message: string }[])[0]?.message).toMatch(/Did you mean "viewer"\?/);
    socket.close();
  });
});

describe('production', () => {
  it('refuses introspection over HTTP', async () => {
    const response = await production.graphql(INTROSPECTION);
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('refuses introspection over WebSocket', async () => {
    const socket = await openSocket(production.wsUrl);
    await socket.init();
    const reply = await subscribeOnce(socket, '1', { query: INTROSPECTION });
    expect(new Set(messageCodes(reply))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect((reply.payload as { message: string }[])[0]?.message).toMatch(/introspection/i);
    socket.close();
  });

  it('names no other fields over HTTP', async () => {
    const response = await production.graphql(TYPO);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).toBe('Cannot query field "viewr" on type "Query".');
  });

  it('names no other fields over WebSocket', async () => {
    const socket = await openSocket(production.wsUrl);
    await socket.init();
    const reply = await subscribeOnce(socket, '1', { query: TYPO });
    expect((reply.payload as { message: string }[]).map((error) => error.message)).toEqual([
      'Cannot query field "viewr" on type "Query".',
    ]);
    socket.close();
  });
});
