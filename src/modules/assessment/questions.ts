import { z } from 'zod';

/**
 * The one definition of what an assessment's questions and scoring rules look like. Admin writes are
 * validated with it (BAD_USER_INPUT names the offending path, e.g. `input.questions.2.answer.optionIds`),
 * and stored rows are read through it, so scoring never meets a shape it does not know.
 */

export const QUESTION_TYPES = ['SINGLE_CHOICE', 'MULTIPLE_CHOICE', 'TRUE_FALSE', 'NUMERIC'] as const;

/**
 * Bounds that keep every derived number finite and exact enough: at most 200 questions worth at most 1000
 * points times a weight of at most 1000 sum to 2e8 at most, and a NUMERIC answer within +-1e12 keeps cents.
 */
export const MAX_QUESTIONS = 200;
export const MAX_OPTIONS = 20;
export const MAX_QUESTION_POINTS = 1000;
export const MAX_WEIGHT = 1000;
export const MAX_NUMERIC_VALUE = 1e12;

export const id = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** A NUMERIC question's value, or a learner's answer to one. */
export const numericValue = z
  .number()
  .min(-MAX_NUMERIC_VALUE, `must be between -${MAX_NUMERIC_VALUE} and ${MAX_NUMERIC_VALUE}`)
  .max(MAX_NUMERIC_VALUE, `must be between -${MAX_NUMERIC_VALUE} and ${MAX_NUMERIC_VALUE}`);

/** The option ids an answer names: no more than a question can have. */
export const optionIdList = z.array(id).max(MAX_OPTIONS, `must hold at most ${MAX_OPTIONS} options`);

const optionSchema = z.object({
  id,
  text: z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
});

const answerSchema = z.object({
  optionIds: optionIdList.nullish().transform((ids) => ids ?? []),
  value: numericValue.nullish(),
  tolerance: z
    .number()
    .min(0, 'must not be negative')
    .max(MAX_NUMERIC_VALUE, `must be at most ${MAX_NUMERIC_VALUE}`)
    .nullish(),
  explanation: z.string().trim().max(5000, 'must be at most 5000 characters').nullish(),
});

function firstRepeat(values: readonly string[]): number {
  return values.findIndex((value, index) => values.indexOf(value) !== index);
}

const questionSchema = z
  .object({
    id,
    type: z.enum(QUESTION_TYPES),
    prompt: z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters'),
    options: z
      .array(optionSchema)
      .max(MAX_OPTIONS, `must hold at most ${MAX_OPTIONS} options`)
      .nullish()
      .transform((options) => options ?? []),
    points: z
      .number()
      .positive('must be greater than 0')
      .max(MAX_QUESTION_POINTS, `must be at most ${MAX_QUESTION_POINTS}`)
      .nullish()
      .transform((points) => points ?? 1),
    answer: answerSchema,
  })
  .superRefine((question, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const optionIds = question.options.map((option) => option.id);
    const repeatedOption = firstRepeat(optionIds);
    if (repeatedOption >= 0) issue(['options', repeatedOption, 'id'], 'option ids must be unique within a question');
    const chosen = question.answer.optionIds;

    if (question.type === 'NUMERIC') {
      if (question.options.length > 0) issue(['options'], 'a NUMERIC question has no options');
      if (chosen.length > 0) issue(['answer', 'optionIds'], 'a NUMERIC question is answered by value');
      if (question.answer.value === null || question.answer.value === undefined) {
        issue(['answer', 'value'], 'a NUMERIC question needs the correct value');
      }
      return;
    }
    if (question.answer.value !== null && question.answer.value !== undefined) {
      issue(['answer', 'value'], 'only NUMERIC questions are answered by value');
    }
    if (question.answer.tolerance !== null && question.answer.tolerance !== undefined) {
      issue(['answer', 'tolerance'], 'only NUMERIC questions have a tolerance');
    }
    if (question.type === 'TRUE_FALSE' && [...optionIds].sort().join() !== 'false,true') {
      issue(['options'], 'a TRUE_FALSE question has exactly the options "true" and "false"');
    } else if (question.options.length < 2) {
      issue(['options'], 'a choice question needs at least two options');
    }
    const unknown = chosen.find((optionId) => !optionIds.includes(optionId));
    if (unknown !== undefined) issue(['answer', 'optionIds'], `names no option of this question: ${unknown}`);
    else if (firstRepeat(chosen) >= 0) issue(['answer', 'optionIds'], 'names an option twice');
    else if (question.type === 'MULTIPLE_CHOICE' ? chosen.length < 1 : chosen.length !== 1) {
      issue(
        ['answer', 'optionIds'],
        question.type === 'MULTIPLE_CHOICE' ? 'needs at least one correct option' : 'needs exactly one correct option',
      );
    }
  });

const questionsSchema = z
  .array(questionSchema)
  .min(1, 'an assessment needs at least one question')
  .max(MAX_QUESTIONS, `an assessment holds at most ${MAX_QUESTIONS} questions`)
  .superRefine((questions, ctx) => {
    const repeated = firstRepeat(questions.map((question) => question.id));
    if (repeated >= 0) {
      ctx.addIssue({ code: 'custom', path: [repeated, 'id'], message: 'question ids must be unique' });
    }
  });

const scoringConfigSchema = z.strictObject(
  {
    weights: z
      .record(
        z.string(),
        z
          .number({ error: 'must be a number' })
          .positive('must be greater than 0')
          .max(MAX_WEIGHT, `must be at most ${MAX_WEIGHT}`),
        { error: 'must be an object of question ids to weights' },
      )
      .optional(),
    partialCredit: z.boolean({ error: 'must be true or false' }).optional(),
  },
  { error: 'must be an object with weights and partialCredit only' },
);

/** Questions and scoring rules, as fields of an input object (scoringConfig defaults to {}). */
export const contentFields = {
  questions: questionsSchema,
  // Left out or null: no weights, no partial credit.
  scoringConfig: scoringConfigSchema.nullish().transform((config) => config ?? {}),
};

/** Weights may only name questions that exist. */
export function weightsNameQuestions(
  { questions, scoringConfig }: { questions: Question[]; scoringConfig: ScoringConfig },
  ctx: z.RefinementCtx,
): void {
  const questionIds = new Set(questions.map((question) => question.id));
  for (const questionId of Object.keys(scoringConfig.weights ?? {})) {
    if (!questionIds.has(questionId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['scoringConfig', 'weights', questionId],
        message: 'names no question of this assessment',
      });
    }
  }
}

/** Questions and scoring rules together, so that weights can only name questions that exist. */
export const assessmentContentSchema = z.object(contentFields).superRefine(weightsNameQuestions);

export type Question = z.infer<typeof questionSchema>;
export type QuestionAnswer = Question['answer'];
export type ScoringConfig = z.infer<typeof scoringConfigSchema>;
export type AssessmentContent = z.infer<typeof assessmentContentSchema>;

/** Reads questions and scoring rules as stored; a row that breaks the rules is a bug, not client input. */
export function readAssessmentContent(row: { questions: unknown; scoringConfig: unknown }): AssessmentContent {
  return assessmentContentSchema.parse({ questions: row.questions, scoringConfig: row.scoringConfig });
}
