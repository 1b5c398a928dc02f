import { z } from 'zod';
import { DIFFICULTIES } from '../../platform/db/values.js';
import { idOf, unsetWhenNull } from '../../platform/input.js';
import { contentFields, weightsNameQuestions } from './questions.js';

/** What admins send to create or change an assessment, validated (the questions themselves: questions.ts). */

const title = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
const difficulty = z.enum(DIFFICULTIES);

const settingsFields = {
  description: z.string().trim().max(5000, 'must be at most 5000 characters').nullish(),
  passThreshold: unsetWhenNull(
    z.number().int().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100'),
  ),
  timeLimitMinutes: z
    .number()
    .int()
    .min(1, 'must be at least 1 minute')
    .max(24 * 60, 'must be at most 1440 minutes (a day)')
    .nullish(),
  maxAttempts: unsetWhenNull(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100')),
  isActive: unsetWhenNull(z.boolean()),
};

/** AssessmentInput, validated (courseId as a row id): questions and scoring rules checked together. */
export const assessmentCreateSchema = z
  .object({ courseId: idOf('Course'), title, difficulty, ...settingsFields, ...contentFields })
  .superRefine(weightsNameQuestions);

/** AssessmentUpdateInput: every field optional; only the given ones change. */
export const assessmentUpdateSchema = z
  .object({
    title: unsetWhenNull(title),
    difficulty: unsetWhenNull(difficulty),
    ...settingsFields,
    questions: unsetWhenNull(contentFields.questions),
    scoringConfig: z.unknown(),
  })
  .partial();
