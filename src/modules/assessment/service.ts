import { z } from 'zod';
import type { Assessment, AssessmentAttempt, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { visibleAssessments, type Actor } from '../../auth/access.js';
import { DomainError, NotFoundError, UserInputError } from '../../platform/errors.js';
import { idOf, parseInput } from '../../platform/input.js';
import { assessmentCreateSchema, assessmentUpdateSchema } from './inputs.js';
import { startCourse, type TestScoreEntry } from '../progress/service.js';
import {
  assessmentContentSchema,
  id,
  MAX_QUESTIONS,
  numericValue,
  optionIdList,
  readAssessmentContent,
  type AssessmentContent,
} from './questions.js';
import { scoreAttempt, type SubmittedAnswer } from './scoring.js';

class AttemptsExhaustedError extends DomainError {
  constructor(maxAttempts: number) {
    super('ATTEMPTS_EXHAUSTED', `All ${maxAttempts} attempts at this assessment are used`, { maxAttempts });
  }
}

/** plugin-prisma's selections for the returned rows, so nested fields cost no extra query. */
export type AssessmentQuery = { select?: Prisma.AssessmentSelect; include?: Prisma.AssessmentInclude };
export type AttemptQuery = { select?: Prisma.AssessmentAttemptSelect; include?: Prisma.AssessmentAttemptInclude };

/** Adds an assessment from an AssessmentInput to an existing course (BAD_USER_INPUT on input.courseId otherwise). */
export async function createAssessment(
  prisma: PrismaClient,
  input: unknown,
  query: AssessmentQuery = {},
): Promise<Assessment> {
  const { courseId, ...data } = parseInput(assessmentCreateSchema, input, 'input');
  const course = await prisma.course.findUnique({ where: { id: courseId }, select: { id: true } });
  if (!course) throw new UserInputError({ 'input.courseId': 'no course has this id' });
  return prisma.assessment.create({ ...query, data: { ...data, courseId } });
}

/**
 * Changes only what is given. New questions are checked against the scoring rules in force and new
 * scoring rules against the questions in force, so the pair stays consistent: the row is locked from that
 * check to the write, so a concurrent edit of the other half is checked against what it stored.
 */
export async function updateAssessment(
  prisma: PrismaClient,
  id: number,
  input: unknown,
  query: AssessmentQuery = {},
): Promise<Assessment> {
  // Validated together, so that one BAD_USER_INPUT names every mistake.
  const { questions, scoringConfig, ...metadata } = parseInput(
    z.object({ id: idOf('Assessment'), input: assessmentUpdateSchema }),
    { id, input },
  ).input;
  return prisma.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<Pick<Assessment, 'questions' | 'scoringConfig'>[]>`
      SELECT questions, scoring_config AS "scoringConfig" FROM assessments WHERE id = ${id} FOR UPDATE`;
    if (!current) throw new NotFoundError('Assessment');
    const content =
      questions === undefined && scoringConfig === undefined
        ? {}
        : parseInput(
            assessmentContentSchema,
            { questions: questions ?? current.questions, scoringConfig: scoringConfig ?? current.scoringConfig },
            'input',
          );
    return tx.assessment.update({ ...query, where: { id }, data: { ...metadata, ...content } });
  });
}

async function findVisibleAssessment(prisma: PrismaClient, actor: Actor, id: number): Promise<Assessment> {
  const assessment = await prisma.assessment.findFirst({
    where: { id, ...visibleAssessments(actor) },
  });
  if (!assessment) throw new NotFoundError('Assessment');
  return assessment;
}

/**
 * Serialises the actor's attempts at one course: takes the row lock on their progress row (starting the
 * course when needed, which needs it to be unlocked). Whoever holds it sees every attempt committed
 * before, so counting attempts and numbering the next one cannot race; the unique keys on
 * (user, assessment, attempt_number) and on the open attempt back this up.
 */
async function lockProgress(tx: Prisma.TransactionClient, actor: Actor, courseId: number): Promise<number> {
  const { id } = await startCourse(tx, actor, courseId);
  await tx.$queryRaw`SELECT id FROM user_progress WHERE id = ${id} FOR UPDATE`;
  return id;
}

async function openAttempt(tx: Prisma.TransactionClient, actor: Actor, assessmentId: number, query: AttemptQuery = {}) {
  return tx.assessmentAttempt.findFirst({ ...query, where: { userId: actor.id, assessmentId, submittedAt: null } });
}

/** The number of the next attempt; ATTEMPTS_EXHAUSTED when maxAttempts are used (call under lockProgress). */
async function nextAttemptNumber(tx: Prisma.TransactionClient, actor: Actor, assessment: Assessment) {
  const used = await tx.assessmentAttempt.count({ where: { userId: actor.id, assessmentId: assessment.id } });
  if (used >= assessment.maxAttempts) throw new AttemptsExhaustedError(assessment.maxAttempts);
  return used + 1;
}

function deadlineOf(assessment: Assessment, startedAt: Date): Date | null {
  return assessment.timeLimitMinutes === null
    ? null
    : new Date(startedAt.getTime() + assessment.timeLimitMinutes * 60_000);
}

