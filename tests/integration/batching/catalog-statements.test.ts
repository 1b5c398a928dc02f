import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, createUser } from '../../helpers/factories.js';
import { LearningCatalogDocument } from '../../generated/graphql.js';

/**
 * The catalog page asks, per course, for prerequisites, assessments with the viewer's attempts remaining,
 * the viewer's progress with test scores, and isUnlocked. Each of those is a per-request DataLoader (or a
 * plugin-prisma selection), so a page costs the same statements whatever its size:
 *   1 courses page, 2 totalCount, 3 prerequisite courses (courseById), 4 the viewer's progress in the page's
 *   courses and their prerequisites (viewerProgressByCourse), 5 assessments with the viewer's attempt count
 *   at each (assessmentsByCourse).
 * No transaction is opened for a read, so there is no BEGIN/COMMIT among them.
 */
const STATEMENTS_PER_PAGE = 5;

/**
 * Those statements by shape (tests/helpers/statements.ts normalizeSql), so that a new or repeated one names
 * itself; a shape is the same whatever the page's size, since lists of parameters are one `?`.
 */
const COURSES_PAGE =
  'SELECT courses.* FROM courses WHERE courses.is_active = ? ORDER BY courses.id ASC LIMIT ? OFFSET ?';
const TOTAL_COUNT =
  'SELECT SUM(courses) AS _sum$courses FROM (SELECT course_counts.courses FROM course_counts ' +
  'WHERE course_counts.is_active = ? OFFSET ?) AS sub';
const PREREQUISITE_COURSES =
  'SELECT courses.* FROM courses WHERE (courses.id IN (?) AND courses.is_active = ?) OFFSET ?';
const VIEWER_PROGRESS =
  'SELECT user_progress.* FROM user_progress WHERE (user_progress.user_id = ? AND user_progress.course_id IN (?)) OFFSET ?';
const ACTIVE_ASSESSMENTS_OF_ACTIVE_COURSES =
  'LEFT JOIN courses AS j0 ON (j0.id) = (assessments.course_id) WHERE (assessments.course_id IN (?) AND ' +
  'assessments.is_active = ? AND (j0.is_active = ? AND (j0.id IS NOT NULL))) ORDER BY assessments.id ASC OFFSET ?';
const ASSESSMENTS_WITH_VIEWER_ATTEMPTS =
  'SELECT assessments.*, COALESCE(aggr_selection_0_AssessmentAttempt._aggr_count_attempts, 0) AS ' +
  '_aggr_count_attempts FROM assessments LEFT JOIN (SELECT assessment_attempts.assessment_id, COUNT(*) AS ' +
  '_aggr_count_attempts FROM assessment_attempts WHERE assessment_attempts.user_id = ? GROUP BY ' +
  'assessment_attempts.assessment_id) AS aggr_selection_0_AssessmentAttempt ON (assessments.id = ' +
  `aggr_selection_0_AssessmentAttempt.assessment_id) ${ACTIVE_ASSESSMENTS_OF_ACTIVE_COURSES}`;
const ASSESSMENTS = `SELECT assessments.* FROM assessments ${ACTIVE_ASSESSMENTS_OF_ACTIVE_COURSES}`;

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
      expect(sql).toEqual(
        [COURSES_PAGE, TOTAL_COUNT, PREREQUISITE_COURSES, VIEWER_PROGRESS, ASSESSMENTS_WITH_VIEWER_ATTEMPTS].sort(),
      );
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

  it('costs fewer statements, still a fixed number, for anonymous viewers', async () => {
    const counts = [];
    for (const first of [5, 20]) {
      const { statements, sql } = await statementsFor(first);
      counts.push(statements);
      // No progress lookup and no attempt count without a viewer.
      expect(sql).toEqual([COURSES_PAGE, TOTAL_COUNT, PREREQUISITE_COURSES, ASSESSMENTS].sort());
    }
    // No progress lookup without a viewer.
    expect(counts).toEqual([STATEMENTS_PER_PAGE - 1, STATEMENTS_PER_PAGE - 1]);
  });
});
