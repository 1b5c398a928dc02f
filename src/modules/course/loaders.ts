import DataLoader from 'dataloader';
import type { Course, PrismaClient } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { activeUnlessAdmin } from '../../auth/access.js';
import { byKey } from '../../platform/db/keyed-rows.js';

export interface CourseLoaders {
  /** Courses the viewer may see by id (inactive ones are null for learners); prerequisites are batched so. */
  courseById: DataLoader<number, Course | null>;
}

export function createCourseLoaders(prisma: PrismaClient, viewer: Viewer | null): CourseLoaders {
  return {
    courseById: new DataLoader(async (ids) =>
      byKey(
        ids,
        await prisma.course.findMany({ where: { id: { in: [...ids] }, ...activeUnlessAdmin(viewer) } }),
        (course) => course.id,
      ),
    ),
  };
}
