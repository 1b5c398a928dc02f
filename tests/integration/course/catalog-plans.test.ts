import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createUser } from '../../helpers/factories.js';
import { LearningCatalogDocument } from '../../generated/graphql.js';

/**
 * A catalog page costs the same however many courses there are: its named statement settles on the generic
 * plan (after five executions), which reads courses only through index conditions, on a table large enough
 * that the planner weighs an index against a scan, and a custom plan against the generic one, as it would in
 * production.
 */

const COURSES = 10_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Plans?: PlanNode[];
}

function* planNodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* planNodes(child);
}

let server: TestServer;
let viewer: { id: number; role: 'learner' };
let firstCourseId: number;

beforeAll(async () => {
  server = await startTestServer();
  viewer = { id: (await createUser(server.database.prisma)).id, role: 'learner' };
  const { pool } = server.database;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO courses (title, level)
     SELECT format('Plan course %s', g), 'beginner' FROM generate_series(1, ${COURSES}) g RETURNING id`,
  );
  firstCourseId = Math.min(...rows.map((row) => row.id));
  // Each course after the first lists the one before it.
  await pool.query(`UPDATE courses c SET prerequisites = ARRAY[c.id - 1] WHERE c.id > $1`, [firstCourseId]);
  await pool.query('ANALYZE courses');
});
afterAll(() => server.close());

/** The statement of a learner's catalog page, as the server sends it. */
async function catalogPageStatement(): Promise<string> {
  // The first request of a token provisions its user; that write is not part of the page.
  await server.graphql(LearningCatalogDocument, { first: 1 }, { as: viewer });
  const sent: string[] = [];
  server.database.observe({ statementSent: (sql) => sent.push(sql) });
  const response = await server.graphql(LearningCatalogDocument, { first: 5 }, { as: viewer });
  expect(response.body.errors).toBeUndefined();
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

it('keeps the generic plan of a page, so that executions are not planned again each time', async () => {
  const page = await catalogPageStatement();
  const client = await server.database.pool.connect();
  try {
    await client.query(`PREPARE catalog_page AS ${page}`);
    // Pages of a client paging through the catalog: PostgreSQL weighs the generic plan after the fifth.
    for (let index = 0; index < 10; index += 1) {
      await client.query(`EXECUTE catalog_page(NULL, true, ${firstCourseId + index * 20}, 21, false, ${viewer.id})`);
    }
    const { rows } = await client.query<{ generic_plans: string; custom_plans: string }>(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'catalog_page'`,
    );
    expect(rows).toEqual([{ generic_plans: '5', custom_plans: '5' }]);
  } finally {
    await client.query('DEALLOCATE ALL');
    client.release(true);
  }
});

it("reads a later page's courses and its prerequisite courses through indexes, never every course", async () => {
  const page = await catalogPageStatement();
  const client = await server.database.pool.connect();
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE later_page AS ${page}`);
    // A page in the middle: its first course's prerequisite is the course before it, off the page.
    const startsAfter = firstCourseId + COURSES / 2;
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE later_page(NULL, true, ${startsAfter}, 21, false, ${viewer.id})`,
    );
    const courseReads = [...planNodes(rows[0]!['QUERY PLAN'][0].Plan)].filter(
      (node) => node['Relation Name'] === 'courses',
    );
    // The page's own courses and its prerequisite courses.
    expect(courseReads).toHaveLength(2);
    // A bitmap heap scan's bound is its Recheck Cond.
    expect(courseReads.filter((node) => !node['Index Cond'] && !node['Recheck Cond'])).toEqual([]);
  } finally {
    await client.query('DEALLOCATE ALL');
    client.release(true);
  }
});
