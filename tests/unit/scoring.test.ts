import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  assessmentContentSchema,
  MAX_NUMERIC_VALUE,
  MAX_QUESTION_POINTS,
  MAX_QUESTIONS,
  MAX_WEIGHT,
  readAssessmentContent,
  type AssessmentContent,
} from '../../src/modules/assessment/questions.js';
import { scoreAttempt, type SubmittedAnswer } from '../../src/modules/assessment/scoring.js';

/** A five-question quiz in the shape admins write: q2 weighs double, q4 is worth 2 points. Worth 7 in all. */
function quiz(partialCredit: boolean): AssessmentContent {
  return readAssessmentContent({
    scoringConfig: { weights: { q2: 2 }, partialCredit },
    questions: [
      {
        id: 'q1',
        type: 'SINGLE_CHOICE',
        prompt: 'Strongest?',
        options: [
          { id: 'a', text: 'Straight' },
          { id: 'b', text: 'Flush' },
        ],
        answer: { optionIds: ['b'], explanation: 'A flush beats a straight.' },
      },
      {
        id: 'q2',
        type: 'SINGLE_CHOICE',
        prompt: 'Who wins?',
        options: [
          { id: 'a', text: 'King kicker' },
          { id: 'b', text: 'Split' },
        ],
        answer: { optionIds: ['a'] },
      },
      {
        id: 'q3',
        type: 'TRUE_FALSE',
        prompt: 'Q-K-A-2-3 is a straight.',
        options: [
          { id: 'true', text: 'True' },
          { id: 'false', text: 'False' },
        ],
        answer: { optionIds: ['false'] },
      },
      {
        id: 'q4',
        type: 'MULTIPLE_CHOICE',
        prompt: 'Which beat a straight?',
        points: 2,
        options: [
          { id: 'a', text: 'Flush' },
          { id: 'b', text: 'Full house' },
          { id: 'c', text: 'Trips' },
          { id: 'd', text: 'Two pair' },
          { id: 'e', text: 'Quads' },
        ],
        answer: { optionIds: ['a', 'b', 'e'] },
      },
      { id: 'q5', type: 'NUMERIC', prompt: 'Starting hands?', answer: { value: 1326 } },
    ],
  });
}

const choose = (questionId: string, ...optionIds: string[]): SubmittedAnswer => ({
  questionId,
  optionIds,
  value: null,
});
const number = (questionId: string, value: number): SubmittedAnswer => ({ questionId, optionIds: [], value });

const allRight = [
  choose('q1', 'b'),
  choose('q2', 'a'),
  choose('q3', 'false'),
  choose('q4', 'a', 'b', 'e'),
  number('q5', 1326),
];

