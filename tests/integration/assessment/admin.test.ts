import pg from 'pg';
import { waitForBlockedBackends } from '../../helpers/database.js';
import { errorCodes, startTestServer, UNLIMITED, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, globalId, learner, admin } from '../../helpers/factories.js';
import {
  AssessmentAnswersDocument,
  AssessmentForLearnerDocument,
  AssessmentScoringConfigDocument,
  CourseAssessmentsDocument,
  CreateAssessmentDocument,
  UpdateAssessmentDocument,
  type AssessmentInput,
  type QuestionInput,
} from '../../generated/graphql.js';
import { quizQuestions, quizScoringConfig, storedQuiz } from './quiz.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: UNLIMITED });
});
afterAll(() => server.close());

async function input(overrides: Partial<AssessmentInput> = {}): Promise<AssessmentInput> {
  const course = await createCourse(server.database.prisma);
  return {
    courseId: globalId('Course', course.id),
    title: 'Position quiz',
    difficulty: 'BEGINNER',
    questions: quizQuestions,
    scoringConfig: quizScoringConfig,
    ...overrides,
  };
}

const assessmentCount = () => server.database.prisma.assessment.count();

describe('createAssessment', () => {
  it('creates an assessment with defaults for what is left out', async () => {
    const given = await input();
    const response = await server.graphql(CreateAssessmentDocument, { input: given }, { as: admin });
    expect(response.body.errors).toBeUndefined();
    const created = response.body.data!.createAssessment;
    expect(created).toMatchObject({
      title: 'Position quiz',
      description: null,
      difficulty: 'BEGINNER',
      passThreshold: 70,
      maxAttempts: 3,
      timeLimitMinutes: null,
      isActive: true,
      scoringConfig: quizScoringConfig,
      course: { id: given.courseId },
    });
    expect(created.questions.map((question) => [question.id, question.points, question.options.length])).toEqual([
      ['q1', 1, 2],
      ['q2', 2, 3],
      ['q3', 1, 0],
    ]);
    expect(created.questions[2]!.answer).toEqual({
      optionIds: [],
      value: 25,
      tolerance: 0.5,
      explanation: '50 / (150 + 50) = 25%.',
    });
  });

  const question = (overrides: Partial<QuestionInput>): QuestionInput => ({ ...quizQuestions[0]!, ...overrides });
  const invalid: [string, Partial<AssessmentInput>, Record<string, unknown>][] = [
    ['no questions', { questions: [] }, { 'input.questions': expect.any(String) }],
    [
      'a repeated question id',
      { questions: [quizQuestions[0]!, question({ prompt: 'Again?' })] },
      { 'input.questions.1.id': 'question ids must be unique' },
    ],
    [
      'a repeated option id',
      {
        questions: [
          question({
            options: [
              { id: 'a', text: 'A' },
              { id: 'a', text: 'B' },
            ],
            answer: { optionIds: ['a'] },
          }),
        ],
      },
      { 'input.questions.0.options.1.id': 'option ids must be unique within a question' },
    ],
    [
      'an answer naming a missing option',
      { questions: [question({ answer: { optionIds: ['utg'] } })] },
      { 'input.questions.0.answer.optionIds': 'names no option of this question: utg' },
    ],
    [
      'two correct options for SINGLE_CHOICE',
      { questions: [question({ answer: { optionIds: ['sb', 'btn'] } })] },
      { 'input.questions.0.answer.optionIds': 'needs exactly one correct option' },
    ],
    [
      'no correct option for MULTIPLE_CHOICE',
      { questions: [question({ type: 'MULTIPLE_CHOICE', answer: { optionIds: [] } })] },
      { 'input.questions.0.answer.optionIds': 'needs at least one correct option' },
    ],
    [
      'TRUE_FALSE options other than true/false',
      {
        questions: [
          question({
            type: 'TRUE_FALSE',
            options: [
              { id: 'yes', text: 'Yes' },
              { id: 'no', text: 'No' },
            ],
            answer: { optionIds: ['yes'] },
          }),
        ],
      },
      { 'input.questions.0.options': expect.stringContaining('"true" and "false"') },
    ],
    [
      'a NUMERIC question without value, with options and a negative tolerance',
      {
        questions: [question({ type: 'NUMERIC', answer: { tolerance: -1 } })],
      },
      {
        'input.questions.0.answer.tolerance': 'must not be negative',
        'input.questions.0.options': 'a NUMERIC question has no options',
        'input.questions.0.answer.value': 'a NUMERIC question needs the correct value',
      },
    ],
    ['zero points', { questions: [question({ points: 0 })] }, { 'input.questions.0.points': 'must be greater than 0' }],
    [
      'a weight of 0 and one for a missing question',
      { scoringConfig: { weights: { q9: 2, q1: 0 } } },
      {
        'input.scoringConfig.weights.q1': 'must be greater than 0',
        'input.scoringConfig.weights.q9': 'names no question of this assessment',
      },
    ],
    [
      'a weight for a missing question',
      { scoringConfig: { weights: { q9: 2 } } },
      { 'input.scoringConfig.weights.q9': 'names no question of this assessment' },
    ],
    ['an unknown scoring rule', { scoringConfig: { bonus: true } }, { 'input.scoringConfig': expect.any(String) }],
    [
      'out-of-range settings',
      { passThreshold: 101, maxAttempts: 0, timeLimitMinutes: 0, title: ' ' },
      {
        'input.passThreshold': 'must be between 0 and 100',
        'input.maxAttempts': 'must be at least 1',
        'input.timeLimitMinutes': 'must be at least 1 minute',
        'input.title': 'must not be empty',
      },
    ],
  ];

  it.each(invalid)(
    'refuses %s with BAD_USER_INPUT naming the field, and writes nothing',
    async (_name, overrides, fields) => {
      const before = await assessmentCount();
      // Without the quiz's weight on q3, which most of these question lists do not have.
      const given = await input({ scoringConfig: {}, ...overrides });
      const response = await server.graphql(CreateAssessmentDocument, { input: given }, { as: admin });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0]!.extensions!.fields).toEqual(fields);
      expect(await assessmentCount()).toBe(before);
    },
  );

  it('refuses a course that does not exist with BAD_USER_INPUT on input.courseId', async () => {
    const response = await server.graphql(
      CreateAssessmentDocument,
      { input: await input({ courseId: globalId('Course', 987_654) }) },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toEqual({ 'input.courseId': 'no course has this id' });
  });

  it('refuses a courseId that is not a Course id with BAD_USER_INPUT on input.courseId', async () => {
    const response = await server.graphql(
      CreateAssessmentDocument,
      { input: await input({ courseId: globalId('Character', 1) }) },
      { as: admin },
    );
    expect(response.body.errors![0]!.extensions!.fields).toEqual({ 'input.courseId': 'must be a Course id' });
  });

  it('is FORBIDDEN for learners and UNAUTHENTICATED for anonymous users, and writes nothing', async () => {
    const before = await assessmentCount();
    const given = await input();
    expect(
      errorCodes(
        await server.graphql(CreateAssessmentDocument, { input: given }, { as: await learner(server.database.prisma) }),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(errorCodes(await server.graphql(CreateAssessmentDocument, { input: given }))).toEqual(['UNAUTHENTICATED']);
    expect(await assessmentCount()).toBe(before);
  });
});

describe('updateAssessment', () => {
  async function existing() {
    const course = await createCourse(server.database.prisma);
    const assessment = await createAssessment(server.database.prisma, course.id, {
      ...storedQuiz,
      description: 'Old',
      timeLimitMinutes: 10,
    });
    return { course, assessment, id: globalId('Assessment', assessment.id) };
  }

  it('changes only the fields given; description and timeLimitMinutes can be cleared with null', async () => {
    const { id } = await existing();
    const response = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { title: 'New title', description: null, timeLimitMinutes: null, maxAttempts: null } },
      { as: admin },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.updateAssessment).toMatchObject({
      title: 'New title',
      description: null,
      timeLimitMinutes: null,
      maxAttempts: 3,
      scoringConfig: quizScoringConfig,
      questions: [{ id: 'q1' }, { id: 'q2' }, { id: 'q3' }],
    });
  });

  it('checks new scoring rules against the stored questions and new questions against the stored rules', async () => {
    const { id, assessment } = await existing();
    const rules = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { scoringConfig: { weights: { q7: 3 } } } },
      { as: admin },
    );
    expect(rules.body.errors![0]!.extensions!.fields).toEqual({
      'input.scoringConfig.weights.q7': 'names no question of this assessment',
    });
    // The stored rules weigh q3, which the new question list drops.
    const questions = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { questions: quizQuestions.slice(0, 2) } },
      { as: admin },
    );
    expect(questions.body.errors![0]!.extensions!.fields).toEqual({
      'input.scoringConfig.weights.q3': 'names no question of this assessment',
    });
    const both = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { questions: quizQuestions.slice(0, 2), scoringConfig: { partialCredit: false } } },
      { as: admin },
    );
    expect(both.body.data!.updateAssessment.questions).toHaveLength(2);
    const stored = await server.database.prisma.assessment.findUniqueOrThrow({ where: { id: assessment.id } });
    expect(stored.scoringConfig).toEqual({ partialCredit: false });
  });

  it('keeps a concurrent edit of the questions when it changes only other fields', async () => {
    const { id, assessment } = await existing();
    const edited = storedQuiz.questions.map((question, index) =>
      index === 0 ? { ...question, prompt: 'Who acts last on the river?' } : question,
    );
    const other = new pg.Client({ connectionString: server.testDatabase.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('UPDATE assessments SET questions = $1::jsonb WHERE id = $2', [
        JSON.stringify(edited),
        assessment.id,
      ]);
      const renaming = server.graphql(UpdateAssessmentDocument, { id, input: { title: 'Renamed' } }, { as: admin });
      // The rename waits for the other edit's row lock, then builds on what that edit stored.
      await waitForBlockedBackends(other, 1);
      await other.query('COMMIT');
      expect((await renaming).body.errors).toBeUndefined();
    } finally {
      await other.end();
    }
    const stored = await server.database.prisma.assessment.findUniqueOrThrow({ where: { id: assessment.id } });
    expect(stored.title).toBe('Renamed');
    expect(stored.questions).toEqual(edited);
  });

  it('refuses invalid questions with the same field paths as createAssessment', async () => {
    const { id } = await existing();
    const response = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { questions: [{ ...quizQuestions[0]!, points: -1 }] } },
      { as: admin },
    );
    expect(response.body.errors![0]!.extensions!.fields).toEqual({
      'input.questions.0.points': 'must be greater than 0',
    });
  });

  it('deactivates instead of deleting: learners stop seeing it, admins still do', async () => {
    const { id, course } = await existing();
    const me = await learner(server.database.prisma);
    await server.graphql(UpdateAssessmentDocument, { id, input: { isActive: false } }, { as: admin });
    expect((await server.graphql(AssessmentForLearnerDocument, { id }, { as: me })).body.data!.node).toBeNull();
    const courseId = globalId('Course', course.id);
    const learnerView = await server.graphql(CourseAssessmentsDocument, { id: courseId }, { as: me });
    expect(learnerView.body.data!.course!.assessments).toEqual([]);
    const adminView = await server.graphql(CourseAssessmentsDocument, { id: courseId }, { as: admin });
    expect(adminView.body.data!.course!.assessments).toEqual([{ id, title: expect.any(String), isActive: false }]);
  });

  it('is NOT_FOUND for a missing assessment and FORBIDDEN for learners', async () => {
    const missing = await server.graphql(
      UpdateAssessmentDocument,
      { id: globalId('Assessment', 987_654), input: { title: 'x' } },
      { as: admin },
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    const { id, assessment } = await existing();
    const forbidden = await server.graphql(
      UpdateAssessmentDocument,
      { id, input: { title: 'x' } },
      { as: await learner(server.database.prisma) },
    );
    expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
    const stored = await server.database.prisma.assessment.findUniqueOrThrow({ where: { id: assessment.id } });
    expect(stored.title).toBe(assessment.title);
  });
});

