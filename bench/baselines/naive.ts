/**
 * The NAIVE baseline: stock Apollo Server 5 (standalone, default plugins) over the contract's SDL, with a
 * plain resolver per field and one pg query per resolver call: the N+1 that everyone starts with. It
 * implements what scenario 1 asks for, with the project's rules, so it returns the same JSON.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Viewer } from '../../src/auth/token.js';
import { baselineEnvironment } from './common.js';
import { rowResolvers, type AssessmentRow, type CourseRow, type ProgressRow } from './rows.js';

const typeDefs = readFileSync(
  fileURLToPath(new URL('../../tests/contract/api-contract.graphql', import.meta.url)),
  'utf8',
);
const { port, pool, authenticate } = baselineEnvironment();

interface Context {
  viewer: Viewer | null;
}

const rows = async <T>(sql: string, values: unknown[]): Promise<T[]> => (await pool.query(sql, values)).rows as T[];
/** The value of a `SELECT count(*) AS n ...`. */
const count = async (sql: string, values: unknown[]) => Number((await rows<{ n: string }>(sql, values))[0]!.n);
const viewerId = (context: Context) => context.viewer?.id ?? 0;

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
  },
  Course: {
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
};

const server = new ApolloServer<Context>({ typeDefs, resolvers: [rowResolvers, resolvers] });
await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async ({ req }) => ({ viewer: await authenticate(req.headers.authorization) }),
});
