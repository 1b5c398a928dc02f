import DataLoader from 'dataloader';
import type { Assessment, AssessmentAttempt, PrismaClient } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { visibleAssessments } from '../../auth/access.js';
import { groupedByKey } from '../../platform/db/keyed-rows.js';

/**
 * An assessment as a course's list of them reads it: without its questions and scoring rules, most of the
 * row's bytes, which a catalog page never shows. The fields that show them select those columns, and
 * plugin-prisma loads them (one batched statement) for rows read here.
 */
export type AssessmentListing = Omit<Assessment, 'questions' | 'scoringConfig'>;

const CONTENT_COLUMNS = { questions: true, scoringConfig: true } as const;

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

export function createAssessmentLoaders(prisma: PrismaClient, viewer: Viewer | null): AssessmentLoaders {
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
  return {
    assessmentsByCourse: new DataLoader(async (courseIds) => {
      const where = { courseId: { in: [...courseIds] }, ...visibleAssessments(viewer) };
      const orderBy = { id: 'asc' } as const;
      if (!viewer) {
        const rows = await prisma.assessment.findMany({ where, orderBy, omit: CONTENT_COLUMNS });
        return groupedByKey(courseIds, rows, (row) => row.courseId);
      }
      const rows = await prisma.assessment.findMany({
        where,
        orderBy,
        omit: CONTENT_COLUMNS,
        // The viewer's attempts are counted in the same statement (a grouped join on their attempts).
        include: { _count: { select: { attempts: { where: { userId: viewer.id } } } } },
      });
      const assessments = rows.map(({ _count, ...assessment }) => {
        viewerAttemptCountByAssessment.prime(assessment.id, _count.attempts);
        knownViewerAttemptCounts.set(assessment.id, _count.attempts);
        return assessment;
      });
      return groupedByKey(courseIds, assessments, (assessment) => assessment.courseId);
    }),
    viewerAttemptsByAssessment,
    viewerAttemptCountByAssessment,
    knownViewerAttemptCounts,
  };
}
