import type { AssessmentContent, Question } from './questions.js';

/** What a learner answered to one question: chosen options, or a value for NUMERIC questions. */
export type SubmittedAnswer = {
  questionId: string;
  optionIds: readonly string[];
  value: number | null;
};

export type QuestionResult = {
  questionId: string;
  correct: boolean;
  /** Weighted points, rounded to 2 decimals. */
  pointsAwarded: number;
  explanation: string | null;
};

type AttemptScore = {
  /** 100 * awarded / possible, rounded to 2 decimals. */
  score: number;
  passed: boolean;
  results: QuestionResult[];
};

/**
 * Numbers typed by people meet binary floating point: |0.4 - 0.3| is 0.10000000000000003, which must
 * still count as within a tolerance of 0.1. The slack is far below any meaningful answer precision.
 */
const NUMERIC_SLACK = 1e-9;

function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}

/** The share (0-1) of a question's points that an answer earns, and whether it is fully correct. */
function judge(question: Question, answer: SubmittedAnswer | undefined, partialCredit: boolean) {
  if (!answer) return { correct: false, share: 0 };
  if (question.type === 'NUMERIC') {
    const expected = question.answer.value ?? Number.NaN;
    const tolerance = question.answer.tolerance ?? 0;
    const correct = answer.value !== null && Math.abs(answer.value - expected) <= tolerance + NUMERIC_SLACK;
    return { correct, share: correct ? 1 : 0 };
  }
  const expected = new Set(question.answer.optionIds);
  const chosen = new Set(answer.optionIds);
  const correctChosen = [...chosen].filter((optionId) => expected.has(optionId)).length;
  const wrongChosen = chosen.size - correctChosen;
  const correct = wrongChosen === 0 && correctChosen === expected.size;
  if (correct) return { correct, share: 1 };
  if (question.type === 'MULTIPLE_CHOICE' && partialCredit) {
    return { correct, share: Math.max(0, (correctChosen - wrongChosen) / expected.size) };
  }
  return { correct, share: 0 };
}

/**
 * Scores an attempt from the assessment's scoring rules. Each question is worth
 * points * (weights[id] ?? 1); choice questions need exactly the correct set of options, except that
 * MULTIPLE_CHOICE earns max(0, (correct chosen - wrong chosen) / correct options) of its worth when
 * partialCredit is on; NUMERIC answers count within the answer's tolerance (default 0). Unanswered
 * questions earn nothing. A late attempt earns nothing for any answer and never passes.
 */
export function scoreAttempt({
  content,
  passThreshold,
  answers,
  late = false,
}: {
  content: AssessmentContent;
  passThreshold: number;
  answers: readonly SubmittedAnswer[];
  late?: boolean;
}): AttemptScore {
  const byQuestion = new Map(answers.map((answer) => [answer.questionId, answer]));
  const { weights = {}, partialCredit = false } = content.scoringConfig;
  let possible = 0;
  let awarded = 0;
  const results = content.questions.map((question) => {
    const worth = question.points * (weights[question.id] ?? 1);
    const { correct, share } = late
      ? { correct: false, share: 0 }
      : judge(question, byQuestion.get(question.id), partialCredit);
    possible += worth;
    awarded += worth * share;
    return {
      questionId: question.id,
      correct,
      pointsAwarded: round2(worth * share),
      explanation: question.answer.explanation ?? null,
    };
  });
  const score = possible > 0 ? round2((100 * awarded) / possible) : 0;
  return { score, passed: !late && score >= passThreshold, results };
}