describe('what learners see of an assessment', () => {
  async function published() {
    const course = await createCourse(server.database.prisma);
    const assessment = await createAssessment(server.database.prisma, course.id, storedQuiz);
    return globalId('Assessment', assessment.id);
  }

  it('shows questions and options to learners, but answers and scoring rules are FORBIDDEN', async () => {
    const id = await published();
    const me = await learner(server.database.prisma);
    const view = await server.graphql(AssessmentForLearnerDocument, { id }, { as: me });
    expect(view.body.errors).toBeUndefined();
    expect(view.body.data!.node).toMatchObject({
      questions: [
        { id: 'q1', type: 'SINGLE_CHOICE', points: 1, options: [{ id: 'sb' }, { id: 'btn' }] },
        { id: 'q2', type: 'MULTIPLE_CHOICE', points: 2 },
        { id: 'q3', type: 'NUMERIC', options: [] },
      ],
    });
    const answers = await server.graphql(AssessmentAnswersDocument, { id }, { as: me });
    expect(new Set(errorCodes(answers))).toEqual(new Set(['FORBIDDEN']));
    expect(answers.body.data!.node).toEqual({
      id,
      questions: [
        { id: 'q1', answer: null },
        { id: 'q2', answer: null },
        { id: 'q3', answer: null },
      ],
    });
    const rules = await server.graphql(AssessmentScoringConfigDocument, { id }, { as: me });
    expect(errorCodes(rules)).toEqual(['FORBIDDEN']);
    expect(rules.body.data!.node).toEqual({ id, scoringConfig: null });
    expect(errorCodes(await server.graphql(AssessmentScoringConfigDocument, { id }))).toEqual(['UNAUTHENTICATED']);
  });

  it('shows answers and scoring rules to admins', async () => {
    const id = await published();
    const answers = await server.graphql(AssessmentAnswersDocument, { id }, { as: admin });
    expect(answers.body.errors).toBeUndefined();
    expect(answers.body.data!.node).toMatchObject({
      questions: [
        { answer: { optionIds: ['btn'] } },
        { answer: { optionIds: ['flush', 'boat'] } },
        { answer: { value: 25 } },
      ],
    });
    const rules = await server.graphql(AssessmentScoringConfigDocument, { id }, { as: admin });
    expect(rules.body.data!.node).toEqual({ id, scoringConfig: quizScoringConfig });
  });
});
