import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { serveWireProtocol, type WireServerOptions } from './wire-server.js';

export interface EmbeddedDatabase {
  /** A postgres:// URL that the ordinary pg driver (and so Prisma's adapter) connects to. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite served over the PostgreSQL wire protocol on a loopback port, so the server keeps one code path
 * (pg + @prisma/adapter-pg) for the embedded and the real database. PGlite is one session: while one
 * connection holds a transaction the others wait, so every transaction must stay on its own client.
 */
export async function startEmbeddedDatabase(dataDir: string, options: WireServerOptions): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = await serveWireProtocol(db, options);
  const { host, port } = server.address;
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
