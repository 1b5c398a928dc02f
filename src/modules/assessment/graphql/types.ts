import { z } from 'zod';
import type { Assessment } from '../../../generated/prisma/client.js';
import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { ownedByViewer, visibleAssessments } from '../../../auth/access.js';
import { DifficultyEnum } from '../../../graphql/enums.js';
import { rowId } from '../../../graphql/ids.js';
import { CourseRef } from '../../course/graphql/types.js';
import { QUESTION_TYPES, readAssessmentContent, type Question, type QuestionAnswer } from '../questions.js';
import type { QuestionResult } from '../scoring.js';

export const QuestionTypeEnum = builder.enumType('QuestionType', {
  description: 'How a question is answered: by choosing options, or by a number (NUMERIC).',
  values: QUESTION_TYPES,
});

const QuestionOptionRef = builder.objectRef<Question['options'][number]>('QuestionOption').implement({
  description: 'A choice of a choice question.',
  ...cacheHints.inherited,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique within its question.' }),
    text: t.exposeString('text'),
  }),
});

const QuestionAnswerRef = builder.objectRef<QuestionAnswer>('QuestionAnswer').implement({
  description: "A question's correct answer.",
  fields: (t) => ({
    optionIds: t.exposeIDList('optionIds', { description: 'The correct options (choice questions).' }),
    value: t.exposeFloat('value', { nullable: true, description: 'The correct number (NUMERIC).' }),
    tolerance: t.exposeFloat('tolerance', {
      nullable: true,
      description: 'How far a NUMERIC answer may be off and still count (none: exact).',
    }),
    explanation: t.exposeString('explanation', { nullable: true }),
  }),
});

const QuestionRef = builder.objectRef<Question>('Question').implement({
  description: 'One question of an assessment.',
  ...cacheHints.inherited,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique within its assessment; AnswerInput.questionId names it.' }),
    type: t.expose('type', { type: QuestionTypeEnum }),
    prompt: t.exposeString('prompt'),
    options: t.field({
      type: [QuestionOptionRef],
      description: 'The choices (empty for NUMERIC questions).',
      resolve: (question) => question.options,
    }),
    points: t.exposeFloat('points', { description: 'What the question is worth before weights (default 1).' }),
    answer: t.field({
      type: QuestionAnswerRef,
      nullable: true,
      description: 'Admins only (learners get FORBIDDEN): the correct answer.',
      authScopes: { admin: true },
      ...cacheHints.viewerSpecific,
      resolve: (question) => question.answer,
    }),
  }),
});

const QuestionResultRef = builder.objectRef<QuestionResult>('QuestionResult').implement({
  description: 'How one question of a submitted attempt was scored.',
  fields: (t) => ({
    questionId: t.exposeID('questionId'),
    correct: t.exposeBoolean('correct'),
    pointsAwarded: t.exposeFloat('pointsAwarded', { description: 'Weighted points earned.' }),
    explanation: t.exposeString('explanation', { nullable: true, description: 'Why the answer is what it is.' }),
  }),
});

const storedResultsSchema = z
  .array(
    z.object({
      questionId: z.string(),
      correct: z.boolean(),
      pointsAwarded: z.number(),
      explanation: z.string().nullable(),
    }),
  )
  .nullable();

