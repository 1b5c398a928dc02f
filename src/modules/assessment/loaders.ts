import DataLoader from 'dataloader';
import type { Assessment, AssessmentAttempt, PrismaClient } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { isAdmin } from '../../auth/access.js';
import { groupedByKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';

/**
 * An assessment as a course's list of them reads it: without its questions and scoring rules, most of the
 * row's bytes, which a catalog page never shows. The fields that show them select those columns, and
 * plugin-prisma loads them (one batched statement) for rows read here.
 */
export type AssessmentListing = Omit<Assessment, 'questions' | 'scoringConfig'>;

/** Batching for a course's assessments and the viewer's attempts (see createLoaders in graphql/context.ts). */
export interface AssessmentLoaders {
  /** A course's assessments the viewer may see (learners: active ones of active courses), in id order. */
  assessmentsByCourse: DataLoader<number, AssessmentListing[]>;
  /** The viewer's own attempts at an assessment, by attempt number; none for anonymous viewers. */
  viewerAttemptsByAssessment: DataLoader<number, AssessmentAttempt[]>;
  /**
   * How many attempts the viewer has made at an assessment (0 for anonymous viewers). assessmentsByCourse
   * primes it, so the catalog's viewerAttemptsRemaining costs no statement of its own.
   */
  viewerAttemptCountByAssessment: DataLoader<number, number>;
  /**
   * The counts assessmentsByCourse came with, at hand without a promise: a resolver answers from them
   * synchronously instead of awaiting the primed loader for a value it already has.
   */
  knownViewerAttemptCounts: ReadonlyMap<number, number>;
}

/** A course's assessments with the viewer's attempt count at each, for the statements below. */
type ListingRow = AssessmentListing & { viewerAttempts: number };

const LISTING_COLUMNS = `a.id, a.course_id AS "courseId", a.title, a.description, a.difficulty,
  a.pass_threshold AS "passThreshold", a.time_limit_minutes AS "timeLimitMinutes", a.max_attempts AS "maxAttempts",
  a.is_active AS "isActive", a.created_at AS "createdAt", a.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM assessment_attempts t WHERE t.assessment_id = a.id AND t.user_id = $2) AS "viewerAttempts"`;

/**
 * $1: course ids, $2: the viewer (0 when anonymous: no user has id 0). What visibleAssessments allows: admins
 * every assessment, learners the active ones of active courses. In id order.
 */
const ASSESSMENTS_BY_COURSE: Record<'admin' | 'learner', NamedStatement> = {
  admin: {
    name: 'assessments-by-course',
    text: `SELECT ${LISTING_COLUMNS} FROM assessments a WHERE a.course_id = ANY ($1::int[]) ORDER BY a.id`,
  },
  learner: {
    name: 'visible-assessments-by-course',
    text: `SELECT ${LISTING_COLUMNS} FROM assessments a JOIN courses c ON c.id = a.course_id AND c.is_active
      WHERE a.course_id = ANY ($1::int[]) AND a.is_active ORDER BY a.id`,
  },
};

export function createAssessmentLoaders(
  { prisma, readRows }: { prisma: PrismaClient; readRows: RowReader },
  viewer: Viewer | null,
): AssessmentLoaders {
  const viewerAttemptsByAssessment: AssessmentLoaders['viewerAttemptsByAssessment'] = new DataLoader(
    async (assessmentIds) => {
      if (!viewer) return assessmentIds.map(() => []);
      const rows = await prisma.assessmentAttempt.findMany({
        where: { userId: viewer.id, assessmentId: { in: [...assessmentIds] } },
        orderBy: { attemptNumber: 'asc' },
      });
      return groupedByKey(assessmentIds, rows, (attempt) => attempt.assessmentId);
    },
  );
  const viewerAttemptCountByAssessment: AssessmentLoaders['viewerAttemptCountByAssessment'] = new DataLoader(
    async (assessmentIds) =>
      (await viewerAttemptsByAssessment.loadMany(assessmentIds)).map((attempts) =>
        attempts instanceof Error ? attempts : attempts.length,
      ),
  );
  const knownViewerAttemptCounts = new Map<number, number>();
  const assessmentsByCourse = ASSESSMENTS_BY_COURSE[isAdmin(viewer) ? 'admin' : 'learner'];
  return {
    assessmentsByCourse: new DataLoader(async (courseIds) => {
      // The viewer's attempts are counted in the same statement (anonymous viewers count none).
      const rows = await readRows<ListingRow>(assessmentsByCourse, [courseIds, viewer?.id ?? 0]);
      const assessments = rows.map(({ viewerAttempts, ...assessment }) => {
        if (viewer) {
          viewerAttemptCountByAssessment.prime(assessment.id, viewerAttempts);
          knownViewerAttemptCounts.set(assessment.id, viewerAttempts);
        }
        return assessment;
      });
      return groupedByKey(courseIds, assessments, (assessment) => assessment.courseId);
    }),
    viewerAttemptsByAssessment,
    viewerAttemptCountByAssessment,
    knownViewerAttemptCounts,
  };
}
