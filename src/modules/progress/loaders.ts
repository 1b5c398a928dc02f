import DataLoader from 'dataloader';
import { Prisma, type UserProgress } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { byKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';
import { dateOf, dateOrNullOf, jsonTimestamp } from '../../platform/db/json-values.js';
import type { CatalogColumn } from '../course/catalog.js';

export interface ProgressLoaders {
  /** The viewer's own progress in a course; null for anonymous viewers and courses not started. */
  viewerProgressByCourse: DataLoader<number, UserProgress | null>;
  /**
   * What viewerProgressByCourse would answer for a course, if it is at hand without a promise (a catalog page
   * brought it, or the viewer is anonymous); undefined otherwise.
   */
  knownViewerProgress(courseId: number): UserProgress | null | undefined;
  /** The viewer's progress in each course of a catalog page, in the page's statement; none for anonymous viewers. */
  viewerProgressColumn: CatalogColumn | undefined;
}

/** The viewer's progress in each of `courses` (those with none left out) if all are known, else undefined. */
export function knownViewerProgressOf(
  loaders: ProgressLoaders,
  courses: readonly { id: number }[],
): UserProgress[] | undefined {
  const progress: UserProgress[] = [];
  for (const { id } of courses) {
    const row = loaders.knownViewerProgress(id);
    if (row === undefined) return undefined;
    if (row) progress.push(row);
  }
  return progress;
}

/** $1: the viewer, $2: course ids. Every column, named as Prisma's UserProgress (completion_rate as text). */
const VIEWER_PROGRESS: NamedStatement = {
  name: 'viewer-progress-by-course',
  text: `SELECT id, user_id AS "userId", course_id AS "courseId", completion_rate AS "completionRate",
    current_section AS "currentSection", test_scores AS "testScores", study_time_minutes AS "studyTimeMinutes",
    last_accessed AS "lastAccessed", completed_at AS "completedAt", created_at AS "createdAt",
    updated_at AS "updatedAt"
    FROM user_progress WHERE user_id = $1 AND course_id = ANY ($2::int[])`,
};

type ProgressRow = Omit<UserProgress, 'completionRate'> & { completionRate: string };

/** VIEWER_PROGRESS's row as JSON, NUMERIC as text and timestamps by jsonTimestamp, for the catalog's column. */
const PROGRESS_JSON = `json_build_object('id', p.id, 'userId', p.user_id, 'courseId', p.course_id,
  'completionRate', p.completion_rate::text, 'currentSection', p.current_section, 'testScores', p.test_scores,
  'studyTimeMinutes', p.study_time_minutes, 'lastAccessed', ${jsonTimestamp('p.last_accessed')},
  'completedAt', ${jsonTimestamp('p.completed_at')}, 'createdAt', ${jsonTimestamp('p.created_at')},
  'updatedAt', ${jsonTimestamp('p.updated_at')})`;

type ProgressJson = Omit<ProgressRow, 'lastAccessed' | 'completedAt' | 'createdAt' | 'updatedAt'> & {
  lastAccessed: number;
  completedAt: number | null;
  createdAt: number;
  updatedAt: number;
};

// pg gives NUMERIC as text, exactly; Prisma's type for it is Decimal. The row becomes the UserProgress itself.
const progressOf = (row: ProgressRow): UserProgress => {
  const progress = row as unknown as UserProgress;
  progress.completionRate = new Prisma.Decimal(row.completionRate);
  return progress;
};

/** What PROGRESS_JSON wrote, as a UserProgress: the parsed object itself, its timestamps made Dates. */
const progressOfJson = (json: ProgressJson): UserProgress => {
  const row = json as unknown as ProgressRow;
  row.lastAccessed = dateOf(json.lastAccessed);
  row.completedAt = dateOrNullOf(json.completedAt);
  row.createdAt = dateOf(json.createdAt);
  row.updatedAt = dateOf(json.updatedAt);
  return progressOf(row);
};

export function createProgressLoaders(readRows: RowReader, viewer: Viewer | null): ProgressLoaders {
  const known = new Map<number, UserProgress | null>();
  const viewerProgressByCourse = new DataLoader<number, UserProgress | null>(async (courseIds) => {
    if (!viewer) return courseIds.map(() => null);
    const rows = await readRows<ProgressRow>(VIEWER_PROGRESS, [viewer.id, courseIds]);
    return byKey(courseIds, rows.map(progressOf), (row) => row.courseId);
  });
  return {
    viewerProgressByCourse,
    knownViewerProgress: (courseId) => (viewer ? known.get(courseId) : null),
    viewerProgressColumn: viewer
      ? {
          name: 'progress',
          fields: ['viewerProgress', 'isUnlocked'],
          sql: `(SELECT ${PROGRESS_JSON} FROM user_progress p WHERE p.user_id = $viewer AND p.course_id = listed.id)`,
          take(courseId, value) {
            const progress = value ? progressOfJson(value as ProgressJson) : null;
            viewerProgressByCourse.prime(courseId, progress);
            known.set(courseId, progress);
          },
        }
      : undefined,
  };
}
