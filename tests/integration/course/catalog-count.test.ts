import pg from 'pg';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createCourse, globalId, admin } from '../../helpers/factories.js';
import {
  CatalogPageDocument,
  CreateCourseDocument,
  UpdateCourseDocument,
  type CatalogPageQueryVariables,
  type CourseLevel,
} from '../../generated/graphql.js';

/**
 * The catalog's totalCount comes from course_counts, counters that triggers keep in the transaction of every
 * write to courses: constant cost whatever the catalog's size, and exact whoever writes, concurrently or not.
 */

const learner = { id: 2 };
const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
/** The API's name of a stored level. */
const levelEnum = (level: string) => level.toUpperCase() as CourseLevel;

let server: TestServer;
let sql: pg.Pool;

beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_MUTATIONS: '100000' } });
  sql = new pg.Pool({ connectionString: server.testDatabase.url, max: 12 });
  for (let i = 0; i < 30; i += 1) {
    await createCourse(server.database.prisma, { level: LEVELS[i % 3], isActive: i % 5 !== 0 });
  }
});
afterAll(async () => {
  await sql.end();
  await server.close();
});

async function totalCount(variables: CatalogPageQueryVariables, as: typeof admin | typeof learner) {
  const response = await server.graphql(CatalogPageDocument, { first: 1, ...variables }, { as });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.courses.totalCount;
}

/** Resolves once the backend `pid` waits for a lock (the statement it runs is blocked). */
async function waitUntilLockWaiting(pid: number): Promise<void> {
  for (;;) {
    const { rows } = await sql.query<{ waiting: boolean }>(
      `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (rows[0]?.waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function counted(where: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM courses WHERE ${where}`);
  return rows[0]!.n;
}

/** Every filter the counters answer, by learners and admins, against count(*) over the rows themselves. */
async function expectExactCounts() {
  expect(await totalCount({}, learner)).toBe(await counted('is_active'));
  expect(await totalCount({}, admin)).toBe(await counted('true'));
  expect(await totalCount({ filter: { isActive: false } }, admin)).toBe(await counted('NOT is_active'));
  expect(await totalCount({ filter: { isActive: false } }, learner)).toBe(0);
  for (const level of LEVELS) {
    expect(await totalCount({ filter: { level: levelEnum(level) } }, learner)).toBe(
      await counted(`is_active AND level = '${level}'`),
    );
    expect(await totalCount({ filter: { level: levelEnum(level), isActive: true } }, admin)).toBe(
      await counted(`is_active AND level = '${level}'`),
    );
  }
}

describe('the catalog totalCount', () => {
  it('is exact after concurrent creates, deactivations, level changes and rolled-back writes', async () => {
    const { rows: existing } = await sql.query<{ id: number }>('SELECT id FROM courses ORDER BY id');
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i += 1) {
      writes.push(
        server.graphql(
          CreateCourseDocument,
          { input: { title: `Concurrent ${i}`, level: levelEnum(LEVELS[i % 3]!), isActive: i % 4 !== 0 } },
          { as: admin },
        ),
      );
    }
    existing.forEach(({ id }, i) => {
      const input =
        i % 3 === 0 ? { isActive: false } : i % 3 === 1 ? { isActive: true } : { level: levelEnum('advanced') };
      writes.push(server.graphql(UpdateCourseDocument, { id: globalId('Course', id), input }, { as: admin }));
    });
    // Writers outside the API count too, and what they roll back does not.
    for (let i = 0; i < 8; i += 1) {
      writes.push(
        (async () => {
          const client = await sql.connect();
          try {
            await client.query('BEGIN');
            await client.query(`INSERT INTO courses (title, level) VALUES ($1, 'beginner')`, [`Rolled back ${i}`]);
            await client.query(`UPDATE courses SET is_active = NOT is_active WHERE id = $1`, [existing[i]!.id]);
            await client.query(i % 2 === 0 ? 'ROLLBACK' : 'COMMIT');
          } finally {
            client.release();
          }
        })(),
      );
    }
    const responses = await Promise.all(writes);
    for (const response of responses) {
      if (response && typeof response === 'object' && 'body' in response) {
        expect((response as { body: { errors?: unknown } }).body.errors).toBeUndefined();
      }
    }
    await expectExactCounts();
    expect(await counted(`title LIKE 'Rolled back %'`)).toBe(4);
  });

  it('does not deadlock a writer holding the counters against one updating a course it then updates', async () => {
    const [id] = (await sql.query<{ id: number }>('SELECT id FROM courses ORDER BY id LIMIT 1')).rows.map((r) => r.id);
    const first = await sql.connect();
    const second = await sql.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      // The first holds the counters' lock, as any transaction that inserted a course does.
      await first.query(`INSERT INTO courses (title, level) VALUES ('Holds the counters', 'beginner')`);
      // The second updates a course: before it locked the row and then waited for the counters in its row
      // trigger, so the first's update of the same row below waited for it, and PostgreSQL aborted one.
      const {
        rows: [pid],
      } = await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const secondUpdate = second.query('UPDATE courses SET is_active = NOT is_active WHERE id = $1', [id]);
      await waitUntilLockWaiting(pid!.pid);
      await first.query('UPDATE courses SET is_active = NOT is_active WHERE id = $1', [id]);
      await first.query('COMMIT');
      await secondUpdate;
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    await expectExactCounts();
  });

  it('stays exact when courses are deleted and the table is emptied', async () => {
    await sql.query(`DELETE FROM courses WHERE id IN (SELECT id FROM courses ORDER BY id LIMIT 5)`);
    await expectExactCounts();
    await sql.query('TRUNCATE courses CASCADE');
    await expectExactCounts();
    await createCourse(server.database.prisma, { level: 'advanced' });
    await expectExactCounts();
  });

  it('reads the counters instead of counting the catalog when no tag or search filter is given', async () => {
    const before = await totalCount({}, learner);
    // Only the counters change: a count(*) over courses would not see it.
    await sql.query(`UPDATE course_counts SET courses = courses + 1000 WHERE is_active AND level = 'advanced'`);
    try {
      expect(await totalCount({}, learner)).toBe(before + 1000);
      expect(await totalCount({ filter: { anyTags: ['none-such'] } }, learner)).toBe(0);
    } finally {
      await sql.query(`UPDATE course_counts SET courses = courses - 1000 WHERE is_active AND level = 'advanced'`);
    }
  });
});
