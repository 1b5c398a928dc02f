import { z } from 'zod';
import { Prisma, type PrismaClient, type UserProgress } from '../../generated/prisma/client.js';
import { activeUnlessAdmin, type Actor } from '../../auth/access.js';
import { byRowId, DomainError, NotFoundError, type NameRow } from '../../platform/errors.js';
import { idOf, parseInput } from '../../platform/input.js';

/** One entry of user_progress.test_scores, appended by each submitted assessment attempt. */
export const testScoreSchema = z.object({
  /** The database id of the assessment (exposed as its global id). */
  assessmentId: z.number().int(),
  attemptNumber: z.number().int(),
  score: z.number(),
  passed: z.boolean(),
  submittedAt: z.coerce.date(),
});
export type TestScoreEntry = z.infer<typeof testScoreSchema>;

/** plugin-prisma's selection for the returned progress row, so nested fields cost no extra query. */
export type ProgressQuery = { select?: Prisma.UserProgressSelect; include?: Prisma.UserProgressInclude };

/** A prerequisite course as far as unlocking is concerned. */
interface PrerequisiteCourse {
  id: number;
  title: string;
  isActive: boolean;
}

/** extensions.missingPrerequisites names the courses by the ids clients know (their global ids). */
class PrerequisitesNotMetError extends DomainError {
  constructor(
    readonly missing: readonly PrerequisiteCourse[],
    nameRow: NameRow = byRowId,
  ) {
    super(
      'PREREQUISITES_NOT_MET',
      `Complete these courses first: ${missing.map((course) => course.title).join(', ')}`,
      { missingPrerequisites: missing.map((course) => ({ id: nameRow('Course', course.id), title: course.title })) },
    );
  }

  override namingRowsBy(nameRow: NameRow): PrerequisitesNotMetError {
    return new PrerequisitesNotMetError(this.missing, nameRow);
  }
}

/**
 * The learning-path rule in one place: a course is unlocked when every ACTIVE prerequisite is completed
 * (has completed_at). Retired or missing prerequisites do not block anyone. Returns the ones still to do,
 * in the course's order.
 */
export function unmetPrerequisites<C extends PrerequisiteCourse>(
  prerequisites: readonly C[],
  completedCourseIds: ReadonlySet<number>,
): C[] {
  return prerequisites.filter((course) => course.isActive && !completedCourseIds.has(course.id));
}

async function assertUnlocked(db: Prisma.TransactionClient, userId: number, prerequisiteIds: number[]) {
  if (prerequisiteIds.length === 0) return;
  const courses = await db.course.findMany({
    where: { id: { in: prerequisiteIds } },
    select: { id: true, title: true, isActive: true },
  });
  const completed = await db.userProgress.findMany({
    where: { userId, courseId: { in: prerequisiteIds }, completedAt: { not: null } },
    select: { courseId: true },
  });
  const inOrder = prerequisiteIds.flatMap((id) => courses.filter((course) => course.id === id));
  const missing = unmetPrerequisites(inOrder, new Set(completed.map((row) => row.courseId)));
  if (missing.length > 0) throw new PrerequisitesNotMetError(missing);
}

/**
 * The actor's progress row for the course, created when it does not exist yet: NOT_FOUND for a course the
 * actor cannot see, PREREQUISITES_NOT_MET while an active prerequisite is not completed. Idempotent and
 * safe under concurrency (a concurrent start is absorbed by the (user, course) unique key).
 */
export async function startCourse(
  db: Prisma.TransactionClient,
  actor: Actor,
  courseId: number,
  query: ProgressQuery = {},
): Promise<UserProgress> {
  const key = { userId_courseId: { userId: actor.id, courseId } };
  const existing = await db.userProgress.findUnique({ ...query, where: key });
  if (existing) return existing;
  const course = await db.course.findFirst({
    where: { id: courseId, ...activeUnlessAdmin(actor) },
    select: { prerequisites: true },
  });
  if (!course) throw new NotFoundError('Course');
  await assertUnlocked(db, actor.id, course.prerequisites);
  await db.userProgress.createMany({ data: [{ userId: actor.id, courseId }], skipDuplicates: true });
  return db.userProgress.findUniqueOrThrow({ ...query, where: key });
}

/** The highest section number a course may have. */
const MAX_SECTION = 10_000;
/** studyTimeMinutes stops growing here (the column's INTEGER maximum): a running total must stay storable. */
export const MAX_STUDY_TIME_MINUTES = 2_147_483_647;

