import DataLoader from 'dataloader';
import type { Course, PrismaClient, UserProgress } from '../generated/prisma/client.js';
import type { Viewer } from '../auth.js';

/**
 * Batching for lookups that are not a Prisma relation of the parent row (prerequisite ids in an array
 * column, the viewer's own progress), so that a page of courses costs one query per kind, not per course.
 * Created per request: results are the viewer's own and must not outlive the request.
 */
export interface Loaders {
  /** Courses the viewer may see by id (inactive ones are null for learners). */
  courseById: DataLoader<number, Course | null>;
  viewerProgressByCourse: DataLoader<number, UserProgress | null>;
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

export function createLoaders(prisma: PrismaClient, viewer: Viewer | null): Loaders {
  const isAdmin = viewer?.role === 'admin';
  return {
    courseById: new DataLoader(async (ids) =>
      byKey(
        ids,
        await prisma.course.findMany({ where: { id: { in: [...ids] }, ...(isAdmin ? {} : { isActive: true }) } }),
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
  };
}

/** Drops the nulls and errors of a loadMany. */
export function present<T>(values: (T | null | Error)[]): T[] {
  return values.filter((value): value is T => value !== null && !(value instanceof Error));
}
