import pg from 'pg';
import type { ClientBase } from 'pg';
import type { CapturedStatement } from './pg-proxy.js';

export interface ExplainedStatement {
  sql: string;
  perRequest: number;
  /** EXPLAIN (ANALYZE, BUFFERS) with the parameters of the statement's last execution. */
  plan: string;
}

const EXPLAINABLE = /^\s*(select|with|insert|update|delete)\b/i;

/**
 * Plans of the statements a server sent during the probe (with the per-request counts the runner computed),
 * run again with their captured parameters. Each runs in a transaction that is rolled back, so a write is
 * planned and executed but leaves nothing.
 */
export async function explainStatements(
  db: ClientBase,
  statements: (Pick<CapturedStatement, 'sql' | 'params'> & { perRequest: number })[],
): Promise<ExplainedStatement[]> {
  const explained: ExplainedStatement[] = [];
  for (const { perRequest, ...statement } of statements.filter((s) => EXPLAINABLE.test(s.sql))) {
    const args = statement.params.map((value) => (value === null ? 'NULL' : pg.escapeLiteral(value))).join(', ');
    await db.query('BEGIN');
    try {
      await db.query(`PREPARE bench_explain AS ${statement.sql}`);
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_explain${args ? `(${args})` : ''}`,
      );
      explained.push({ sql: statement.sql, perRequest, plan: rows.map((row) => row['QUERY PLAN']).join('\n') });
    } catch (error) {
      explained.push({ sql: statement.sql, perRequest, plan: `(not explained: ${(error as Error).message})` });
    } finally {
      // A prepared statement outlives its transaction.
      await db.query('ROLLBACK');
      await db.query('DEALLOCATE ALL');
    }
  }
  return explained;
}