export const AssessmentRef = builder.prismaNode('Assessment', {
  description: 'A scored quiz of a course. Learners see active assessments of active courses.',
  ...cacheHints.publicRead,
  id: { field: 'id' },
  // node()/nodes() answer null, not NOT_FOUND, for what the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({ id: rowId(id), ...visibleAssessments(context.viewer) }),
  fields: (t) => ({
    course: t.relation('course'),
    title: t.exposeString('title'),
    // Selected, not exposed, as questions and scoringConfig below: a course's assessments are read without these
    // columns (AssessmentListing), and plugin-prisma loads them for a page that asks.
    description: t.string({
      nullable: true,
      select: { description: true },
      resolve: (assessment) => assessment.description,
    }),
    difficulty: t.field({
      type: DifficultyEnum,
      select: { difficulty: true },
      resolve: (assessment) => assessment.difficulty,
    }),
    passThreshold: t.int({
      description: 'The score (0-100) an attempt needs to pass.',
      select: { passThreshold: true },
      resolve: (assessment) => assessment.passThreshold,
    }),
    timeLimitMinutes: t.int({
      nullable: true,
      description: 'Minutes from startAssessmentAttempt to the deadline; null: no time limit.',
      select: { timeLimitMinutes: true },
      resolve: (assessment) => assessment.timeLimitMinutes,
    }),
    maxAttempts: t.exposeInt('maxAttempts'),
    isActive: t.exposeBoolean('isActive', { description: 'Inactive assessments are hidden from learners.' }),
    questions: t.field({
      type: [QuestionRef],
      select: { questions: true, scoringConfig: true },
      resolve: (assessment) => readAssessmentContent(assessment).questions,
    }),
    scoringConfig: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Admins only: the scoring rules, { weights?: { <questionId>: number > 0 }, partialCredit?: boolean }.',
      authScopes: { admin: true },
      select: { scoringConfig: true },
      resolve: (assessment) => assessment.scoringConfig,
      ...cacheHints.viewerSpecific,
    }),
    viewerAttempts: t.field({
      type: [AssessmentAttemptRef],
      description: "The viewer's attempts, by attempt number; empty for anonymous viewers.",
      ...cacheHints.viewerSpecific,
      resolve: (assessment, _args, context) => context.loaders.viewerAttemptsByAssessment.load(assessment.id),
    }),
    viewerAttemptsRemaining: t.int({
      nullable: true,
      description: 'How many more attempts the viewer may start; null for anonymous viewers.',
      ...cacheHints.viewerSpecific,
      resolve: (assessment, _args, context) => {
        if (!context.viewer) return null;
        const remaining = (attempts: number) => Math.max(0, assessment.maxAttempts - attempts);
        const known = context.loaders.knownViewerAttemptCounts.get(assessment.id);
        if (known !== undefined) return remaining(known);
        return context.loaders.viewerAttemptCountByAssessment.load(assessment.id).then(remaining);
      },
    }),
  }),
});

export const AssessmentAttemptRef = builder.prismaNode('AssessmentAttempt', {
  description: "A learner's attempt at an assessment. Visible to that learner and to admins only.",
  id: { field: 'id' },
  // node()/nodes() answer null, not NOT_FOUND, for what the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({ id: rowId(id), ...ownedByViewer(context.viewer) }),
  fields: (t) => ({
    assessment: t.relation('assessment'),
    attemptNumber: t.exposeInt('attemptNumber', { description: '1, 2, ... per learner and assessment.' }),
    score: t.float({
      description: 'Percentage 0-100; 0 while the attempt is open (submittedAt null).',
      resolve: (attempt) => attempt.score?.toNumber() ?? 0,
    }),
    passed: t.boolean({
      description: 'Whether score reached the pass threshold; false while the attempt is open.',
      resolve: (attempt) => attempt.passed ?? false,
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    deadline: t.expose('deadlineAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the time limit ends (startedAt + timeLimitMinutes); null without a time limit.',
    }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    results: t.field({
      type: [QuestionResultRef],
      description: 'Each question scored and explained, in question order; empty while the attempt is open.',
      resolve: (attempt) => storedResultsSchema.parse(attempt.results) ?? [],
    }),
  }),
});

builder.prismaObjectField(CourseRef, 'assessments', (t) =>
  t.field({
    type: [AssessmentRef],
    description: "The course's assessments (learners: the active ones), in the order they were created.",
    // AssessmentListing rows: the fields that read the columns they lack select them (see above).
    resolve: (course, _args, { loaders }) =>
      (loaders.knownAssessments.get(course.id) ?? loaders.assessmentsByCourse.load(course.id)) as
        Assessment[] | Promise<Assessment[]>,
  }),
);
