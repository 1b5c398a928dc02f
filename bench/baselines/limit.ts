/**
 * The LIMIT baseline: scenario 1 (the catalog page) answered by hand on node:http with three prepared
 * statements sent at once (each derives the page itself, so none waits for another) and the response JSON
 * built in JavaScript. No GraphQL: it ignores the query text and answers the one operation it knows, with
 * the same JSON the project returns for it. It still reads the body, checks the token and honours `first`,
 * so it does the per-request work every server must do.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { baselineEnvironment, serveGraphQLBodies } from './common.js';
import { courseCursor, levelEnum, type CourseRow, type TestScoreValue } from './rows.js';

/**
 * The page's courses as an array, for the statements that derive the page themselves. Matching on
 * `= ANY (<array>)` keeps an index probe per id in the generic plan that a prepared statement settles on
 * (a join on a `LIMIT $n` subquery becomes a hash join over a whole table there). $n: the page size.
 */
const page = (n: string, column: string) =>
  `ARRAY(SELECT ${column} FROM (SELECT id, prerequisites FROM courses WHERE is_active ORDER BY id LIMIT ${n}) AS page)`;

/**
 * $1: page size. The page and one more course (is there a next page?), each with its active prerequisites
 * in the order the course lists them, and the active course count.
 */
const COURSES = {
  name: 'limit-courses',
  text: `SELECT c.id, c.title, c.level, c.duration_minutes, c.tags,
                (SELECT coalesce(json_agg(json_build_object('id', pre.id, 'title', pre.title)
                                          ORDER BY array_position(c.prerequisites, pre.id)), '[]')
                 FROM courses pre WHERE pre.id = ANY (c.prerequisites) AND pre.is_active) AS shown_prerequisites,
                (SELECT count(*)::int FROM courses WHERE is_active) AS total_count
         FROM courses c WHERE c.is_active ORDER BY c.id LIMIT $1 + 1`,
};
/** $1: viewer, $2: page size. The page's active assessments with the viewer's attempts remaining. */
const ASSESSMENTS = {
  name: 'limit-assessments',
  text: `SELECT a.id, a.course_id, a.title, greatest(0, a.max_attempts - (
                  SELECT count(*)::int FROM assessment_attempts t WHERE t.assessment_id = a.id AND t.user_id = $1
                )) AS remaining
         FROM assessments a WHERE a.course_id = ANY (${page('$2', 'id')}) AND a.is_active ORDER BY a.id`,
};
/** $1: viewer, $2: page size. The viewer's progress in the page's courses and in their prerequisites. */
const PROGRESS = {
  name: 'limit-progress',
  text: `SELECT id, course_id, completion_rate::float8 AS completion_rate, test_scores,
                completed_at IS NOT NULL AS completed
         FROM user_progress
         WHERE user_id = $1 AND course_id = ANY (${page('$2', 'unnest(array_prepend(id, prerequisites))')})`,
};

interface CoursesRow extends Omit<CourseRow, 'prerequisites'> {
  shown_prerequisites: { id: number; title: string }[];
  total_count: number;
}
interface AssessmentsRow {
  id: number;
  course_id: number;
  title: string;
  remaining: number;
}
interface ProgressRow {
  id: number;
  course_id: number;
  completion_rate: number;
  test_scores: TestScoreValue[];
  completed: boolean;
}

const environment = baselineEnvironment();
const { pool } = environment;

serveGraphQLBodies(environment, async ({ variables }, viewer) => {
  if (!viewer) throw new Error('the limit answers signed-in viewers only');
  const first = (variables?.first as number | undefined) ?? 20;
  const [courses, assessments, progress] = await Promise.all([
    pool.query<CoursesRow>({ ...COURSES, values: [first] }),
    pool.query<AssessmentsRow>({ ...ASSESSMENTS, values: [viewer.id, first] }),
    pool.query<ProgressRow>({ ...PROGRESS, values: [viewer.id, first] }),
  ]);
  const assessmentsOf = new Map<number, AssessmentsRow[]>();
  for (const row of assessments.rows) {
    const list = assessmentsOf.get(row.course_id);
    if (list) list.push(row);
    else assessmentsOf.set(row.course_id, [row]);
  }
  const progressIn = new Map(progress.rows.map((row) => [row.course_id, row]));
  const shown = courses.rows.slice(0, first);
  const edges = shown.map((course) => ({
    cursor: courseCursor(course.id),
    node: {
      id: encodeGlobalID('Course', course.id),
      title: course.title,
      level: levelEnum(course.level),
      durationMinutes: course.duration_minutes,
      tags: course.tags,
      isUnlocked: course.shown_prerequisites.every((pre) => progressIn.get(pre.id)?.completed === true),
      prerequisites: course.shown_prerequisites.map((pre) => ({
        id: encodeGlobalID('Course', pre.id),
        title: pre.title,
      })),
      assessments: (assessmentsOf.get(course.id) ?? []).map((assessment) => ({
        id: encodeGlobalID('Assessment', assessment.id),
        title: assessment.title,
        viewerAttemptsRemaining: assessment.remaining,
      })),
      viewerProgress: viewerProgress(progressIn.get(course.id)),
    },
  }));
  return JSON.stringify({
    data: {
      courses: {
        totalCount: courses.rows[0]?.total_count ?? 0,
        pageInfo: {
          hasNextPage: courses.rows.length > first,
          endCursor: shown.length ? courseCursor(shown.at(-1)!.id) : null,
        },
        edges,
      },
    },
  });
});

function viewerProgress(row: ProgressRow | undefined) {
  return row
    ? {
        id: encodeGlobalID('UserProgress', row.id),
        completionRate: row.completion_rate,
        testScores: row.test_scores.map((score) => ({
          assessmentId: encodeGlobalID('Assessment', score.assessmentId),
          score: score.score,
          passed: score.passed,
          submittedAt: score.submittedAt,
        })),
      }
    : null;
}
