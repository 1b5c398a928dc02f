import { builder } from '../../../graphql/builder.js';
import { signedInViewer } from '../../../auth/access.js';
import { parseGlobalId, rowIdIn } from '../../../graphql/ids.js';
import { UserProgressRef } from './types.js';
import { recordProgress, startCourse } from '../service.js';

const ProgressInput = builder.inputType('ProgressInput', {
  description: 'A study session: where the learner is, how far they got and how long they studied.',
  fields: (t) => ({
    currentSection: t.int({ description: 'The section the learner is at (1-10000).' }),
    completionRate: t.float({
      description: 'Percentage 0-100; progress never moves backwards unless reset is true.',
    }),
    studyMinutes: t.int({ description: 'Minutes to add to studyTimeMinutes (0-1440).' }),
    reset: t.boolean({
      description:
        'Start the course over: completion becomes completionRate (or 0) and the section currentSection (or 1). ' +
        'Study time and test scores are kept.',
    }),
  }),
});

builder.mutationFields((t) => ({
  startCourse: t.prismaField({
    type: UserProgressRef,
    description:
      "Creates the viewer's progress row; PREREQUISITES_NOT_MET when a prerequisite is not completed " +
      '(extensions.missingPrerequisites lists them). Returns the existing row when the course is already started.',
    authScopes: { signedIn: true },
    args: { courseId: t.arg.id({ required: true, description: 'A Course id.' }) },
    resolve: (query, _parent, args, context) =>
      startCourse(
        context.prisma,
        signedInViewer(context.viewer),
        parseGlobalId(args.courseId, 'Course', 'courseId'),
        query,
      ),
  }),
  recordProgress: t.prismaField({
    type: UserProgressRef,
    description:
      'Records a study session. A course that is not started yet is started first, which needs it to be ' +
      'unlocked (PREREQUISITES_NOT_MET otherwise). Study minutes add up (concurrent calls all count), ' +
      'completion never moves backwards unless input.reset, completedAt is set when completion reaches 100, ' +
      'lastAccessed is updated.',
    authScopes: { signedIn: true },
    args: {
      courseId: t.arg.id({ required: true, description: 'A Course id.' }),
      input: t.arg({ type: ProgressInput, required: true }),
    },
    resolve: (query, _parent, args, context) =>
      recordProgress(
        context.prisma,
        signedInViewer(context.viewer),
        rowIdIn(args.courseId, 'Course'),
        args.input,
        query,
      ),
  }),
}));
