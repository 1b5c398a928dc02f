import { z } from 'zod';
import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { present } from '../../../platform/db/keyed-rows.js';
import { ownedByViewer } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';
import { DEFAULT_PAGE_SIZE, pageSizeOptions } from '../../../graphql/pagination.js';
import { CourseRef } from '../../course/graphql/types.js';
import { knownCoursesOf } from '../../course/loaders.js';
import { UserRef } from '../../user/graphql/types.js';
import { knownViewerProgressOf } from '../loaders.js';
import type { Course, UserProgress } from '../../../generated/prisma/client.js';
import type { Context } from '../../../graphql/context.js';
import { recommendedCourseIds, testScoreSchema, unmetPrerequisites, type TestScoreEntry } from '../service.js';

/** Stored JSON, checked on its way out (a malformed entry is an internal error, not a wrong answer). */
const testScoresSchema = z.array(testScoreSchema);

const TestScoreRef = builder.objectRef<TestScoreEntry>('TestScore').implement({
  description: 'The result of one submitted assessment attempt, kept with the progress of its course.',
  fields: (t) => ({
    assessmentId: t.globalID({
      description: 'The global id of the assessment.',
      resolve: (entry) => ({ type: 'Assessment', id: entry.assessmentId }),
    }),
    attemptNumber: t.exposeInt('attemptNumber'),
    score: t.exposeFloat('score', { description: 'Percentage 0-100.' }),
    passed: t.exposeBoolean('passed'),
    submittedAt: t.expose('submittedAt', { type: 'DateTime' }),
  }),
});

export const UserProgressRef = builder.prismaNode('UserProgress', {
  description: "A learner's progress in one course. Visible to that learner and to admins only.",
  id: { field: 'id' },
  // node()/nodes() answer null, not NOT_FOUND, for what the viewer may not see.
  nullable: true,
  // Another learner's progress is null through node()/nodes() like anywhere else.
  findUnique: (id, context) => ({ id: rowId(id), ...ownedByViewer(context.viewer) }),
  fields: (t) => ({
    user: t.relation('user'),
    course: t.relation('course'),
    completionRate: t.float({
      description: 'Percentage 0-100.',
      resolve: (progress) => progress.completionRate.toNumber(),
    }),
    currentSection: t.exposeInt('currentSection', { description: 'The section the learner is at, from 1.' }),
    testScores: t.field({
      type: [TestScoreRef],
      description: "The course's submitted assessment attempts, oldest first.",
      resolve: (progress) => testScoresSchema.parse(progress.testScores),
    }),
    studyTimeMinutes: t.exposeInt('studyTimeMinutes', { description: 'Total minutes studied.' }),
    lastAccessed: t.expose('lastAccessed', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When completion first reached 100; null while below 100.',
    }),
  }),
});

builder.prismaObjectFields(UserRef, (t) => ({
  progress: t.relatedConnection(
    'progress',
    {
      description: "The user's progress in each course they started, in the order they started them.",
      cursor: 'id',
      ...pageSizeOptions,
      totalCount: true,
      query: (args, context) => {
        // The user is visible only to themself and admins already; this keeps it so on every path.
        return { where: ownedByViewer(context.viewer), orderBy: { id: 'asc' } };
      },
    },
    { name: 'UserProgressConnection' },
    { name: 'UserProgressEdge' },
  ),
  recommendedCourses: t.prismaField({
    type: [CourseRef],
    description:
      'Active courses whose active prerequisites the user has completed and that the user has not completed, ' +
      `in teaching order (beginner first); first defaults to ${DEFAULT_PAGE_SIZE}.`,
    args: { first: t.arg.int() },
    resolve: async (query, user, args, context) => {
      const ids = await recommendedCourseIds(context.prisma, user.id, args.first ?? DEFAULT_PAGE_SIZE);
      return context.prisma.course.findMany({
        ...query,
        where: { id: { in: ids } },
        orderBy: [{ levelRank: 'asc' }, { id: 'asc' }],
      });
    },
  }),
}));

builder.prismaObjectFields(CourseRef, (t) => ({
  viewerProgress: t.field({
    type: UserProgressRef,
    nullable: true,
    description: "The viewer's progress in this course; null when not started or anonymous.",
    ...cacheHints.viewerSpecific,
    resolve: (course, _args, { loaders }) => {
      const known = loaders.knownViewerProgress(course.id);
      return known === undefined ? loaders.viewerProgressByCourse.load(course.id) : known;
    },
  }),
  isUnlocked: t.boolean({
    ...cacheHints.viewerSpecific,
    description:
      'True when the viewer has completed every active prerequisite (always true without prerequisites; ' +
      'false for anonymous viewers when there are any).',
    resolve: (course, _args, { loaders }) => {
      if (course.prerequisites.length === 0) return true;
      // A catalog page has usually brought the prerequisite courses and the viewer's progress in them.
      const courses = knownCoursesOf(loaders, course.prerequisites);
      const progress = courses && knownViewerProgressOf(loaders, courses);
      return courses && progress ? isUnlocked(courses, progress) : loadIsUnlocked(course.prerequisites, loaders);
    },
  }),
}));

/** Whether the viewer has completed every active one of the prerequisite courses, given their progress. */
function isUnlocked(prerequisites: Course[], progress: UserProgress[]): boolean {
  const completed = new Set(progress.filter((row) => row.completedAt !== null).map((row) => row.courseId));
  return unmetPrerequisites(prerequisites, completed).length === 0;
}

async function loadIsUnlocked(prerequisiteIds: number[], loaders: Context['loaders']): Promise<boolean> {
  // Both loads start in the same tick as the page's own lookups, so they join those batches.
  const [courses, progress] = await Promise.all([
    knownCoursesOf(loaders, prerequisiteIds) ?? loaders.courseById.loadMany(prerequisiteIds).then(present),
    loaders.viewerProgressByCourse.loadMany(prerequisiteIds).then(present),
  ]);
  return isUnlocked(courses, progress);
}
