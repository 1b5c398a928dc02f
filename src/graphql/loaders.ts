import DataLoader from 'dataloader';
import type { Assessment, AssessmentAttempt, Course, PrismaClient, UserProgress } from '../generated/prisma/client.js';
import type { Viewer } from '../auth/token.js';
import { activeUnlessAdmin, visibleAssessments } from '../auth/access.js';

/**
 * Batching for lookups that plugin-prisma's selections do not cover (prerequisite ids in an array column,
 * the viewer's own progress and attempts, a course's assessments with the viewer's attempt counts), so that
 * a page of courses costs one query per kind, not per course. Created per request: results are the
 * viewer's own and must not outlive the request.
 */
export interface Loaders {
  /** Courses the viewer may see by id (inactive ones are null for learners). */
  courseById: DataLoader<number, Course | null>;
  viewerProgressByCourse: DataLoader<number, UserProgress | null>;
  /** A course's assessments the viewer may see (learners: active ones of active courses), in id order. */
  assessmentsByCourse: DataLoader<number, Assessment[]>;
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

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** Groups rows under their keys, keeping the rows' order; a key without rows gets []. */
function groupedByKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

export function createLoaders(prisma: PrismaClient, viewer: Viewer | null): Loaders {
  const viewerAttemptsByAssessment: Loaders['viewerAttemptsByAssessment'] = new DataLoader(async (assessmentIds) => {
    if (!viewer) return assessmentIds.map(() => []);
    const rows = await prisma.assessmentAttempt.findMany({
      where: { userId: viewer.id, assessmentId: { in: [...assessmentIds] } },
      orderBy: { attemptNumber: 'asc' },
    });
    return groupedByKey(assessmentIds, rows, (attempt) => attempt.assessmentId);
  });
  const viewerAttemptCountByAssessment: Loaders['viewerAttemptCountByAssessment'] = new DataLoader(
    async (assessmentIds) =>
      (await viewerAttemptsByAssessment.loadMany(assessmentIds)).map((attempts) =>
        attempts instanceof Error ? attempts : attempts.length,
      ),
  );
  const knownViewerAttemptCounts = new Map<number, number>();
  return {
    courseById: new DataLoader(async (ids) =>
      byKey(
        ids,
        await prisma.course.findMany({ where: { id: { in: [...ids] }, ...activeUnlessAdmin(viewer) } }),
        (course) => course.id,
      ),
    ),
    viewerProgressByCourse: new DataLoader(async (courseIds) => {
      if (!viewer) return courseIds.map(() => null);
      const rows = await prisma.userProgress.findMany({
        where: { userId: viewer.id, courseId: { in: [...courseIds] } },
      });
      return byKey(courseIds, rows, (row) => row.courseId);
    }),
    assessmentsByCourse: new DataLoader(async (courseIds) => {
      const where = { courseId: { in: [...courseIds] }, ...visibleAssessments(viewer) };
      const orderBy = { id: 'asc' } as const;
      if (!viewer) {
        return groupedByKey(courseIds, await prisma.assessment.findMany({ where, orderBy }), (row) => row.courseId);
      }
      const rows = await prisma.assessment.findMany({
        where,
        orderBy,
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

/** The found values of a loadMany, in order; a failed lookup fails the caller instead of vanishing. */
export function present<T>(values: (T | null | Error)[]): T[] {
  return values.filter((value): value is T => {
    if (value instanceof Error) throw value;
    return value !== null;
  });
}
