import { builder } from '../../../graphql/builder.js';
import { invalidatesPublicReads } from '../../../graphql/cache-control.js';
import { DifficultyEnum } from '../../../graphql/enums.js';
import { parseGlobalId, rowIdIn, withRowIds } from '../../../graphql/ids.js';
import { signedInViewer } from '../../../auth/access.js';
import { AssessmentAttemptRef, AssessmentRef, QuestionTypeEnum } from './types.js';
import { createAssessment, startAssessmentAttempt, submitAssessment, updateAssessment } from '../service.js';

const QuestionOptionInput = builder.inputType('QuestionOptionInput', {
  fields: (t) => ({
    id: t.id({ required: true, description: 'Unique within the question.' }),
    text: t.string({ required: true }),
  }),
});

const QuestionAnswerInput = builder.inputType('QuestionAnswerInput', {
  description:
    'SINGLE_CHOICE and TRUE_FALSE: exactly one optionId; MULTIPLE_CHOICE: at least one; NUMERIC: value and ' +
    'an optional tolerance >= 0, no optionIds.',
  fields: (t) => ({
    optionIds: t.idList({ description: 'The correct options; each must be an option of the question.' }),
    value: t.float({ description: 'Between -1e12 and 1e12.' }),
    tolerance: t.float({ description: 'Between 0 and 1e12.' }),
    explanation: t.string({ description: 'Shown to the learner in the results after submission.' }),
  }),
});

const QuestionInput = builder.inputType('QuestionInput', {
  description:
    'A question. ids are unique within the assessment; choice questions need 2-20 options with ids ' +
    'unique within the question; TRUE_FALSE options are exactly "true" and "false"; NUMERIC has no options.',
  fields: (t) => ({
    id: t.id({ required: true }),
    type: t.field({ type: QuestionTypeEnum, required: true }),
    prompt: t.string({ required: true }),
    options: t.field({ type: [QuestionOptionInput] }),
    points: t.float({ description: 'Greater than 0 and at most 1000; defaults to 1.' }),
    answer: t.field({ type: QuestionAnswerInput, required: true }),
  }),
});

const scoringConfigDescription =
  '{ weights?: { <questionId>: number > 0 and <= 1000 } (a question is worth points * weight, default 1), ' +
  'partialCredit?: boolean (MULTIPLE_CHOICE earns (correct chosen - wrong chosen) / correct options) }.';

const AssessmentInput = builder.inputType('AssessmentInput', {
  fields: (t) => ({
    courseId: t.id({ required: true, description: 'A Course id.' }),
    title: t.string({ required: true }),
    description: t.string(),
    difficulty: t.field({ type: DifficultyEnum, required: true }),
    questions: t.field({ type: [QuestionInput], required: true }),
    scoringConfig: t.field({ type: 'JSON', description: `${scoringConfigDescription} Defaults to {}.` }),
    passThreshold: t.int({ description: '0-100; defaults to 70.' }),
    timeLimitMinutes: t.int({ description: 'At least 1; none (null) means no time limit.' }),
    maxAttempts: t.int({ description: 'At least 1; defaults to 3.' }),
    isActive: t.boolean({ description: 'Defaults to true.' }),
  }),
});

const AssessmentUpdateInput = builder.inputType('AssessmentUpdateInput', {
  description:
    'Only the fields given change (description and timeLimitMinutes may be set to null); set isActive to ' +
    'false to retire an assessment (it is never deleted, so attempts keep their history).',
  fields: (t) => ({
    title: t.string(),
    description: t.string(),
    difficulty: t.field({ type: DifficultyEnum }),
    questions: t.field({ type: [QuestionInput] }),
    scoringConfig: t.field({ type: 'JSON', description: scoringConfigDescription }),
    passThreshold: t.int(),
    timeLimitMinutes: t.int(),
    maxAttempts: t.int(),
    isActive: t.boolean(),
  }),
});

const AnswerInput = builder.inputType('AnswerInput', {
  description: 'An answer to one question: optionIds for choice questions, value for NUMERIC ones.',
  fields: (t) => ({
    questionId: t.id({ required: true, description: 'The Question.id within the assessment.' }),
    optionIds: t.idList(),
    value: t.float(),
  }),
});

builder.mutationFields((t) => ({
  createAssessment: t.prismaField({
    type: AssessmentRef,
    description: 'Admins: adds an assessment to a course (BAD_USER_INPUT names every invalid question field).',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: { input: t.arg({ type: AssessmentInput, required: true }) },
    resolve: (query, _parent, args, context) =>
      createAssessment(context.prisma, withRowIds(args.input, { courseId: 'Course' }), query),
  }),
  updateAssessment: t.prismaField({
    type: AssessmentRef,
    description:
      'Admins: changes an assessment; questions and scoringConfig are checked against each other. ' +
      'NOT_FOUND for an unknown id.',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: {
      id: t.arg.id({ required: true, description: 'An Assessment id.' }),
      input: t.arg({ type: AssessmentUpdateInput, required: true }),
    },
    resolve: (query, _parent, args, context) =>
      updateAssessment(context.prisma, rowIdIn(args.id, 'Assessment'), args.input, query),
  }),
  startAssessmentAttempt: t.prismaField({
    type: AssessmentAttemptRef,
    description:
      "Opens the viewer's attempt (startedAt now, deadline after timeLimitMinutes), or returns the attempt " +
      'already open (even past its deadline: submit it to close it). ATTEMPTS_EXHAUSTED past maxAttempts; ' +
      'starts the course like startCourse (PREREQUISITES_NOT_MET while it is locked).',
    authScopes: { signedIn: true },
    args: { assessmentId: t.arg.id({ required: true, description: 'An Assessment id.' }) },
    resolve: (query, _parent, args, context) =>
      startAssessmentAttempt(
        context.prisma,
        signedInViewer(context.viewer),
        parseGlobalId(args.assessmentId, 'Assessment', 'assessmentId'),
        query,
      ),
  }),
  submitAssessment: t.prismaField({
    type: AssessmentAttemptRef,
    description:
      'Scores server-side; ATTEMPTS_EXHAUSTED past maxAttempts; answers after the time limit score 0. ' +
      'Submits the open attempt; without one, starts and submits in one step, which only assessments without ' +
      'a time limit allow (BAD_USER_INPUT otherwise). Answers must name questions of the assessment once each ' +
      "and fit their type; unanswered questions score 0. The score is appended to the viewer's testScores for " +
      'the course in the same transaction (starting the course like startCourse if needed).',
    authScopes: { signedIn: true },
    args: {
      assessmentId: t.arg.id({ required: true, description: 'An Assessment id.' }),
      answers: t.arg({ type: [AnswerInput], required: true }),
    },
    resolve: (query, _parent, args, context) =>
      submitAssessment(
        context.prisma,
        signedInViewer(context.viewer),
        parseGlobalId(args.assessmentId, 'Assessment', 'assessmentId'),
        args.answers,
        query,
      ),
  }),
}));
