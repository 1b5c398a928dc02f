import { errorCodes, startTestServer, UNLIMITED, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, globalId, learner, admin } from '../../helpers/factories.js';
import type { Prisma } from '../../../src/generated/prisma/client.js';
import {
  AssessmentForLearnerDocument,
  AttemptNodeDocument,
  AttemptNodesDocument,
  StartAssessmentAttemptDocument,
  SubmitAssessmentDocument,
  ViewerProgressDocument,
  type AnswerInput,
} from '../../generated/graphql.js';
import { storedQuiz } from './quiz.js';

let server: TestServer;

beforeAll(async () => {
  // Rate limits are tested on their own; they must not decide the concurrency case here.
  server = await startTestServer({ env: UNLIMITED });
});
afterAll(() => server.close());

async function quiz(overrides: Partial<Prisma.AssessmentUncheckedCreateInput> = {}) {
  const course = await createCourse(server.database.prisma);
  const assessment = await createAssessment(server.database.prisma, course.id, {
    ...storedQuiz,
    passThreshold: 60,
    ...overrides,
  });
  return { course, assessment, id: globalId('Assessment', assessment.id) };
}

/** q1 right (1), q2 one right one wrong (0 of 2), q3 within tolerance (2 of 2): 3 of 5 = 60%. */
const sixtyPercent: AnswerInput[] = [
  { questionId: 'q1', optionIds: ['btn'] },
  { questionId: 'q2', optionIds: ['flush', 'trips'] },
  { questionId: 'q3', value: 25.4 },
];

const attemptsOf = (userId: number) =>
  server.database.prisma.assessmentAttempt.findMany({ where: { userId }, orderBy: { attemptNumber: 'asc' } });
const progressOf = (userId: number) => server.database.prisma.userProgress.findMany({ where: { userId } });

describe('submitAssessment without a time limit', () => {
  it('starts, scores and submits in one step, and appends the score to the course progress', async () => {
    const me = await learner(server.database.prisma);
    const { id, course } = await quiz();
    const response = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    expect(response.body.errors).toBeUndefined();
    const attempt = response.body.data!.submitAssessment;
    expect(attempt).toMatchObject({
      attemptNumber: 1,
      score: 60,
      passed: true,
      deadline: null,
      assessment: { id },
      results: [
        {
          questionId: 'q1',
          correct: true,
          pointsAwarded: 1,
          explanation: 'The button acts last on every postflop street.',
        },
        {
          questionId: 'q2',
          correct: false,
          pointsAwarded: 0,
          explanation: 'Flushes and full houses rank above straights.',
        },
        { questionId: 'q3', correct: true, pointsAwarded: 2, explanation: '50 / (150 + 50) = 25%.' },
      ],
    });
    expect(attempt.submittedAt).toBe(attempt.startedAt);

    const progress = await server.graphql(ViewerProgressDocument, {}, { as: me });
    const [row] = progress.body.data!.viewer!.progress.edges.map((edge) => edge.node);
    expect(row!.course.id).toBe(globalId('Course', course.id));
    expect(row!.testScores).toEqual([
      { assessmentId: id, attemptNumber: 1, score: 60, passed: true, submittedAt: attempt.submittedAt },
    ]);
  });

  it('scores partial credit and weights: one of two right options, q3 out of tolerance -> 2 of 5', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz();
    const answers: AnswerInput[] = [
      { questionId: 'q1', optionIds: ['btn'] },
      { questionId: 'q2', optionIds: ['boat'] },
      { questionId: 'q3', value: 25.6 },
    ];
    const response = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers }, { as: me });
    expect(response.body.data!.submitAssessment).toMatchObject({ score: 40, passed: false });
    expect(response.body.data!.submitAssessment.results.map((result) => result.pointsAwarded)).toEqual([1, 1, 0]);
  });

  it('scores unanswered questions 0', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz();
    const response = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: [{ questionId: 'q3', value: 25 }] },
      { as: me },
    );
    expect(response.body.data!.submitAssessment).toMatchObject({ score: 40, passed: false });
  });

  it('counts attempts in viewerAttempts and viewerAttemptsRemaining, then refuses with ATTEMPTS_EXHAUSTED', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz({ maxAttempts: 2 });
    for (let n = 1; n <= 2; n += 1) {
      const response = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: me });
      expect(response.body.data!.submitAssessment.attemptNumber).toBe(n);
    }
    const view = await server.graphql(AssessmentForLearnerDocument, { id }, { as: me });
    expect(view.body.data!.node).toMatchObject({
      viewerAttemptsRemaining: 0,
      viewerAttempts: [{ attemptNumber: 1 }, { attemptNumber: 2 }],
    });
    const refused = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    expect(errorCodes(refused)).toEqual(['ATTEMPTS_EXHAUSTED']);
    expect(await attemptsOf(me.id)).toHaveLength(2);
    expect((await progressOf(me.id))[0]!.testScores).toHaveLength(2);

    const other = await server.graphql(
      AssessmentForLearnerDocument,
      { id },
      { as: await learner(server.database.prisma) },
    );
    expect(other.body.data!.node).toMatchObject({ viewerAttemptsRemaining: 2, viewerAttempts: [] });
    const anonymous = await server.graphql(AssessmentForLearnerDocument, { id });
    expect(anonymous.body.data!.node).toMatchObject({ viewerAttemptsRemaining: null, viewerAttempts: [] });
  });

  it('holds maxAttempts under concurrency: 10 simultaneous submissions for 3 attempts', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz({ maxAttempts: 3 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: sixtyPercent }, { as: me }),
      ),
    );
    const codes = responses.map((response) => errorCodes(response)[0] ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(3);
    expect(codes.filter((code) => code === 'ATTEMPTS_EXHAUSTED')).toHaveLength(7);
    expect((await attemptsOf(me.id)).map((attempt) => attempt.attemptNumber)).toEqual([1, 2, 3]);
    const [progress] = await progressOf(me.id);
    expect((progress!.testScores as { attemptNumber: number }[]).map((entry) => entry.attemptNumber).sort()).toEqual([
      1, 2, 3,
    ]);
  });
});

