import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectDatabase, type Database } from '../../../src/platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

/** Database.transaction: the hot writes' transaction on one pooled connection, without Prisma's. */
let testDatabase: TestDatabase;
let database: Database;

const INSERT_USER = {
  name: 'transaction_test_insert_user',
  text: `INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'Tx') RETURNING id`,
};

async function userIds(email: string): Promise<number[]> {
  const { rows } = await database.pool.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
  return rows.map((row) => row.id);
}

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  // One connection: whatever a transaction leaves on it, the next checkout gets.
  database = connectDatabase(testDatabase.url, { poolSize: 1, poolTimeoutMs: 5000, statementTimeoutMs: 0 });
});

afterAll(async () => {
  await database.close();
  await testDatabase.drop();
});

describe('Database.transaction', () => {
  it('commits what its statements did, named statements and pg-boss-style SQL alike, on one connection', async () => {
    const backends = await database.transaction(async (tx) => {
      await tx.readRows(INSERT_USER, [9001, 'committed@example.com']);
      const { rows } = await tx.executeSql('SELECT pg_backend_pid() AS pid, txid_current_if_assigned() AS tx');
      const [again] = await tx.readRows<{ pid: number }>(
        { name: 'transaction_test_pid', text: 'SELECT pg_backend_pid() AS pid' },
        [],
      );
      return { first: rows[0] as { pid: number; tx: string | null }, again: again!.pid };
    });
    expect(backends.first.tx).not.toBeNull();
    expect(backends.again).toBe(backends.first.pid);
    expect(await userIds('committed@example.com')).toHaveLength(1);
  });

  it('rolls back everything when its work throws, and rethrows that error', async () => {
    const failure = new Error('work failed');
    await expect(
      database.transaction(async (tx) => {
        await tx.readRows(INSERT_USER, [9002, 'rolled-back@example.com']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await userIds('rolled-back@example.com')).toEqual([]);
  });

  it('rolls back a statement error and hands the connection back usable, outside any transaction', async () => {
    await expect(
      database.transaction(async (tx) => {
        await tx.readRows(INSERT_USER, [9003, 'twice@example.com']);
        await tx.readRows(INSERT_USER, [9003, 'twice@example.com']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await userIds('twice@example.com')).toEqual([]);
    // The pool's one connection: not left in the aborted transaction.
    const { rows } = await database.pool.query<{ tx: string | null }>('SELECT txid_current_if_assigned() AS tx');
    expect(rows).toEqual([{ tx: null }]);
  });
});