/**
 * Opens an attempt (startedAt now, deadline after the time limit) or returns the one already open, even
 * when its deadline has passed (submitting it then scores 0 and frees the way for the next attempt).
 */
export async function startAssessmentAttempt(
  prisma: PrismaClient,
  actor: Actor,
  assessmentId: number,
  query: AttemptQuery = {},
): Promise<AssessmentAttempt> {
  const assessment = await findVisibleAssessment(prisma, actor, assessmentId);
  return prisma.$transaction(async (tx) => {
    await lockProgress(tx, actor, assessment.courseId);
    const open = await openAttempt(tx, actor, assessmentId, query);
    if (open) return open;
    const attemptNumber = await nextAttemptNumber(tx, actor, assessment);
    const startedAt = new Date();
    return tx.assessmentAttempt.create({
      ...query,
      data: {
        userId: actor.id,
        assessmentId,
        attemptNumber,
        startedAt,
        deadlineAt: deadlineOf(assessment, startedAt),
      },
    });
  });
}

const answerInputSchema = z.object({
  questionId: id,
  optionIds: optionIdList.nullish().transform((ids) => ids ?? []),
  value: numericValue.nullish().transform((value) => value ?? null),
});

/** Answers must name questions of the assessment once each, and fit the question's type. */
function answersSchema(content: AssessmentContent) {
  const questions = new Map(content.questions.map((question) => [question.id, question]));
  return z
    .array(answerInputSchema)
    .max(MAX_QUESTIONS, `must hold at most ${MAX_QUESTIONS} answers`)
    .superRefine((answers, ctx) => {
      const seen = new Set<string>();
      answers.forEach((answer, index) => {
        const issue = (field: string, message: string) =>
          ctx.addIssue({ code: 'custom', path: [index, field], message });
        const question = questions.get(answer.questionId);
        if (!question) return issue('questionId', 'names no question of this assessment');
        if (seen.has(answer.questionId)) return issue('questionId', 'answers a question twice');
        seen.add(answer.questionId);
        if (question.type === 'NUMERIC') {
          if (answer.optionIds.length > 0) issue('optionIds', 'a NUMERIC question is answered by value');
          return;
        }
        if (answer.value !== null) issue('value', 'a choice question is answered by optionIds');
        const optionIds = question.options.map((option) => option.id);
        const unknown = answer.optionIds.find((optionId) => !optionIds.includes(optionId));
        if (unknown !== undefined) issue('optionIds', `names no option of this question: ${unknown}`);
        else if (new Set(answer.optionIds).size !== answer.optionIds.length)
          issue('optionIds', 'names an option twice');
        else if (question.type !== 'MULTIPLE_CHOICE' && answer.optionIds.length > 1) {
          issue('optionIds', 'choose one option');
        }
      });
    });
}

/**
 * Submits the actor's open attempt, or (only for assessments without a time limit) starts and submits a
 * new one in one step. Scored on the server; an open attempt submitted after its deadline is recorded
 * with score 0, not passed. In the same transaction the score is appended to the actor's test_scores for
 * the course (the progress row is created when missing, as startCourse would).
 */
export async function submitAssessment(
  prisma: PrismaClient,
  actor: Actor,
  assessmentId: number,
  answersInput: unknown,
  query: AttemptQuery = {},
): Promise<AssessmentAttempt> {
  const assessment = await findVisibleAssessment(prisma, actor, assessmentId);
  const content = readAssessmentContent(assessment);
  const answers: SubmittedAnswer[] = parseInput(answersSchema(content), answersInput, 'answers');
  return prisma.$transaction(async (tx) => {
    const progressId = await lockProgress(tx, actor, assessment.courseId);
    const open = await openAttempt(tx, actor, assessmentId);
    const attemptNumber = open?.attemptNumber ?? (await nextAttemptNumber(tx, actor, assessment));
    if (!open && assessment.timeLimitMinutes !== null) {
      throw new UserInputError({
        assessmentId: 'this assessment has a time limit: start an attempt with startAssessmentAttempt first',
      });
    }
    // Never before the start, whatever the clocks did in between (the table checks it).
    const submittedAt = new Date(Math.max(Date.now(), open?.startedAt.getTime() ?? 0));
    const late = open?.deadlineAt != null && submittedAt > open.deadlineAt;
    const { score, passed, results } = scoreAttempt({
      content,
      passThreshold: assessment.passThreshold,
      answers,
      late,
    });
    const outcome = { answers: answers as unknown as Prisma.InputJsonArray, results, score, passed, submittedAt };
    const attempt = open
      ? await tx.assessmentAttempt.update({ ...query, where: { id: open.id }, data: outcome })
      : await tx.assessmentAttempt.create({
          ...query,
          data: { ...outcome, userId: actor.id, assessmentId, attemptNumber, startedAt: submittedAt },
        });
    const entry: TestScoreEntry = { assessmentId, attemptNumber, score, passed, submittedAt };
    await tx.$executeRaw`
      UPDATE user_progress
      SET test_scores = test_scores || ${JSON.stringify([entry])}::jsonb, last_accessed = now()
      WHERE id = ${progressId}`;
    return attempt;
  });
}