describe('scoreAttempt', () => {
  it('gives 100 for all correct answers and passes', () => {
    const scored = scoreAttempt({ content: quiz(false), passThreshold: 70, answers: allRight });
    expect(scored.score).toBe(100);
    expect(scored.passed).toBe(true);
    expect(scored.results.map((result) => result.pointsAwarded)).toEqual([1, 2, 1, 2, 1]);
  });

  it('weights questions: missing the double-weight question costs 2 of 7', () => {
    const answers = allRight.map((answer) => (answer.questionId === 'q2' ? choose('q2', 'b') : answer));
    const scored = scoreAttempt({ content: quiz(false), passThreshold: 70, answers });
    // 5 of 7 = 71.428... -> 71.43
    expect(scored.score).toBe(71.43);
    expect(scored.passed).toBe(true);
    expect(scored.results[1]).toEqual({ questionId: 'q2', correct: false, pointsAwarded: 0, explanation: null });
  });

  it('gives partial credit for MULTIPLE_CHOICE only when the config allows it', () => {
    // q1 right (1), q2 wrong (0), q3 right (1), q4 a+b+c: 2 right, 1 wrong of 3 (2 * 1/3), q5 right (1).
    const answers = [
      choose('q1', 'b'),
      choose('q2', 'b'),
      choose('q3', 'false'),
      choose('q4', 'a', 'b', 'c'),
      number('q5', 1326),
    ];
    const partial = scoreAttempt({ content: quiz(true), passThreshold: 70, answers });
    // (3 + 2/3) / 7 = 52.38%
    expect(partial.score).toBe(52.38);
    expect(partial.passed).toBe(false);
    expect(partial.results[3]).toMatchObject({ questionId: 'q4', correct: false, pointsAwarded: 0.67 });

    const exact = scoreAttempt({ content: quiz(false), passThreshold: 70, answers });
    // 3 / 7 = 42.857... -> 42.86
    expect(exact.score).toBe(42.86);
    expect(exact.results[3]!.pointsAwarded).toBe(0);
  });

  it('never gives negative partial credit when wrong choices outnumber right ones', () => {
    const scored = scoreAttempt({ content: quiz(true), passThreshold: 0, answers: [choose('q4', 'a', 'c', 'd')] });
    expect(scored.results[3]!.pointsAwarded).toBe(0);
    expect(scored.score).toBe(0);
  });

  it('counts a full MULTIPLE_CHOICE set as correct with or without partial credit', () => {
    for (const partialCredit of [true, false]) {
      const scored = scoreAttempt({
        content: quiz(partialCredit),
        passThreshold: 0,
        answers: [choose('q4', 'e', 'a', 'b')],
      });
      expect(scored.results[3]).toMatchObject({ correct: true, pointsAwarded: 2 });
    }
  });

  it('accepts NUMERIC answers within the tolerance, boundary included despite floating point', () => {
    const content = readAssessmentContent({
      scoringConfig: {},
      questions: [{ id: 'odds', type: 'NUMERIC', prompt: 'Pot odds %?', answer: { value: 27.3, tolerance: 0.5 } }],
    });
    const judge = (value: number) =>
      scoreAttempt({ content, passThreshold: 100, answers: [number('odds', value)] }).results[0]!.correct;
    expect(judge(27.3)).toBe(true);
    expect(judge(27.8)).toBe(true); // the boundary itself
    expect(judge(26.8)).toBe(true);
    expect(judge(27.81)).toBe(false);
    expect(judge(26.79)).toBe(false);
  });

  it('accepts a NUMERIC answer on the boundary that floating point puts just outside it', () => {
    const content = readAssessmentContent({
      scoringConfig: {},
      questions: [{ id: 'p', type: 'NUMERIC', prompt: 'Probability?', answer: { value: 0.3, tolerance: 0.1 } }],
    });
    const judge = (value: number) =>
      scoreAttempt({ content, passThreshold: 100, answers: [number('p', value)] }).results[0]!.correct;
    // |0.4 - 0.3| is 0.10000000000000003 in binary floating point: above the tolerance without the slack.
    expect(Math.abs(0.4 - 0.3)).toBeGreaterThan(0.1);
    expect(judge(0.4)).toBe(true);
    expect(judge(0.2)).toBe(true);
    expect(judge(0.41)).toBe(false);
    expect(judge(0.19)).toBe(false);
  });

  it('needs the exact value when a NUMERIC question has no tolerance', () => {
    const scored = (value: number) =>
      scoreAttempt({ content: quiz(false), passThreshold: 0, answers: [number('q5', value)] }).results[4]!.correct;
    expect(scored(1326)).toBe(true);
    expect(scored(1325.9)).toBe(false);
  });

  it('scores unanswered questions 0 but still explains them', () => {
    const scored = scoreAttempt({ content: quiz(false), passThreshold: 70, answers: [choose('q1', 'b')] });
    // 1 of 7 = 14.29%
    expect(scored.score).toBe(14.29);
    expect(scored.results).toHaveLength(5);
    expect(scored.results[0]).toEqual({
      questionId: 'q1',
      correct: true,
      pointsAwarded: 1,
      explanation: 'A flush beats a straight.',
    });
  });

  it('passes exactly at the threshold', () => {
    const content = readAssessmentContent({
      scoringConfig: {},
      questions: ['a', 'b', 'c', 'd'].map((id) => ({ id, type: 'NUMERIC', prompt: id, answer: { value: 1 } })),
    });
    const answers = ['a', 'b', 'c'].map((id) => number(id, 1));
    expect(scoreAttempt({ content, passThreshold: 75, answers })).toMatchObject({ score: 75, passed: true });
    expect(scoreAttempt({ content, passThreshold: 76, answers })).toMatchObject({ score: 75, passed: false });
  });

  it('scores a late attempt 0 and never passes it, even at threshold 0', () => {
    const scored = scoreAttempt({ content: quiz(true), passThreshold: 0, answers: allRight, late: true });
    expect(scored.score).toBe(0);
    expect(scored.passed).toBe(false);
    expect(scored.results.every((result) => !result.correct && result.pointsAwarded === 0)).toBe(true);
    expect(scored.results[0]!.explanation).toBe('A flush beats a straight.');
  });
});

