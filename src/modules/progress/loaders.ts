import DataLoader from 'dataloader';
import type { PrismaClient, UserProgress } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { byKey } from '../../platform/db/keyed-rows.js';

export interface ProgressLoaders {
  /** The viewer's own progress in a course; null for anonymous viewers and courses not started. */
  viewerProgressByCourse: DataLoader<number, UserProgress | null>;
}

export function createProgressLoaders(prisma: PrismaClient, viewer: Viewer | null): ProgressLoaders {
  return {
    viewerProgressByCourse: new DataLoader(async (courseIds) => {
      if (!viewer) return courseIds.map(() => null);
      const rows = await prisma.userProgress.findMany({
        where: { userId: viewer.id, courseId: { in: [...courseIds] } },
      });
      return byKey(courseIds, rows, (row) => row.courseId);
    }),
  };
}
