import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A PostgreSQL wire-protocol proxy that counts the statements a server sends, whatever its driver does:
 * every simple Query ('Q') and every extended-protocol Execute ('E') is one statement, so BEGIN and COMMIT
 * count too. It also remembers each statement's SQL and its last parameters, for EXPLAIN.
 *
 * The proxy costs a hop and CPU in this process, so the runner uses it only for the statement probe, never
 * while it measures throughput.
 */

export interface CapturedStatement {
  sql: string;
  count: number;
  /** Text-format parameters of the latest execution (null for NULL; binary ones, Buffers, as \\x hex). */
  params: (string | null)[];
}

export interface CountingProxy {
  url: string;
  /** Statements since start (or since the last reset). */
  count(): number;
  statements(): CapturedStatement[];
  reset(): void;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

function cString(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

/**
 * The prepared statement a Bind message body binds, and its parameter values as text (pg sends only Buffers
 * in binary: bytea's hex form).
 */
function bindMessage(body: Buffer): { statement: string; params: (string | null)[] } {
  const [statement, afterStatement] = cString(body, cString(body, 0)[1]);
  let offset = afterStatement;
  const formatCount = body.readInt16BE(offset);
  const formats = Array.from({ length: formatCount }, (_, i) => body.readInt16BE(offset + 2 + i * 2));
  offset += 2 + formatCount * 2;
  const paramCount = body.readInt16BE(offset);
  offset += 2;
  const params: (string | null)[] = [];
  for (let i = 0; i < paramCount; i += 1) {
    const length = body.readInt32BE(offset);
    offset += 4;
    const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
    const value = body.subarray(offset, offset + Math.max(0, length));
    params.push(length < 0 ? null : binary ? `\\x${value.toString('hex')}` : value.toString('utf8'));
    offset += Math.max(0, length);
  }
  return { statement, params };
}

export async function startCountingProxy(upstreamUrl: string): Promise<CountingProxy> {
  const upstream = new URL(upstreamUrl);
  let statements = 0;
  const captured = new Map<string, CapturedStatement>();
  const record = (sql: string, params: (string | null)[]) => {
    statements += 1;
    const entry = captured.get(sql) ?? { sql, count: 0, params };
    entry.count += 1;
    entry.params = params;
    captured.set(sql, entry);
  };

  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const database = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const socket of [client, database]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(database);
    database.pipe(client);
    const fail = () => {
      client.destroy();
      database.destroy();
    };
    client.on('error', fail);
    database.on('error', fail);
    client.on('close', fail);
    database.on('close', fail);

    // Parses a copy of what the client sends; the bytes themselves are forwarded untouched by pipe().
    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    // A named statement is parsed once per connection and executed by name afterwards; '' is the unnamed one.
    const sqlOf = new Map<string, string>();
    let bound = { sql: '', params: [] as (string | null)[] };
    client.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (pending.length < 8) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          const code = pending.readInt32BE(4);
          started = code !== SSL_REQUEST && code !== GSSENC_REQUEST;
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) return;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        const type = String.fromCharCode(pending[0]!);
        const body = pending.subarray(5, 1 + length);
        if (type === 'Q') record(cString(body, 0)[0], []);
        else if (type === 'P') {
          const [name, afterName] = cString(body, 0);
          sqlOf.set(name, cString(body, afterName)[0]);
        } else if (type === 'B') {
          const { statement, params } = bindMessage(body);
          bound = { sql: sqlOf.get(statement) ?? '', params };
        } else if (type === 'E') record(bound.sql, bound.params);
        pending = pending.subarray(1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    count: () => statements,
    statements: () => [...captured.values()],
    reset() {
      statements = 0;
      captured.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
