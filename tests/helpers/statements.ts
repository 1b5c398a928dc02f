import type { Database } from '../../src/platform/db/client.js';

/** The statements a database's pool sends, recorded through Database.observe (the hook only tests install). */
export interface StatementLog {
  /** How many statements were sent since recording started. */
  statementCount(): number;
  /** The statements sent since statementCount() returned `mark`, each normalised by normalizeSql. */
  statementsSince(mark: number): string[];
}

/**
 * A statement's shape, so that a test can name which statements run (an N+1 shows as a repeated line):
 * whitespace collapsed, Prisma's schema prefix and identifier quotes dropped, a list of a table's columns shown
 * as `table.*`, and parameters (`$1`, and lists of them whose length follows the page) as `?`.
 */
export function normalizeSql(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/"public"\./g, '')
    .replace(/"(\w+)"\."\w+"(?:, "\1"\."\w+")+/g, '"$1".*')
    .replace(/"/g, '')
    .replace(/\$\d+(?:\s*,\s*\$\d+)*/g, '?')
    .trim();
}

export function recordStatements(database: Database): StatementLog {
  const sent: string[] = [];
  database.observe({ statementSent: (sql) => sent.push(sql) });
  return {
    statementCount: () => sent.length,
    statementsSince: (mark) => sent.slice(mark).map(normalizeSql),
  };
}
