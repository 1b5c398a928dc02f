import { z } from 'zod';

/**
 * The one definition of what an assessment's questions and scoring rules look like. Admin writes are
 * validated with it (BAD_USER_INPUT names the offending path, e.g. `input.questions.2.answer.optionIds`),
 * and stored rows are read through it, so scoring never meets a shape it does not know.
 */

export const QUESTION_TYPES = ['SINGLE_CHOICE', 'MULTIPLE_CHOICE', 'TRUE_FALSE', 'NUMERIC'] as const;

const id = z.string().trim().min(1, 'must not be empty').max(100);

const optionSchema = z.object({
  id,
  text: z.string().trim().min(1, 'must not be empty').max(1000),
});

const answerSchema = z.object({
  optionIds: z
    .array(id)
    .nullish()
    .transform((ids) => ids ?? []),
  value: z.number().nullish(),
  tolerance: z.number().min(0, 'must not be negative').nullish(),
  explanation: z.string().trim().max(5000).nullish(),
});

function firstRepeat(values: readonly string[]): number {
  return values.findIndex((value, index) => values.indexOf(value) !== index);
}

const questionSchema = z
  .object({
    id,
    type: z.enum(QUESTION_TYPES),
    prompt: z.string().trim().min(1, 'must not be empty').max(5000),
    options: z
      .array(optionSchema)
      .nullish()
      .transform((options) => options ?? []),
    points: z
      .number()
      .positive('must be greater than 0')
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
  .max(200)
  .superRefine((questions, ctx) => {
    const repeated = firstRepeat(questions.map((question) => question.id));
    if (repeated >= 0) {
      ctx.addIssue({ code: 'custom', path: [repeated, 'id'], message: 'question ids must be unique' });
    }
  });

const scoringConfigSchema = z.strictObject({
  weights: z.record(z.string(), z.number().positive('must be greater than 0')).optional(),
  partialCredit: z.boolean().optional(),
});

/** Questions and scoring rules, as fields of an input object (scoringConfig defaults to {}). */
export const contentFields = {
  questions: questionsSchema,
  scoringConfig: z
    .unknown()
    .transform((config) => config ?? {})
    .pipe(scoringConfigSchema),
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