describe('time limits', () => {
  it('refuses a one-step submission with BAD_USER_INPUT and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz({ timeLimitMinutes: 15 });
    const response = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toEqual({ assessmentId: expect.any(String) });
    expect(await attemptsOf(me.id)).toEqual([]);
    expect(await progressOf(me.id)).toEqual([]);
  });

  it('opens an attempt with a deadline, returns the same open attempt again, and scores it in time', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz({ timeLimitMinutes: 15 });
    const started = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    const attempt = started.body.data!.startAssessmentAttempt;
    expect(attempt).toMatchObject({ attemptNumber: 1, submittedAt: null, score: 0, passed: false, results: [] });
    expect(new Date(attempt.deadline!).getTime() - new Date(attempt.startedAt).getTime()).toBe(15 * 60_000);

    const again = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(again.body.data!.startAssessmentAttempt.id).toBe(attempt.id);

    const submitted = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    expect(submitted.body.data!.submitAssessment).toMatchObject({ id: attempt.id, score: 60, passed: true });

    const next = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(next.body.data!.startAssessmentAttempt.attemptNumber).toBe(2);
  });

  it('records a submission after the deadline with score 0, not passed', async () => {
    const me = await learner(server.database.prisma);
    const { id, assessment } = await quiz({ timeLimitMinutes: 15 });
    await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    // The attempt began 20 minutes ago, so its deadline passed 5 minutes ago.
    const startedAt = new Date(Date.now() - 20 * 60_000);
    await server.database.prisma.assessmentAttempt.updateMany({
      where: { userId: me.id, assessmentId: assessment.id },
      data: { startedAt, deadlineAt: new Date(startedAt.getTime() + 15 * 60_000) },
    });
    const response = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    const attempt = response.body.data!.submitAssessment;
    expect(attempt).toMatchObject({ score: 0, passed: false });
    expect(attempt.submittedAt).not.toBeNull();
    expect(attempt.results.every((result) => !result.correct && result.pointsAwarded === 0)).toBe(true);
    expect(attempt.results[0]!.explanation).toBe('The button acts last on every postflop street.');
    const [progress] = await progressOf(me.id);
    expect(progress!.testScores).toEqual([expect.objectContaining({ score: 0, passed: false, attemptNumber: 1 })]);
  });

  it('returns an expired open attempt from startAssessmentAttempt until it is submitted', async () => {
    const me = await learner(server.database.prisma);
    const { id, assessment } = await quiz({ timeLimitMinutes: 5 });
    const startedAt = new Date(Date.now() - 60 * 60_000);
    const user = await server.database.prisma.user.findUniqueOrThrow({ where: { id: me.id } });
    await server.database.prisma.userProgress.create({ data: { userId: user.id, courseId: assessment.courseId } });
    const open = await server.database.prisma.assessmentAttempt.create({
      data: {
        userId: me.id,
        assessmentId: assessment.id,
        attemptNumber: 1,
        startedAt,
        deadlineAt: new Date(startedAt.getTime() + 5 * 60_000),
      },
    });
    const response = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(response.body.data!.startAssessmentAttempt.id).toBe(globalId('AssessmentAttempt', open.id));
    const again = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(again.body.data!.startAssessmentAttempt.id).toBe(globalId('AssessmentAttempt', open.id));

    // Submitting it (late: score 0) closes it; the next start opens attempt 2 with a fresh deadline.
    const submitted = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    expect(submitted.body.errors).toBeUndefined();
    expect(submitted.body.data!.submitAssessment).toMatchObject({
      id: globalId('AssessmentAttempt', open.id),
      attemptNumber: 1,
      score: 0,
      passed: false,
      submittedAt: expect.any(String),
    });
    const next = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(next.body.errors).toBeUndefined();
    const fresh = next.body.data!.startAssessmentAttempt;
    expect(fresh.id).not.toBe(globalId('AssessmentAttempt', open.id));
    expect(fresh).toMatchObject({ attemptNumber: 2, submittedAt: null });
    expect(new Date(fresh.deadline as string).getTime()).toBeGreaterThan(Date.now());
    expect((await attemptsOf(me.id)).map((attempt) => attempt.submittedAt !== null)).toEqual([true, false]);
  });

  it('refuses startAssessmentAttempt with ATTEMPTS_EXHAUSTED when every attempt is used', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz({ maxAttempts: 1 });
    await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: me });
    const response = await server.graphql(StartAssessmentAttemptDocument, { assessmentId: id }, { as: me });
    expect(errorCodes(response)).toEqual(['ATTEMPTS_EXHAUSTED']);
    expect(await attemptsOf(me.id)).toHaveLength(1);
  });
});

