import type pg from 'pg';
import { rowTypes } from './timestamps.js';

/**
 * A read the server sends often, with a name of its own: PostgreSQL parses and plans a named statement once
 * per connection and afterwards only binds and runs it, where Prisma's unnamed statements are parsed and
 * planned on every call. Each name must belong to one text (a connection keeps the first text it saw).
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** Runs a NamedStatement on the pool and returns its rows as pg types them (timestamptz by parseTimestamptz). */
export type RowReader = <Row extends pg.QueryResultRow>(statement: NamedStatement, values: unknown[]) => Promise<Row[]>;

/**
 * On the pool, or on one of its connections (a transaction's). `prepared: false` sends the same texts unnamed:
 * the embedded engine serves every connection from one session, where a second connection preparing a name the
 * first one prepared fails.
 */
export function createRowReader(db: pg.Pool | pg.PoolClient, { prepared }: { prepared: boolean }): RowReader {
  return async <Row extends pg.QueryResultRow>(statement: NamedStatement, values: unknown[]) => {
    const { rows } = await db.query<Row>(
      prepared
        ? { name: statement.name, text: statement.text, values, types: rowTypes }
        : { text: statement.text, values, types: rowTypes },
    );
    return rows;
  };
}
