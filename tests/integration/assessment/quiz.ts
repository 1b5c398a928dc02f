import type { QuestionInput } from '../../generated/graphql.js';

/**
 * A three-question quiz as an admin would write it. Worth 5: q1 1 point, q2 2 points, q3 1 point with
 * weight 2. Partial credit is on, so q2 earns (right - wrong) / 2 of its 2 points.
 */
export const quizQuestions: QuestionInput[] = [
  {
    id: 'q1',
    type: 'SINGLE_CHOICE',
    prompt: 'Which seat acts last after the flop?',
    options: [
      { id: 'sb', text: 'Small blind' },
      { id: 'btn', text: 'Button' },
    ],
    answer: { optionIds: ['btn'], explanation: 'The button acts last on every postflop street.' },
  },
  {
    id: 'q2',
    type: 'MULTIPLE_CHOICE',
    prompt: 'Which hands beat a straight?',
    points: 2,
    options: [
      { id: 'flush', text: 'Flush' },
      { id: 'boat', text: 'Full house' },
      { id: 'trips', text: 'Three of a kind' },
    ],
    answer: { optionIds: ['flush', 'boat'], explanation: 'Flushes and full houses rank above straights.' },
  },
  {
    id: 'q3',
    type: 'NUMERIC',
    prompt: 'Calling 50 into a pot of 150 after the bet: what equity (%) do you need?',
    answer: { value: 25, tolerance: 0.5, explanation: '50 / (150 + 50) = 25%.' },
  },
];

export const quizScoringConfig = { weights: { q3: 2 }, partialCredit: true };

/** The stored form (what createAssessment writes), for rows made directly through Prisma. */
export const storedQuiz = {
  questions: quizQuestions.map((question) => ({ points: 1, options: [], ...question })),
  scoringConfig: quizScoringConfig,
};