/** ProgressInput, validated. */
const progressInputSchema = z.object({
  currentSection: z
    .number()
    .int()
    .min(1, `must be between 1 and ${MAX_SECTION}`)
    .max(MAX_SECTION, `must be between 1 and ${MAX_SECTION}`)
    .nullish(),
  // completion_rate keeps 2 decimals; rounding here makes 99.999 count as complete, as it will be stored.
  completionRate: z
    .number()
    .min(0, 'must be between 0 and 100')
    .max(100, 'must be between 0 and 100')
    .nullish()
    .transform((rate) => (rate === null || rate === undefined ? null : Math.round(rate * 100) / 100)),
  studyMinutes: z.number().int().min(0, 'must be between 0 and 1440').max(1440, 'must be between 0 and 1440').nullish(),
  reset: z.boolean().nullish(),
});

/**
 * Records a study session (a ProgressInput) in a single UPDATE of the row, so that concurrent calls compose: study
 * minutes are added in SQL, completion only grows (GREATEST) unless `reset`, which sets it to the given rate or 0
 * and the section to the given one or 1. completed_at is set when completion reaches 100 (the first time is kept)
 * and cleared below 100; last_accessed is always touched. A course not started yet is started first (see
 * startCourse), in one transaction with the update; a started one, the common case, needs no transaction.
 */
export async function recordProgress(
  prisma: PrismaClient,
  actor: Actor,
  courseId: number,
  input: unknown,
  query: ProgressQuery = {},
): Promise<UserProgress> {
  // Validated together, so that one BAD_USER_INPUT names every mistake.
  const { currentSection, completionRate, studyMinutes, reset } = parseInput(
    z.object({ courseId: idOf('Course'), input: progressInputSchema }),
    { courseId, input },
  ).input;
  const nextRate = reset
    ? Prisma.sql`${completionRate ?? 0}::numeric`
    : Prisma.sql`GREATEST(completion_rate, ${completionRate ?? 0}::numeric)`;
  const assignments = Prisma.sql`
        completion_rate = ${nextRate},
        completed_at = CASE WHEN ${nextRate} >= 100 THEN COALESCE(completed_at, now()) END,
        current_section = COALESCE(${currentSection ?? null}::int, ${reset ? Prisma.sql`1` : Prisma.sql`current_section`}),
        study_time_minutes = LEAST(study_time_minutes::bigint + ${studyMinutes ?? 0}::int, ${MAX_STUDY_TIME_MINUTES}::int),
        last_accessed = now()`;
  const [started] = await prisma.$queryRaw<{ id: number }[]>`
      UPDATE user_progress SET ${assignments} WHERE user_id = ${actor.id} AND course_id = ${courseId} RETURNING id`;
  const id =
    started?.id ??
    (await prisma.$transaction(async (tx) => {
      const { id } = await startCourse(tx, actor, courseId);
      await tx.$executeRaw`UPDATE user_progress SET ${assignments} WHERE id = ${id}`;
      return id;
    }));
  // Gone only if its course or user was deleted since.
  const progress = await prisma.userProgress.findUnique({ ...query, where: { id } });
  if (!progress) throw new NotFoundError('Course');
  return progress;
}

/**
 * The user's recommended next courses: active, not completed by them, and unlocked for them (the rule of
 * unmetPrerequisites, in SQL so that the catalog is not read into memory), in teaching order.
 * Each course's prerequisites are unnested and joined to courses by primary key: written as
 * `pre.id = ANY (c.prerequisites)`, PostgreSQL could only test every (course, prerequisite candidate) pair
 * as a join filter (515k rows discarded per call on the bench catalog, 90 ms; this way 1.8 ms).
 */
export async function recommendedCourseIds(
  db: Prisma.TransactionClient,
  userId: number,
  limit: number,
): Promise<number[]> {
  const rows = await db.$queryRaw<{ id: number }[]>`
    SELECT c.id FROM courses c
    WHERE c.is_active
      AND NOT EXISTS (
        SELECT 1 FROM user_progress p
        WHERE p.user_id = ${userId} AND p.course_id = c.id AND p.completed_at IS NOT NULL)
      AND NOT EXISTS (
        SELECT 1 FROM unnest(c.prerequisites) AS prerequisite(id)
        JOIN courses pre ON pre.id = prerequisite.id AND pre.is_active
        WHERE NOT EXISTS (
          SELECT 1 FROM user_progress p
          WHERE p.user_id = ${userId} AND p.course_id = pre.id AND p.completed_at IS NOT NULL))
    ORDER BY c.level_rank, c.id
    LIMIT ${limit}`;
  return rows.map((row) => row.id);
}
