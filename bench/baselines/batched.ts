import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import DataLoader from 'dataloader';
import type { GraphQLSchema } from 'graphql';
import type pg from 'pg';
import type { Viewer } from '../../src/auth/token.js';
import { rowResolvers, type AssessmentRow, type CoursePage, type CourseRow, type ProgressRow } from './rows.js';

/**
 * What the two batched GraphQL peers (apollo, jit) share: an SDL-first schema (the printed schema.graphql)
 * with hand-written resolvers over per-request DataLoaders and pg, sending the statements the project sends
 * for the catalog page, one of each kind whatever the page size: the courses page, totalCount, the
 * prerequisite courses, the viewer's progress in the page's courses and their prerequisites, and the
 * assessments with the viewer's attempt count at each. Written as a careful hand would: named prepared
 * statements, only the columns the page reads, and values already on a row returned as they are.
 */

const COURSE_COLUMNS = 'id, title, level, duration_minutes, tags, prerequisites';

/** $1: how many courses (the page size + 1, to know whether another page follows). */
const COURSE_PAGE = {
  name: 'peer-course-page',
  text: `SELECT ${COURSE_COLUMNS} FROM courses WHERE is_active ORDER BY id LIMIT $1`,
};
const ACTIVE_COURSE_COUNT = {
  name: 'peer-course-count',
  text: 'SELECT count(*)::int AS n FROM courses WHERE is_active',
};
/** $1: course ids; learners see active courses only. */
const COURSES_BY_ID = {
  name: 'peer-courses-by-id',
  text: `SELECT ${COURSE_COLUMNS} FROM courses WHERE id = ANY ($1::int[]) AND is_active`,
};
/** $1: viewer, $2: course ids. */
const VIEWER_PROGRESS = {
  name: 'peer-viewer-progress',
  text: `SELECT id, course_id, completion_rate, test_scores, completed_at IS NOT NULL AS completed
         FROM user_progress WHERE user_id = $1 AND course_id = ANY ($2::int[])`,
};
/** $1: course ids, $2: viewer (0 for anonymous: no user has id 0). Active assessments of active courses. */
const ASSESSMENTS_WITH_ATTEMPTS = {
  name: 'peer-assessments',
  text: `SELECT a.id, a.course_id, a.title, a.max_attempts,
                (SELECT count(*)::int FROM assessment_attempts t WHERE t.assessment_id = a.id AND t.user_id = $2) AS attempts
         FROM assessments a JOIN courses c ON c.id = a.course_id AND c.is_active
         WHERE a.course_id = ANY ($1::int[]) AND a.is_active ORDER BY a.id`,
};

interface BatchedProgressRow extends ProgressRow {
  course_id: number;
  completed: boolean;
}

interface BatchedAssessmentRow extends AssessmentRow {
  course_id: number;
  /** The viewer's attempts at it. */
  attempts: number;
}

export interface PeerContext {
  viewer: Viewer | null;
  loaders: ReturnType<typeof createLoaders>;
}

function byKey<V>(keys: readonly number[], rows: V[], keyOf: (row: V) => number): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** The found values of a loadMany; a failed lookup fails the field. */
function present<T>(values: (T | null | Error)[]): T[] {
  return values.filter((value): value is T => {
    if (value instanceof Error) throw value;
    return value !== null;
  });
}

/** Per request: the loaders cache the viewer's own rows, which must not outlive the request. */
function createLoaders(pool: pg.Pool, viewer: Viewer | null) {
  const query = async <T extends pg.QueryResultRow>(statement: { name: string; text: string }, values: unknown[]) =>
    (await pool.query<T>({ ...statement, values })).rows;
  return {
    courseById: new DataLoader<number, CourseRow | null>(async (ids) =>
      byKey(ids, await query<CourseRow>(COURSES_BY_ID, [ids]), (course) => course.id),
    ),
    viewerProgressByCourse: new DataLoader<number, BatchedProgressRow | null>(async (courseIds) =>
      viewer
        ? byKey(courseIds, await query<BatchedProgressRow>(VIEWER_PROGRESS, [viewer.id, courseIds]), (p) => p.course_id)
        : courseIds.map(() => null),
    ),
    assessmentsByCourse: new DataLoader<number, BatchedAssessmentRow[]>(async (courseIds) => {
      const rows = await query<BatchedAssessmentRow>(ASSESSMENTS_WITH_ATTEMPTS, [courseIds, viewer?.id ?? 0]);
      const groups = new Map<number, BatchedAssessmentRow[]>(courseIds.map((id) => [id, []]));
      for (const row of rows) groups.get(row.course_id)!.push(row);
      return courseIds.map((id) => groups.get(id)!);
    }),
    /** The page's first statements, not batched (one call each per request). */
    async coursePage(first: number): Promise<CoursePage> {
      const page = await query<CourseRow>(COURSE_PAGE, [first + 1]);
      return { page: page.slice(0, first), hasNextPage: page.length > first };
    },
    async activeCourseCount(): Promise<number> {
      return (await query<{ n: number }>(ACTIVE_COURSE_COUNT, []))[0]!.n;
    },
  };
}

export function peerContext(pool: pg.Pool, viewer: Viewer | null): PeerContext {
  return { viewer, loaders: createLoaders(pool, viewer) };
}

const batchedResolvers = {
  Query: {
    courses: (_: unknown, { first }: { first?: number | null }, { loaders }: PeerContext) =>
      loaders.coursePage(first ?? 20),
  },
  CourseConnection: {
    totalCount: (_: CoursePage, _args: unknown, { loaders }: PeerContext) => loaders.activeCourseCount(),
  },
  Course: {
    prerequisites: async (course: CourseRow, _: unknown, { loaders }: PeerContext) =>
      present(await loaders.courseById.loadMany(course.prerequisites)),
    assessments: (course: CourseRow, _: unknown, { loaders }: PeerContext) =>
      loaders.assessmentsByCourse.load(course.id),
    viewerProgress: (course: CourseRow, _: unknown, { loaders }: PeerContext) =>
      loaders.viewerProgressByCourse.load(course.id),
    /** Every active prerequisite completed (the project's rule); the loads join the page's batches. */
    isUnlocked: async (course: CourseRow, _: unknown, { loaders }: PeerContext) => {
      if (course.prerequisites.length === 0) return true;
      const [courses, progress] = await Promise.all([
        loaders.courseById.loadMany(course.prerequisites),
        loaders.viewerProgressByCourse.loadMany(course.prerequisites),
      ]);
      const completed = new Set(
        present(progress)
          .filter((row) => row.completed)
          .map((row) => row.course_id),
      );
      return present(courses).every((prerequisite) => completed.has(prerequisite.id));
    },
  },
  Assessment: {
    viewerAttemptsRemaining: (assessment: BatchedAssessmentRow, _: unknown, { viewer }: PeerContext) =>
      viewer ? Math.max(0, assessment.max_attempts - assessment.attempts) : null,
  },
};

/** The printed schema with the peers' resolvers; fields they do not implement resolve as plain properties. */
export function peerSchema(): GraphQLSchema {
  const typeDefs = readFileSync(fileURLToPath(new URL('../../schema.graphql', import.meta.url)), 'utf8');
  return makeExecutableSchema({ typeDefs, resolvers: [rowResolvers, batchedResolvers] });
}
