import { createServer } from 'node:net';
import { once } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { BackendFraming, WireConnection } from './wire-framing.js';

/**
 * The PostgreSQL wire protocol served from one PGlite, which is one backend session shared by every connection.
 *
 * @electric-sql/pglite-socket (0.2.17) queues each protocol message on its own and keeps a connection's messages
 * together only inside an explicit transaction block, so when a connection's Parse/Bind/Execute/Sync arrive in
 * two TCP reads, another connection's statement can run between them and bind or execute in its place
 * (electric-sql/pglite#1046); and one throw in its queue stops every connection for good. Here a connection
 * owns the session from its first message until the backend says it is idle again (ReadyForQuery 'I'): an
 * unfinished extended-protocol exchange, a transaction or a COPY keep it, and the others wait their turn.
 */

const SYNC_MESSAGE = serialize.sync();
const ROLLBACK_MESSAGE = serialize.query('ROLLBACK');

export interface WireServer {
  /** host:port of the loopback listener. */
  address: { host: string; port: number };
  stop(): Promise<void>;
}

export interface WireServerOptions {
  maxConnections: number;
  /** An error PGlite threw while serving a connection; that connection is closed, the others go on. */
  onError?: (error: unknown) => void;
}

export async function serveWireProtocol(
  db: PGlite,
  { maxConnections, onError }: WireServerOptions,
): Promise<WireServer> {
  const connections = new Set<WireConnection>();
  const waiting: WireConnection[] = [];
  let owner: WireConnection | undefined;
  let pumping = false;
  let drained = Promise.resolve();

  async function run(batch: Buffer, framing: BackendFraming, client?: WireConnection): Promise<void> {
    await db.runExclusive(() =>
      db.execProtocolRawStream(batch, {
        onRawData: (data) => {
          framing.feed(data);
          // PGlite reuses the memory behind `data`, and the socket may write it later.
          if (client && !client.closed) client.socket.write(Buffer.from(data));
        },
      }),
    );
  }

  /** What a vanished owner left open (an exchange before its Sync, a transaction) is closed for the next one. */
  async function releaseAbandoned(): Promise<void> {
    const framing = new BackendFraming();
    try {
      await run(SYNC_MESSAGE, framing);
      if (!framing.idle) await run(ROLLBACK_MESSAGE, framing);
    } catch (error) {
      onError?.(error);
    }
  }

  /** The startup packet runs on its own: PGlite tells it apart by its first byte. */
  function takeBatch(connection: WireConnection): Buffer {
    if (connection.inbox[0]![0] === 0) return connection.inbox.shift()!;
    const batch = Buffer.concat(connection.inbox);
    connection.inbox = [];
    return batch;
  }

  async function serveTurn(connection: WireConnection): Promise<void> {
    if (connection.inbox.length === 0) {
      await releaseAbandoned();
      owner = undefined;
      return;
    }
    try {
      await run(takeBatch(connection), connection.framing, connection);
    } catch (error) {
      // Its owner stays until the next turn has closed what the failed batch left open.
      onError?.(error);
      connection.closed = true;
      connection.inbox = [];
      connection.socket.destroy();
      return;
    }
    if (!connection.framing.idle) return;
    owner = undefined;
    if (connection.inbox.length > 0) waiting.push(connection);
  }

  function nextTurn(): WireConnection | undefined {
    if (owner) return owner.inbox.length > 0 || owner.closed ? owner : undefined;
    owner = waiting.shift();
    return owner;
  }

  async function pump(): Promise<void> {
    try {
      for (let connection = nextTurn(); connection; connection = nextTurn()) await serveTurn(connection);
    } finally {
      pumping = false;
    }
  }

  function wake(): void {
    if (pumping) return;
    pumping = true;
    drained = pump();
  }

  function schedule(connection: WireConnection): void {
    if (connection !== owner && connection.inbox.length > 0 && !waiting.includes(connection)) waiting.push(connection);
    wake();
  }

  function forget(connection: WireConnection): void {
    connection.closed = true;
    connections.delete(connection);
    // Messages it sent before closing still run, as PostgreSQL runs what it read before the end of the stream.
    if (connection === owner || connection.inbox.length > 0) schedule(connection);
  }

  const server = createServer({ noDelay: true }, (socket) => {
    const connection = new WireConnection(socket);
    connections.add(connection);
    socket.on('data', (chunk: Buffer) => {
      if (connection.receive(chunk)) schedule(connection);
      else socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => forget(connection));
  });
  server.maxConnections = maxConnections;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as { address: string; port: number };

  return {
    address: { host: address, port },
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const connection of connections) connection.socket.destroy();
      await closed;
      await drained;
    },
  };
}
