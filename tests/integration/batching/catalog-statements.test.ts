import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, createUser } from '../../helpers/factories.js';
import { LearningCatalogDocument } from '../../generated/graphql.js';

/**
 * The catalog page asks, per course, for prerequisites, assessments with the viewer's attempts remaining,
 * the viewer's progress with test scores, and isUnlocked. Each of those is a per-request DataLoader (or a
 * plugin-prisma selection), so a page costs the same statements whatever its size. The plain page brings them
 * all in one: the courses page with its totalCount and the prerequisite courses its fields read (which it leaves
 * in catalogCount and courseById), and for each of those courses the viewer's progress (viewerProgressByCourse)
 * and its assessments with the viewer's attempt count at each (assessmentsByCourse), as JSON columns.
 * No transaction is opened for a read, so there is no BEGIN/COMMIT around it.
 */
const STATEMENTS_PER_PAGE = 1;

/**
 * Those statements by shape (tests/helpers/statements.ts normalizeSql), so that a new or repeated one names
 * itself; a shape is the same whatever the page's size, since lists of parameters are one `?`.
 */
// The project's named statements (src/platform/db/statements.ts), not Prisma's.
const COURSE_COLUMNS =
  'id, title, description, level, level_rank AS levelRank, content_path AS contentPath, ' +
  'video_url AS videoUrl, thumbnail_url AS thumbnailUrl, duration_minutes AS durationMinutes, prerequisites, ' +
  'tags, is_active AS isActive, created_at AS createdAt, updated_at AS updatedAt';
const TOTAL_COUNT =
  'SELECT coalesce(sum(courses), 0)::int AS courses FROM course_counts ' +
  'WHERE (?::text IS NULL OR level = ?) AND (?::boolean IS NULL OR is_active = ?)';
