/**
 * The NAIVE baseline: stock Apollo Server 5 (standalone, default plugins) over the contract's SDL, with a
 * plain resolver per field and one pg query per resolver call: the N+1 that everyone starts with. It
 * implements what scenario 1 asks for, with the project's rules, so it returns the same JSON.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { formatPrismaCursor } from '@pothos/plugin-prisma';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Viewer } from '../../src/auth.js';
import { baselineEnvironment } from './common.js';

const typeDefs = readFileSync(
  fileURLToPath(new URL('../../tests/contract/api-contract.graphql', import.meta.url)),
  'utf8',
);
const { port, pool, authenticate } = baselineEnvironment();

interface CourseRow {
  id: number;
  title: string;
  level: string;
  duration_minutes: number | null;
  tags: string[];
  prerequisites: number[];
}
interface AssessmentRow {
  id: number;
  title: string;
  max_attempts: number;
}
interface ProgressRow {
  id: number;
  completion_rate: string;
  test_scores: { assessmentId: number; attemptNumber: number; score: number; passed: boolean; submittedAt: string }[];
}
interface Context {
  viewer: Viewer | null;
}

const rows = async <T>(sql: string, values: unknown[]): Promise<T[]> => (await pool.query(sql, values)).rows as T[];
/** The value of a `SELECT count(*) AS n ...`. */
const count = async (sql: string, values: unknown[]) => Number((await rows<{ n: string }>(sql, values))[0]!.n);
const viewerId = (context: Context) => context.viewer?.id ?? 0;
/** A course's cursor as the project's Prisma connection writes it (cursor on `id`). */
const cursor = (course: CourseRow) => formatPrismaCursor({ id: course.id }, 'id');

const resolvers = {
  Query: {
    courses: async (_: unknown, { first }: { first?: number }) => {
      const size = first ?? 20;
      const page = await rows<CourseRow>('SELECT * FROM courses WHERE is_active ORDER BY id LIMIT $1', [size + 1]);
      return { page: page.slice(0, size), hasNextPage: page.length > size };
    },
  },
  CourseConnection: {
    totalCount: () => count('SELECT count(*) AS n FROM courses WHERE is_active', []),
    pageInfo: ({ page, hasNextPage }: { page: CourseRow[]; hasNextPage: boolean }) => ({
      hasNextPage,
      hasPreviousPage: false,
      startCursor: page.length ? cursor(page[0]!) : null,
      endCursor: page.length ? cursor(page.at(-1)!) : null,
    }),
    edges: ({ page }: { page: CourseRow[] }) => page.map((course) => ({ cursor: cursor(course), node: course })),
  },
  Course: {
    id: (course: CourseRow) => encodeGlobalID('Course', course.id),
    level: (course: CourseRow) => course.level.toUpperCase(),
    durationMinutes: (course: CourseRow) => course.duration_minutes,
    prerequisites: (course: CourseRow) =>
      rows<CourseRow>('SELECT * FROM courses WHERE id = ANY ($1) AND is_active ORDER BY array_position($1, id)', [
        course.prerequisites,
      ]),
    assessments: (course: CourseRow) =>
      rows<AssessmentRow>('SELECT * FROM assessments WHERE course_id = $1 AND is_active ORDER BY id', [course.id]),
    viewerProgress: async (course: CourseRow, _: unknown, context: Context) =>
      (
        await rows<ProgressRow>('SELECT * FROM user_progress WHERE user_id = $1 AND course_id = $2', [
          viewerId(context),
          course.id,
        ])
      )[0] ?? null,
    isUnlocked: async (course: CourseRow, _: unknown, context: Context) =>
      (await count(
        `SELECT count(*) AS n FROM courses pre
         WHERE pre.id = ANY ($1) AND pre.is_active AND NOT EXISTS (
           SELECT 1 FROM user_progress p WHERE p.user_id = $2 AND p.course_id = pre.id AND p.completed_at IS NOT NULL)`,
        [course.prerequisites, viewerId(context)],
      )) === 0,
  },
  Assessment: {
    id: (assessment: AssessmentRow) => encodeGlobalID('Assessment', assessment.id),
    viewerAttemptsRemaining: async (assessment: AssessmentRow, _: unknown, context: Context) =>
      context.viewer
        ? Math.max(
            0,
            assessment.max_attempts -
              (await count('SELECT count(*) AS n FROM assessment_attempts WHERE assessment_id = $1 AND user_id = $2', [
                assessment.id,
                context.viewer.id,
              ])),
          )
        : null,
  },
  UserProgress: {
    id: (progress: ProgressRow) => encodeGlobalID('UserProgress', progress.id),
    completionRate: (progress: ProgressRow) => Number(progress.completion_rate),
    testScores: (progress: ProgressRow) => progress.test_scores,
  },
  TestScore: {
    assessmentId: (score: ProgressRow['test_scores'][number]) => encodeGlobalID('Assessment', score.assessmentId),
  },
};

const server = new ApolloServer<Context>({ typeDefs, resolvers });
await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async ({ req }) => ({ viewer: await authenticate(req.headers.authorization) }),
});
