import DataLoader from 'dataloader';
import type { Course } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { isAdmin } from '../../auth/access.js';
import { byKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';

export interface CourseLoaders {
  /** Courses the viewer may see by id (inactive ones are null for learners); prerequisites are batched so. */
  courseById: DataLoader<number, Course | null>;
  /**
   * What courseById has answered or been primed with, at hand without a promise: a resolver answers from it
   * synchronously instead of awaiting the loader for rows it already has.
   */
  knownCourses: ReadonlyMap<number, Course | null>;
  /** Primes courseById (and knownCourses) with a course the viewer may see, or null for one they may not. */
  primeCourse(id: number, course: Course | null): void;
  /** How many courses of a level (null: all) and activity (null: both) there are; a catalog page primes it. */
  catalogCount: DataLoader<CatalogCountKey, number, string>;
}

/** The visible courses of `ids` in their order if every one is known (knownCourses), else undefined. */
export function knownCoursesOf(loaders: CourseLoaders, ids: readonly number[]): Course[] | undefined {
  const courses: Course[] = [];
  for (const id of ids) {
    const course = loaders.knownCourses.get(id);
    if (course === undefined) return undefined;
    if (course) courses.push(course);
  }
  return courses;
}

export interface CatalogCountKey {
  level: string | null;
  isActive: boolean | null;
}

/**
 * $1: a level or null for all, $2: active or inactive courses, null for both. A sum over the trigger-kept
 * counters of course_counts: at most six rows whatever the catalog's size, and exact, since the triggers write in
 * each course write's transaction. The catalog's page statements carry it as a column.
 */
export const CATALOG_COUNT = `SELECT coalesce(sum(courses), 0)::int AS courses FROM course_counts
    WHERE ($1::text IS NULL OR level = $1) AND ($2::boolean IS NULL OR is_active = $2)`;

const COUNTED_COURSES: NamedStatement = { name: 'counted-courses', text: CATALOG_COUNT };

/** Every column of courses, named and typed as Prisma's Course (tests/integration/batching/loader-rows checks). */
export const COURSE_COLUMNS = `id, title, description, level, level_rank AS "levelRank", content_path AS "contentPath",
  video_url AS "videoUrl", thumbnail_url AS "thumbnailUrl", duration_minutes AS "durationMinutes", prerequisites,
  tags, is_active AS "isActive", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** $1: course ids. What activeUnlessAdmin allows: admins every course, learners the active ones. */
const COURSES_BY_ID: Record<'admin' | 'learner', NamedStatement> = {
  admin: { name: 'courses-by-id', text: `SELECT ${COURSE_COLUMNS} FROM courses WHERE id = ANY ($1::int[])` },
  learner: {
    name: 'active-courses-by-id',
    text: `SELECT ${COURSE_COLUMNS} FROM courses WHERE id = ANY ($1::int[]) AND is_active`,
  },
};

export function createCourseLoaders(readRows: RowReader, viewer: Viewer | null): CourseLoaders {
  const coursesById = COURSES_BY_ID[isAdmin(viewer) ? 'admin' : 'learner'];
  const knownCourses = new Map<number, Course | null>();
  const remember = (id: number, course: Course | null) => {
    if (!knownCourses.has(id)) knownCourses.set(id, course);
  };
  const courseById = new DataLoader<number, Course | null>(async (ids) => {
    const courses = byKey(ids, await readRows<Course>(coursesById, [ids]), (course) => course.id);
    ids.forEach((id, index) => remember(id, courses[index]!));
    return courses;
  });
  return {
    courseById,
    knownCourses,
    primeCourse(id, course) {
      courseById.prime(id, course);
      remember(id, course);
    },
    catalogCount: new DataLoader(
      (keys) =>
        Promise.all(
          keys.map(async ({ level, isActive }) => {
            const [counted] = await readRows<{ courses: number }>(COUNTED_COURSES, [level, isActive]);
            return counted?.courses ?? 0;
          }),
        ),
      { cacheKeyFn: ({ level, isActive }) => `${level}/${isActive}` },
    ),
  };
}