describe('readAssessmentContent', () => {
  it('accepts every demo assessment of the seed data', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const seed = JSON.parse(await readFile(path.join(root, 'prisma/seed/data/assessments.json'), 'utf8')) as {
      questions: unknown;
      scoringConfig: unknown;
    }[];
    expect(seed.length).toBeGreaterThan(0);
    for (const assessment of seed) expect(() => readAssessmentContent(assessment)).not.toThrow();
  });

  it('fills in defaults: 1 point, no options, {} scoring rules', () => {
    const content = readAssessmentContent({
      scoringConfig: null,
      questions: [{ id: 'n', type: 'NUMERIC', prompt: 'How many?', answer: { value: 3 } }],
    });
    expect(content.scoringConfig).toEqual({});
    expect(content.questions[0]).toMatchObject({ points: 1, options: [], answer: { optionIds: [], value: 3 } });
  });
});

describe('bounds of what admins may write', () => {
  it('keep every score finite and between 0 and 100 for any questions, weights and answers within them (property)', () => {
    const question = fc.record({
      points: fc.double({ min: Number.MIN_VALUE, max: MAX_QUESTION_POINTS, noNaN: true }),
      weight: fc.double({ min: Number.MIN_VALUE, max: MAX_WEIGHT, noNaN: true }),
      value: fc.double({ min: -MAX_NUMERIC_VALUE, max: MAX_NUMERIC_VALUE, noNaN: true }),
      tolerance: fc.double({ min: 0, max: MAX_NUMERIC_VALUE, noNaN: true }),
      answer: fc.double({ min: -MAX_NUMERIC_VALUE, max: MAX_NUMERIC_VALUE, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(question, { minLength: 1, maxLength: MAX_QUESTIONS }), (drawn) => {
        const content = assessmentContentSchema.parse({
          questions: drawn.map((q, index) => ({
            id: `q${index}`,
            type: 'NUMERIC',
            prompt: 'How much?',
            points: q.points,
            answer: { value: q.value, tolerance: q.tolerance },
          })),
          scoringConfig: { weights: Object.fromEntries(drawn.map((q, index) => [`q${index}`, q.weight])) },
        });
        const answers = drawn.map((q, index) => ({ questionId: `q${index}`, optionIds: [], value: q.answer }));
        const { score, results } = scoreAttempt({ content, passThreshold: 70, answers });
        expect(Number.isFinite(score)).toBe(true);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        for (const result of results) expect(Number.isFinite(result.pointsAwarded)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse what would break them: 1e308 points, a weight of 1e6, an answer of 1e300', () => {
    const result = assessmentContentSchema.safeParse({
      questions: [{ id: 'q1', type: 'NUMERIC', prompt: 'How much?', points: 1e308, answer: { value: 1e300 } }],
      scoringConfig: { weights: { q1: 1e6 } },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'questions.0.answer.value',
      'questions.0.points',
      'scoringConfig.weights.q1',
    ]);
  });
});