const COURSES_WITH_PREREQUISITES =
  `WITH page AS (SELECT * FROM (SELECT ${COURSE_COLUMNS}, (${TOTAL_COUNT}) AS catalogCount FROM courses ` +
  'WHERE (?::text IS NULL OR level = ?) ' +
  'AND (?::boolean IS NULL OR is_active = ?) AND id > ? ORDER BY id LIMIT 101) capped ORDER BY id LIMIT ?) ' +
  'SELECT *, true AS onPage FROM page UNION ALL ' +
  `SELECT ${COURSE_COLUMNS}, NULL, false FROM courses WHERE id = ANY (ARRAY(SELECT unnest(prerequisites) FROM page ` +
  'EXCEPT SELECT id FROM page)) AND (?::boolean OR is_active)';
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)`;
const VIEWER_PROGRESS =
  "(SELECT json_build_object('id', p.id, 'userId', p.user_id, 'courseId', p.course_id, " +
  "'completionRate', p.completion_rate::text, 'currentSection', p.current_section, 'testScores', p.test_scores, " +
  `'studyTimeMinutes', p.study_time_minutes, 'lastAccessed', ${epochMs('p.last_accessed')}, ` +
  `'completedAt', ${epochMs('p.completed_at')}, 'createdAt', ${epochMs('p.created_at')}, ` +
  `'updatedAt', ${epochMs('p.updated_at')}) FROM user_progress p WHERE p.user_id = ? AND p.course_id = listed.id)`;
/** Without their questions and scoring rules; anonymous viewers are counted as user 0, who has no attempts. */
const ASSESSMENTS_WITH_VIEWER_ATTEMPTS =
  "(SELECT coalesce(json_agg(json_build_array(json_build_object('id', a.id, 'courseId', a.course_id, " +
  "'title', a.title, 'maxAttempts', a.max_attempts, 'isActive', a.is_active), " +
  '(SELECT count(*)::int FROM assessment_attempts t WHERE t.assessment_id = a.id AND t.user_id = ?)) ' +
  "ORDER BY a.id), '[]') FROM assessments a WHERE a.course_id = listed.id AND a.is_active)";
const COURSE_JSON =
  "json_build_object('id', listed.id, 'title', listed.title, 'description', listed.description, " +
  "'level', listed.level, 'levelRank', listed.levelRank, 'contentPath', listed.contentPath, " +
  "'videoUrl', listed.videoUrl, 'thumbnailUrl', listed.thumbnailUrl, 'durationMinutes', listed.durationMinutes, " +
  "'prerequisites', listed.prerequisites, 'tags', listed.tags, 'isActive', listed.isActive, " +
  `'createdAt', ${epochMs('listed.createdAt')}, 'updatedAt', ${epochMs('listed.updatedAt')})`;
/** One row: the count, and the courses as one JSON array of [course, onPage, the columns' values]. */
const pageWith = (...columns: string[]) =>
  'SELECT max(catalogCount) AS catalogCount, ' +
  `coalesce(json_agg(json_build_array(${COURSE_JSON}, onPage, json_build_array(${columns.join(', ')})) ` +
  `ORDER BY onPage DESC, id), '[]') AS listed FROM (${COURSES_WITH_PREREQUISITES}) listed`;

let server: TestServer;
let viewer: { id: number; role: 'learner' };

beforeAll(async () => {
  server = await startTestServer();
  const prisma = server.database.prisma;
  viewer = { id: (await createUser(prisma)).id, role: 'learner' };
  const courses = [];
  for (let i = 0; i < 24; i += 1) {
    const prerequisites = courses.slice(-2).map((course) => course.id);
    const course = await createCourse(prisma, { prerequisites });
    courses.push(course);
    for (let a = 0; a < 2; a += 1) {
      const assessment = await createAssessment(prisma, course.id);
      if (i % 2 === 0) {
        await prisma.assessmentAttempt.create({
          data: {
            userId: viewer.id,
            assessmentId: assessment.id,
            attemptNumber: 1,
            score: 80,
            passed: true,
            startedAt: new Date(Date.now() - 60_000),
            submittedAt: new Date(),
          },
        });
      }
    }
    if (i < 12) {
      await prisma.userProgress.create({
        data: {
          userId: viewer.id,
          courseId: course.id,
          completionRate: 100,
          completedAt: new Date(),
          testScores: [{ assessmentId: 1, attemptNumber: 1, score: 80, passed: true, submittedAt: new Date() }],
        },
      });
    }
  }
});
afterAll(() => server.close());

async function statementsFor(first: number, as?: typeof viewer) {
  const before = server.database.statementCount();
  const response = await server.graphql(LearningCatalogDocument, { first }, { as });
  const statements = server.database.statementCount() - before;
  // The loaders' statements leave together, so the order they arrive in is not fixed.
  const sql = server.database.statementsSince(before).sort();
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data!.courses.edges).toHaveLength(first);
  return { statements, sql, courses: response.body.data!.courses };
}

describe('the catalog page with learning fields', () => {
  it(`costs the same ${STATEMENTS_PER_PAGE} statements for 5, 10 and 20 courses`, async () => {
    // The first request of a token provisions its user; that write is not part of the page.
    await server.graphql(LearningCatalogDocument, { first: 1 }, { as: viewer });
    const counts = [];
    for (const first of [5, 10, 20]) {
      const { statements, sql } = await statementsFor(first, viewer);
      counts.push(statements);
      expect(sql).toEqual([pageWith(VIEWER_PROGRESS, ASSESSMENTS_WITH_VIEWER_ATTEMPTS)]);
    }
    expect(counts).toEqual([STATEMENTS_PER_PAGE, STATEMENTS_PER_PAGE, STATEMENTS_PER_PAGE]);
  });

  it('answers the page correctly while batching', async () => {
    const { courses } = await statementsFor(20, viewer);
    expect(courses.totalCount).toBe(24);
    const nodes = courses.edges.map((edge) => edge.node);
    // The first 12 are completed, so courses up to the 13th are unlocked; the 14th needs the 13th.
    expect(nodes.map((node) => node.isUnlocked)).toEqual(nodes.map((_, i) => i <= 12));
    expect(nodes.map((node) => node.viewerProgress?.testScores.length ?? 0)).toEqual(
      nodes.map((_, i) => (i < 12 ? 1 : 0)),
    );
    expect(nodes.map((node) => node.assessments.map((a) => a.viewerAttemptsRemaining))).toEqual(
      nodes.map((_, i) => (i % 2 === 0 ? [2, 2] : [3, 3])),
    );
    expect(nodes[5]!.prerequisites.map((course) => course.id)).toEqual([nodes[3]!.id, nodes[4]!.id]);
  });

  it('costs one statement, without the progress column, for anonymous viewers', async () => {
    const counts = [];
    for (const first of [5, 20]) {
      const { statements, sql } = await statementsFor(first);
      counts.push(statements);
      // No progress without a viewer.
      expect(sql).toEqual([pageWith(ASSESSMENTS_WITH_VIEWER_ATTEMPTS)]);
    }
    expect(counts).toEqual([STATEMENTS_PER_PAGE, STATEMENTS_PER_PAGE]);
  });
});