describe('refusals', () => {
  it('refuses answers that do not fit the questions with BAD_USER_INPUT naming each, and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz();
    const answers: AnswerInput[] = [
      { questionId: 'q9', optionIds: ['btn'] },
      { questionId: 'q1', optionIds: ['sb', 'btn'] },
      { questionId: 'q1', optionIds: ['btn'] },
      { questionId: 'q2', optionIds: ['quads'] },
      { questionId: 'q3', optionIds: ['flush'] },
    ];
    const response = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers }, { as: me });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toEqual({
      'answers.0.questionId': 'names no question of this assessment',
      'answers.1.optionIds': 'choose one option',
      'answers.2.questionId': 'answers a question twice',
      'answers.3.optionIds': 'names no option of this question: quads',
      'answers.4.optionIds': 'a NUMERIC question is answered by value',
    });
    expect(await attemptsOf(me.id)).toEqual([]);
    expect(await progressOf(me.id)).toEqual([]);
  });

  it('refuses a choice question answered by value', async () => {
    const me = await learner(server.database.prisma);
    const { id } = await quiz();
    const response = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: [{ questionId: 'q1', value: 1 }] },
      { as: me },
    );
    expect(response.body.errors![0]!.extensions!.fields).toEqual({ 'answers.0.value': expect.any(String) });
  });

  it('refuses an assessment of a locked course with PREREQUISITES_NOT_MET, and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const prisma = server.database.prisma;
    const basics = await createCourse(prisma);
    const locked = await createCourse(prisma, { prerequisites: [basics.id] });
    const assessment = await createAssessment(prisma, locked.id, storedQuiz);
    const id = globalId('Assessment', assessment.id);
    for (const document of [SubmitAssessmentDocument, StartAssessmentAttemptDocument]) {
      const response = await server.graphql(document, { assessmentId: id, answers: sixtyPercent }, { as: me });
      expect(errorCodes(response)).toEqual(['PREREQUISITES_NOT_MET']);
    }
    expect(await attemptsOf(me.id)).toEqual([]);
    expect(await progressOf(me.id)).toEqual([]);
  });

  it('is NOT_FOUND for an inactive assessment or one of an inactive course (learners)', async () => {
    const me = await learner(server.database.prisma);
    const inactive = await quiz({ isActive: false });
    const ofInactiveCourse = await quiz();
    await server.database.prisma.course.update({
      where: { id: ofInactiveCourse.course.id },
      data: { isActive: false },
    });
    for (const { id } of [inactive, ofInactiveCourse]) {
      const response = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: me });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      const viaNode = await server.graphql(AssessmentForLearnerDocument, { id }, { as: me });
      expect(viaNode.body.data!.node).toBeNull();
    }
  });

  it('refuses an id that is not an Assessment id with BAD_USER_INPUT on assessmentId', async () => {
    const me = await learner(server.database.prisma);
    const { course } = await quiz();
    for (const document of [SubmitAssessmentDocument, StartAssessmentAttemptDocument]) {
      const response = await server.graphql(
        document,
        { assessmentId: globalId('Course', course.id), answers: [] },
        { as: me },
      );
      expect(response.body.errors![0]!.extensions!.fields).toEqual({ assessmentId: 'must be a Assessment id' });
    }
  });

  it('is UNAUTHENTICATED for anonymous users', async () => {
    const { id } = await quiz();
    for (const document of [SubmitAssessmentDocument, StartAssessmentAttemptDocument]) {
      const response = await server.graphql(document, { assessmentId: id, answers: [] });
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('who sees attempts', () => {
  it("resolves another learner's attempt to null through node and nodes; admins see it", async () => {
    const [me, other] = [await learner(server.database.prisma), await learner(server.database.prisma)];
    const { id } = await quiz();
    const mine = await server.graphql(
      SubmitAssessmentDocument,
      { assessmentId: id, answers: sixtyPercent },
      { as: me },
    );
    const theirs = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: other });
    const myId = mine.body.data!.submitAssessment.id;
    const theirId = theirs.body.data!.submitAssessment.id;

    expect((await server.graphql(AttemptNodeDocument, { id: theirId }, { as: me })).body).toEqual({
      data: { node: null },
    });
    const nodes = await server.graphql(AttemptNodesDocument, { ids: [myId, theirId] }, { as: me });
    expect(nodes.body.data!.nodes).toEqual([{ __typename: 'AssessmentAttempt', id: myId }, null]);
    expect((await server.graphql(AttemptNodeDocument, { id: myId })).body.data!.node).toBeNull();
    const asAdmin = await server.graphql(AttemptNodeDocument, { id: theirId }, { as: admin });
    expect(asAdmin.body.data!.node).toEqual({ __typename: 'AssessmentAttempt', id: theirId, score: 0 });
  });

  it("lists only the viewer's own attempts in viewerAttempts", async () => {
    const [me, other] = [await learner(server.database.prisma), await learner(server.database.prisma)];
    const { id } = await quiz();
    await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: other });
    const mine = await server.graphql(SubmitAssessmentDocument, { assessmentId: id, answers: [] }, { as: me });
    const view = await server.graphql(AssessmentForLearnerDocument, { id }, { as: me });
    expect(view.body.data!.node).toMatchObject({
      viewerAttempts: [{ id: mine.body.data!.submitAssessment.id, attemptNumber: 1 }],
      viewerAttemptsRemaining: 2,
    });
  });
});
