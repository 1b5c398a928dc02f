import DataLoader from 'dataloader';
import { Prisma, type UserProgress } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { byKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';

export interface ProgressLoaders {
  /** The viewer's own progress in a course; null for anonymous viewers and courses not started. */
  viewerProgressByCourse: DataLoader<number, UserProgress | null>;
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

export function createProgressLoaders(readRows: RowReader, viewer: Viewer | null): ProgressLoaders {
  return {
    viewerProgressByCourse: new DataLoader(async (courseIds) => {
      if (!viewer) return courseIds.map(() => null);
      const rows = await readRows<ProgressRow>(VIEWER_PROGRESS, [viewer.id, courseIds]);
      // pg gives NUMERIC as text, exactly; Prisma's type for it is Decimal.
      const progress = rows.map((row) => ({ ...row, completionRate: new Prisma.Decimal(row.completionRate) }));
      return byKey(courseIds, progress, (row) => row.courseId);
    }),
  };
}
