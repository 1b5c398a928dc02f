import path from 'node:path';
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { COURSE_LEVELS } from '../../platform/db/values.js';
import { NotFoundError } from '../../platform/errors.js';
import { httpUrl, idOf, parseInput, unique, unsetWhenNull } from '../../platform/input.js';
import { checkPrerequisites } from './prerequisites.js';
import { resolveContentPath } from '../../platform/content.js';
import { lessonIndexStatement, readLesson, type IndexedCourse } from '../../platform/db/lesson-index.js';

/** Tags are stored trimmed and lowercase, so that "GTO " and "gto" are one tag in filters as in writes. */
const normalizeTag = (tag: string) => tag.trim().toLowerCase();

/** A course carries at most this many tags, and a filter names at most as many (each list is one array test). */
export const MAX_COURSE_TAGS = 20;
export const MAX_TAG_LENGTH = 100;
export const MAX_PREREQUISITES = 20;
/** Longest catalog search: a longer one matches nothing anyway, and each is an ILIKE over two columns. */
export const MAX_SEARCH_LENGTH = 200;
/** Expected study time of one course, in minutes (a week of full days). */
export const MAX_DURATION_MINUTES = 10_080;

const tag = z
  .string()
  .transform(normalizeTag)
  .pipe(z.string().min(1, 'must not be empty').max(MAX_TAG_LENGTH, `must be at most ${MAX_TAG_LENGTH} characters`));
export const tagList = z.array(tag).max(MAX_COURSE_TAGS, `must hold at most ${MAX_COURSE_TAGS} tags`).transform(unique);

/** Where a course's Markdown lives: a normalized relative .md path that stays inside the content root. */
function contentPathSchema(contentRoot: string) {
  return z
    .string()
    .trim()
    .max(500, 'must be at most 500 characters')
    .refine(
      (value) => !/[\\\0]/.test(value) && path.posix.normalize(value) === value,
      'must be a normalized relative path with forward slashes (no ./, //, backslashes)',
    )
    .refine((value) => value.endsWith('.md'), 'must name a Markdown file (.md)')
    .refine((value) => {
      try {
        resolveContentPath(contentRoot, value);
        return true;
      } catch {
        return false;
      }
    }, 'must stay inside the content root');
}

function courseFields(contentRoot: string) {
  return {
    title: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    description: z.string().trim().max(10_000, 'must be at most 10000 characters').nullish(),
    level: z.enum(COURSE_LEVELS),
    contentPath: contentPathSchema(contentRoot).nullish(),
    videoUrl: httpUrl.nullish(),
    thumbnailUrl: httpUrl.nullish(),
    durationMinutes: z
      .number()
      .int()
      .min(0, 'must not be negative')
      .max(MAX_DURATION_MINUTES, `must be at most ${MAX_DURATION_MINUTES}`)
      .nullish(),
    tags: unsetWhenNull(tagList),
    prerequisiteIds: unsetWhenNull(
      z
        .array(idOf('Course'))
        .max(MAX_PREREQUISITES, `must hold at most ${MAX_PREREQUISITES} courses`)
        .transform(unique),
    ),
    isActive: unsetWhenNull(z.boolean()),
  };
}

/** CourseInput, validated (the content root decides which content paths are inside it). */
const courseCreateSchema = (contentRoot: string) => z.object(courseFields(contentRoot));
/** CourseUpdateInput: every field optional; only the given ones change. */
const courseUpdateSchema = (contentRoot: string) => {
  const fields = courseFields(contentRoot);
  // null leaves a NOT NULL column as it is, like leaving the field out.
  return z.object({ ...fields, title: unsetWhenNull(fields.title), level: unsetWhenNull(fields.level) }).partial();
};

/** plugin-prisma's selection for the returned course, so nested fields cost no extra query. */
export type CourseQuery = { select?: Prisma.CourseSelect; include?: Prisma.CourseInclude };

/** Makes the course's rows of the lesson index its lesson as it now is, in the course write's transaction. */
async function indexLesson(tx: Prisma.TransactionClient, course: IndexedCourse): Promise<void> {
  const { sql, values } = lessonIndexStatement(course);
  await tx.$executeRawUnsafe(sql, ...values);
}

/**
 * Adds a course from a CourseInput (prerequisiteIds as row ids), its lesson indexed for the offline coach; its
 * prerequisites must exist.
 */
export async function createCourse(prisma: PrismaClient, contentRoot: string, input: unknown, query: CourseQuery = {}) {
  const { prerequisiteIds, ...columns } = parseInput(courseCreateSchema(contentRoot), input, 'input');
  // Read before the transaction opens: the embedded database runs one transaction at a time.
  const markdown = columns.isActive === false ? null : await readLesson(contentRoot, columns.contentPath ?? null);
  return prisma.$transaction(async (tx) => {
    if (prerequisiteIds?.length) await checkPrerequisites(tx, null, prerequisiteIds);
    const course = await tx.course.create({
      ...query,
      // The index needs the id whatever the client selected.
      ...(query.select ? { select: { ...query.select, id: true } } : {}),
      data: { ...columns, prerequisites: prerequisiteIds },
    });
    // A new course has no sections yet: without a lesson there is nothing to write (the course write holds
    // the catalog counters' lock to the end of its transaction, so a statement saved is lock time saved).
    if (markdown !== null) await indexLesson(tx, { id: course.id, title: columns.title, markdown });
    return course;
  });
}

/**
 * Changes the given fields of a CourseUpdateInput (prerequisiteIds as row ids); new prerequisites must exist
 * and must not close a cycle. A change of content path, activity or title re-indexes its lesson in the same
 * transaction.
 */
export function updateCourse(
  prisma: PrismaClient,
  contentRoot: string,
  id: number,
  input: unknown,
  query: CourseQuery = {},
) {
  // Validated together, so that one BAD_USER_INPUT names every mistake.
  const { prerequisiteIds, ...columns } = parseInput(
    z.object({ id: idOf('Course'), input: courseUpdateSchema(contentRoot) }),
    { id, input },
  ).input;
  const changesLesson =
    columns.contentPath !== undefined || columns.isActive !== undefined || columns.title !== undefined;
  return prisma.$transaction(async (tx) => {
    const exists = await tx.course.findUnique({ where: { id }, select: { id: true } });
    if (!exists) throw new NotFoundError('Course');
    if (prerequisiteIds) await checkPrerequisites(tx, id, prerequisiteIds);
    const course = await tx.course.update({
      ...query,
      // What the index is made of, whatever the client selected.
      ...(query.select && changesLesson
        ? { select: { ...query.select, title: true, contentPath: true, isActive: true } }
        : {}),
      where: { id },
      data: { ...columns, prerequisites: prerequisiteIds },
    });
    if (changesLesson) {
      const { title, contentPath, isActive } = course as {
        title: string;
        contentPath: string | null;
        isActive: boolean;
      };
      const markdown = isActive ? await readLesson(contentRoot, contentPath) : null;
      await indexLesson(tx, { id, title, markdown });
    }
    return course;
  });
}
