import DataLoader from 'dataloader';
import type { Course } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { isAdmin } from '../../auth/access.js';
import { byKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';
import { dateOf, jsonTimestamp } from '../../platform/db/json-values.js';

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

/** Each field of Prisma's Course and its column (tests/integration/batching/loader-rows checks the rows). */
const COURSE_FIELDS = {
  id: 'id',
  title: 'title',
  description: 'description',
  level: 'level',
  levelRank: 'level_rank',
  contentPath: 'content_path',
  videoUrl: 'video_url',
  thumbnailUrl: 'thumbnail_url',
  durationMinutes: 'duration_minutes',
  prerequisites: 'prerequisites',
  tags: 'tags',
  isActive: 'is_active',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const satisfies Record<keyof Course, string>;

/** Every column of courses, named and typed as Prisma's Course. */
export const COURSE_COLUMNS = Object.entries(COURSE_FIELDS)
  .map(([field, column]) => (field === column ? column : `${column} AS "${field}"`))
  .join(', ');

/** A course as JSON, from `row`: a row of COURSE_COLUMNS (timestamps by jsonTimestamp). */
export function courseJson(row: string): string {
  const value = (field: string) =>
    field === 'createdAt' || field === 'updatedAt' ? jsonTimestamp(`${row}."${field}"`) : `${row}."${field}"`;
  return `json_build_object(${Object.keys(COURSE_FIELDS)
    .map((field) => `'${field}', ${value(field)}`)
    .join(', ')})`;
}

/** What courseJson wrote. */
export type CourseJson = Omit<Course, 'createdAt' | 'updatedAt'> & { createdAt: number; updatedAt: number };

/** What courseJson wrote, as Prisma's Course: the parsed object itself, its timestamps made Dates. */
export function courseOfJson(json: CourseJson): Course {
  const course = json as unknown as Course;
  course.createdAt = dateOf(json.createdAt);
  course.updatedAt = dateOf(json.updatedAt);
  return course;
}

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
