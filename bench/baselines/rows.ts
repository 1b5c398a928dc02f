import { formatPrismaCursor } from '@pothos/plugin-prisma';
import { encodeGlobalID } from '@pothos/plugin-relay';

/**
 * The catalog page's rows as pg returns them (snake_case columns; numeric as a string), and how every
 * GraphQL baseline maps them onto the schema's fields, with the project's ids and cursors, so that each
 * answers with the project's JSON.
 */

export interface CourseRow {
  id: number;
  title: string;
  level: string;
  duration_minutes: number | null;
  tags: string[];
  prerequisites: number[];
}

export interface AssessmentRow {
  id: number;
  title: string;
  max_attempts: number;
}

export interface TestScoreValue {
  assessmentId: number;
  attemptNumber: number;
  score: number;
  passed: boolean;
  submittedAt: string;
}

export interface ProgressRow {
  id: number;
  completion_rate: string;
  test_scores: TestScoreValue[];
}

/** A course page as the `courses` root field resolves it: the page and whether another follows. */
export interface CoursePage {
  page: CourseRow[];
  hasNextPage: boolean;
}

/** A course's cursor as the project's Prisma connection writes it (cursor on `id`). */
export const courseCursor = (id: number) => formatPrismaCursor({ id }, 'id');

/** The project's enum values are the stored levels upper-cased. */
export const levelEnum = (level: string) => level.toUpperCase();

/** The field resolvers that only map rows: the same for every GraphQL baseline, whatever fetches the rows. */
export const rowResolvers = {
  CourseConnection: {
    pageInfo: ({ page, hasNextPage }: CoursePage) => ({
      hasNextPage,
      hasPreviousPage: false,
      startCursor: page.length ? courseCursor(page[0]!.id) : null,
      endCursor: page.length ? courseCursor(page.at(-1)!.id) : null,
    }),
    edges: ({ page }: CoursePage) => page.map((course) => ({ cursor: courseCursor(course.id), node: course })),
  },
  Course: {
    id: (course: CourseRow) => encodeGlobalID('Course', course.id),
    level: (course: CourseRow) => levelEnum(course.level),
    durationMinutes: (course: CourseRow) => course.duration_minutes,
  },
  Assessment: {
    id: (assessment: AssessmentRow) => encodeGlobalID('Assessment', assessment.id),
  },
  UserProgress: {
    id: (progress: ProgressRow) => encodeGlobalID('UserProgress', progress.id),
    completionRate: (progress: ProgressRow) => Number(progress.completion_rate),
    testScores: (progress: ProgressRow) => progress.test_scores,
  },
  TestScore: {
    assessmentId: (score: TestScoreValue) => encodeGlobalID('Assessment', score.assessmentId),
  },
};
