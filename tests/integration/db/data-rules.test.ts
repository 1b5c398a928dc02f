import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

/**
 * The database itself refuses rows that break a data rule, whoever writes them (API, seed, psql): each bad
 * row below is inserted with raw SQL and must fail on the one constraint that states the rule.
 */

const UNIQUE = '23505';
const FOREIGN_KEY = '23503';
const CHECK = '23514';

type Row = Record<string, unknown>;
type Statement = { text: string; values: unknown[] };

const json = (value: unknown) => JSON.stringify(value);

function insert(table: string, row: Row): Statement {
  const columns = Object.keys(row);
  return {
    text: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    values: Object.values(row),
  };
}

// Rows that exist in every case (inserted once in beforeAll). Their ids are fixed and far beyond what the
// sequences hand out, so that the cases below can be plain data.
const USER = 1;
const OTHER_USER = 2;
const COURSE = 900_001;
const ASSESSMENT = 900_001;
const CHARACTER = 900_001;
const SESSION = 900_001;

const question = { id: 'q1', type: 'SINGLE_CHOICE', prompt: 'Which seat acts last after the flop?' };
const personality = { systemPrompt: 'You are a patient poker coach.', temperature: 0.7, tone: 'warm' };

/** A valid row for each table; a case overrides the columns that break its rule. */
const valid: Record<string, (overrides?: Row) => Statement> = {
  users: (o) => insert('users', { id: 10, display_name: 'Ann', ...o }),
  courses: (o) => insert('courses', { title: 'Pot Odds', level: 'beginner', ...o }),
  assessments: (o) =>
    insert('assessments', {
      course_id: COURSE,
      title: 'Quiz',
      questions: json([question]),
      difficulty: 'beginner',
      ...o,
    }),
  user_progress: (o) => insert('user_progress', { user_id: USER, course_id: COURSE, ...o }),
  assessment_attempts: (o) =>
    insert('assessment_attempts', { assessment_id: ASSESSMENT, user_id: USER, attempt_number: 1, ...o }),
  characters: (o) =>
    insert('characters', {
      name: 'coach',
      display_name: 'Coach',
      personality_config: json(personality),
      specialization: 'Preflop',
      skill_level: 'beginner',
      conversation_style: 'friendly',
      ...o,
    }),
  chat_sessions: (o) => insert('chat_sessions', { user_id: USER, character_id: CHARACTER, ...o }),
  chat_messages: (o) => insert('chat_messages', { session_id: SESSION, seq: 1, role: 'user', content: 'Hi', ...o }),
  lesson_sections: (o) =>
    insert('lesson_sections', {
      course_id: COURSE,
      position: 0,
      lesson_title: 'Fixture course',
      heading: '',
      body: 'Text',
      ...o,
    }),
};
const row = (table: string, overrides?: Row) => valid[table]!(overrides);

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  for (const statement of [
    row('users', { id: USER }),
    row('users', { id: OTHER_USER, display_name: 'Bob' }),
    row('courses', { id: COURSE, title: 'Fixture course' }),
    row('assessments', { id: ASSESSMENT }),
    row('characters', { id: CHARACTER, name: 'fixture_coach' }),
    row('chat_sessions', { id: SESSION }),
  ]) {
    await client.query(statement.text, statement.values);
  }
});

afterAll(async () => {
  await client.end();
  await database.drop();
});

/** Runs the statements in a transaction that is always rolled back; returns how the last one failed. */
async function attempt(statements: Statement[]): Promise<{ code?: string; constraint?: string } | null> {
  await client.query('BEGIN');
  try {
    for (const [i, statement] of statements.entries()) {
      try {
        await client.query(statement.text, statement.values);
      } catch (error) {
        if (i < statements.length - 1) throw error;
        const { code, constraint } = error as { code?: string; constraint?: string };
        return { code, constraint };
      }
    }
    return null;
  } finally {
    await client.query('ROLLBACK');
  }
}

interface Case {
  rule: string;
  /** Valid rows inserted first (same transaction). */
  given?: Statement[];
  bad: Statement;
  constraint: string;
  code: string;
}

const cases: Case[] = [
  // users
  { rule: 'users.id is positive', bad: row('users', { id: 0 }), constraint: 'users_id_check', code: CHECK },
  {
    rule: 'users.role is learner or admin',
    bad: row('users', { role: 'owner' }),
    constraint: 'users_role_check',
    code: CHECK,
  },
  {
    rule: 'users.display_name is not blank',
    bad: row('users', { display_name: ' \t\n' }),
    constraint: 'users_display_name_check',
    code: CHECK,
  },
  {
    rule: 'users.email is unique',
    given: [row('users', { id: 11, email: 'a@example.com' })],
    bad: row('users', { id: 12, email: 'a@example.com' }),
    constraint: 'users_email_key',
    code: UNIQUE,
  },
  // courses
  {
    rule: 'courses.level is an enum',
    bad: row('courses', { level: 'expert' }),
    constraint: 'courses_level_check',
    code: CHECK,
  },
  {
    rule: 'courses.title is not blank',
    bad: row('courses', { title: '\t \r\n' }),
    constraint: 'courses_title_check',
    code: CHECK,
  },
  {
    rule: 'courses.duration_minutes >= 0',
    bad: row('courses', { duration_minutes: -1 }),
    constraint: 'courses_duration_minutes_check',
    code: CHECK,
  },
  {
    rule: 'courses.tags holds no NULL',
    bad: row('courses', { tags: ['math', null] }),
    constraint: 'courses_tags_check',
    code: CHECK,
  },
  {
    rule: 'courses.prerequisites holds no NULL',
    bad: row('courses', { prerequisites: [null] }),
    constraint: 'courses_prerequisites_check',
    code: CHECK,
  },
  {
    rule: 'a course is not its own prerequisite',
    bad: row('courses', { id: 9000, prerequisites: [9000] }),
    constraint: 'courses_prerequisites_check',
    code: CHECK,
  },
  {
    rule: 'a course count is not negative',
    bad: { text: `INSERT INTO course_counts (level, is_active, courses) VALUES ('advanced', false, -1)`, values: [] },
    constraint: 'course_counts_courses_check',
    code: CHECK,
  },
  {
    rule: 'course titles are unique within a level, ignoring case',
    given: [row('courses', { title: 'Pot Odds' })],
    bad: row('courses', { title: 'pot ODDS' }),
    constraint: 'courses_level_title_key',
    code: UNIQUE,
  },
  // assessments
  {
    rule: 'assessments.course_id names a course',
    bad: row('assessments', { course_id: 999_999 }),
    constraint: 'assessments_course_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'assessments.difficulty is an enum',
    bad: row('assessments', { difficulty: 'expert' }),
    constraint: 'assessments_difficulty_check',
    code: CHECK,
  },
  {
    rule: 'assessments.title is not blank',
    bad: row('assessments', { title: '' }),
    constraint: 'assessments_title_check',
    code: CHECK,
  },
  {
    rule: 'pass_threshold <= 100',
    bad: row('assessments', { pass_threshold: 101 }),
    constraint: 'assessments_pass_threshold_check',
    code: CHECK,
  },
  {
    rule: 'pass_threshold >= 0',
    bad: row('assessments', { pass_threshold: -1 }),
    constraint: 'assessments_pass_threshold_check',
    code: CHECK,
  },
  {
    rule: 'time_limit_minutes >= 0',
    bad: row('assessments', { time_limit_minutes: -5 }),
    constraint: 'assessments_time_limit_minutes_check',
    code: CHECK,
  },
  {
    rule: 'max_attempts >= 1',
    bad: row('assessments', { max_attempts: 0 }),
    constraint: 'assessments_max_attempts_check',
    code: CHECK,
  },
  {
    rule: 'scoring_config is an object',
    bad: row('assessments', { scoring_config: json([]) }),
    constraint: 'assessments_scoring_config_check',
    code: CHECK,
  },
  ...(
    [
      ['an array, not an object', {}],
      ['not empty', []],
      ['objects, not strings', ['q1']],
      ['id is a string', [{ ...question, id: 1 }]],
      ['type is present', [{ id: 'q1', prompt: 'p' }]],
      ['type is a string', [{ ...question, type: null }]],
      ['prompt is present', [{ id: 'q1', type: 'NUMERIC' }]],
      ['prompt is a string', [{ ...question, prompt: ['p'] }]],
      ['every element is checked', [question, { id: 'q2', type: 'NUMERIC' }]],
    ] as const
  ).map(([what, questions]) => ({
    rule: `questions: ${what}`,
    bad: row('assessments', { questions: json(questions) }),
    constraint: 'assessments_questions_check',
    code: CHECK,
  })),
  // user_progress
  {
    rule: 'user_progress.user_id names a user',
    bad: row('user_progress', { user_id: 999 }),
    constraint: 'user_progress_user_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'user_progress.course_id names a course',
    bad: row('user_progress', { course_id: 999_999 }),
    constraint: 'user_progress_course_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'completion_rate <= 100',
    bad: row('user_progress', { completion_rate: 100.01 }),
    constraint: 'user_progress_completion_rate_check',
    code: CHECK,
  },
  {
    rule: 'completion_rate >= 0',
    bad: row('user_progress', { completion_rate: -0.01 }),
    constraint: 'user_progress_completion_rate_check',
    code: CHECK,
  },
  {
    rule: 'current_section >= 1',
    bad: row('user_progress', { current_section: 0 }),
    constraint: 'user_progress_current_section_check',
    code: CHECK,
  },
  {
    rule: 'study_time_minutes >= 0',
    bad: row('user_progress', { study_time_minutes: -1 }),
    constraint: 'user_progress_study_time_minutes_check',
    code: CHECK,
  },
  {
    rule: 'test_scores is an array',
    bad: row('user_progress', { test_scores: json({ score: 80 }) }),
    constraint: 'user_progress_test_scores_check',
    code: CHECK,
  },
  {
    rule: 'a completed course is 100% complete',
    bad: row('user_progress', { completion_rate: 99, completed_at: new Date() }),
    constraint: 'user_progress_completed_at_check',
    code: CHECK,
  },
  {
    rule: 'one progress row per user and course',
    given: [row('user_progress')],
    bad: row('user_progress', { completion_rate: 50 }),
    constraint: 'user_progress_user_id_course_id_key',
    code: UNIQUE,
  },
  // assessment_attempts
  {
    rule: 'attempts name an assessment',
    bad: row('assessment_attempts', { assessment_id: 999_999 }),
    constraint: 'assessment_attempts_assessment_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'attempts name a user',
    bad: row('assessment_attempts', { user_id: 999 }),
    constraint: 'assessment_attempts_user_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'attempt_number >= 1',
    bad: row('assessment_attempts', { attempt_number: 0 }),
    constraint: 'assessment_attempts_attempt_number_check',
    code: CHECK,
  },
  {
    rule: 'answers is an array',
    bad: row('assessment_attempts', { answers: json({}) }),
    constraint: 'assessment_attempts_answers_check',
    code: CHECK,
  },
  {
    rule: 'results is an array',
    bad: row('assessment_attempts', { results: json('x') }),
    constraint: 'assessment_attempts_results_check',
    code: CHECK,
  },
  {
    rule: 'score <= 100',
    bad: row('assessment_attempts', { submitted_at: new Date(Date.now() + 60_000), score: 101, passed: true }),
    constraint: 'assessment_attempts_score_check',
    code: CHECK,
  },
  {
    rule: 'the deadline is not before the start',
    bad: row('assessment_attempts', { started_at: new Date(), deadline_at: new Date(Date.now() - 60_000) }),
    constraint: 'assessment_attempts_deadline_check',
    code: CHECK,
  },
  {
    rule: 'submission is not before the start',
    bad: row('assessment_attempts', {
      started_at: new Date(),
      submitted_at: new Date(Date.now() - 60_000),
      score: 50,
      passed: false,
    }),
    constraint: 'assessment_attempts_submitted_at_check',
    code: CHECK,
  },
  {
    rule: 'a submitted attempt carries a score',
    bad: row('assessment_attempts', { submitted_at: new Date(Date.now() + 60_000) }),
    constraint: 'assessment_attempts_scored_when_submitted',
    code: CHECK,
  },
  {
    rule: 'an open attempt carries no score',
    bad: row('assessment_attempts', { score: 80, passed: true }),
    constraint: 'assessment_attempts_scored_when_submitted',
    code: CHECK,
  },
  {
    rule: 'attempt numbers are unique per user and assessment',
    given: [row('assessment_attempts', { submitted_at: new Date(Date.now() + 60_000), score: 40, passed: false })],
    bad: row('assessment_attempts', { submitted_at: new Date(Date.now() + 60_000), score: 90, passed: true }),
    constraint: 'assessment_attempts_user_assessment_number_key',
    code: UNIQUE,
  },
  {
    rule: 'one open attempt per user and assessment',
    given: [row('assessment_attempts')],
    bad: row('assessment_attempts', { attempt_number: 2 }),
    constraint: 'assessment_attempts_one_open_key',
    code: UNIQUE,
  },
  // characters
  {
    rule: 'characters.name is unique',
    bad: row('characters', { name: 'fixture_coach' }),
    constraint: 'characters_name_key',
    code: UNIQUE,
  },
  {
    rule: 'characters.name is not blank',
    bad: row('characters', { name: '\t' }),
    constraint: 'characters_name_check',
    code: CHECK,
  },
  {
    rule: 'characters.display_name is not blank',
    bad: row('characters', { display_name: '' }),
    constraint: 'characters_display_name_check',
    code: CHECK,
  },
  {
    rule: 'skill_level is an enum',
    bad: row('characters', { skill_level: 'advanced' }),
    constraint: 'characters_skill_level_check',
    code: CHECK,
  },
  {
    rule: 'conversation_style is an enum',
    bad: row('characters', { conversation_style: 'rude' }),
    constraint: 'characters_conversation_style_check',
    code: CHECK,
  },
  ...(
    [
      ['an object, not an array', [personality]],
      ['systemPrompt is present', { temperature: 0.5, tone: 'calm' }],
      ['systemPrompt is a string', { ...personality, systemPrompt: 42 }],
      ['temperature is present', { systemPrompt: 'x', tone: 'calm' }],
      ['temperature is a number', { ...personality, temperature: '0.5' }],
      ['temperature <= 2', { ...personality, temperature: 2.01 }],
      ['temperature >= 0', { ...personality, temperature: -0.1 }],
      ['tone is present', { systemPrompt: 'x', temperature: 1 }],
      ['tone is a string', { ...personality, tone: true }],
    ] as const
  ).map(([what, config]) => ({
    rule: `personality_config: ${what}`,
    bad: row('characters', { personality_config: json(config) }),
    constraint: 'characters_personality_config_check',
    code: CHECK,
  })),
  // chat_sessions
  {
    rule: 'chat_sessions.user_id names a user',
    bad: row('chat_sessions', { user_id: 999 }),
    constraint: 'chat_sessions_user_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'chat_sessions.character_id names a character',
    bad: row('chat_sessions', { character_id: 999_999 }),
    constraint: 'chat_sessions_character_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'context_data is an object',
    bad: row('chat_sessions', { context_data: json([]) }),
    constraint: 'chat_sessions_context_data_check',
    code: CHECK,
  },
  {
    rule: 'message_count >= 0',
    bad: row('chat_sessions', { message_count: -1 }),
    constraint: 'chat_sessions_message_count_check',
    code: CHECK,
  },
  {
    rule: 'an ended session is inactive',
    bad: row('chat_sessions', { ended_at: new Date(), is_active: true }),
    constraint: 'chat_sessions_ended_is_inactive',
    code: CHECK,
  },
  // chat_messages
  {
    rule: 'chat_messages.session_id names a session',
    bad: row('chat_messages', { session_id: 999_999 }),
    constraint: 'chat_messages_session_id_fkey',
    code: FOREIGN_KEY,
  },
  { rule: 'seq >= 1', bad: row('chat_messages', { seq: 0 }), constraint: 'chat_messages_seq_check', code: CHECK },
  {
    rule: 'message role is user, character or system',
    bad: row('chat_messages', { role: 'assistant' }),
    constraint: 'chat_messages_role_check',
    code: CHECK,
  },
  {
    rule: 'message content is not blank',
    bad: row('chat_messages', { content: '\n\t ' }),
    constraint: 'chat_messages_content_check',
    code: CHECK,
  },
  {
    rule: 'message metadata is an object',
    bad: row('chat_messages', { metadata: json('note') }),
    constraint: 'chat_messages_metadata_check',
    code: CHECK,
  },
  {
    rule: 'seq is unique within a session',
    given: [row('chat_messages')],
    bad: row('chat_messages', { content: 'again' }),
    constraint: 'chat_messages_session_id_seq_key',
    code: UNIQUE,
  },
  {
    rule: 'client_message_id is unique within a session',
    given: [row('chat_messages', { client_message_id: 'c-1' })],
    bad: row('chat_messages', { seq: 2, client_message_id: 'c-1' }),
    constraint: 'chat_messages_session_id_client_message_id_key',
    code: UNIQUE,
  },
  // lesson_sections
  {
    rule: 'lesson_sections.course_id names a course',
    bad: row('lesson_sections', { course_id: 999_999 }),
    constraint: 'lesson_sections_course_id_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: 'a section position is not negative',
    bad: row('lesson_sections', { position: -1 }),
    constraint: 'lesson_sections_position_check',
    code: CHECK,
  },
  {
    rule: 'in_reply_to_seq names a message of the same session',
    bad: row('chat_messages', { seq: 2, role: 'character', in_reply_to_seq: 1 }),
    constraint: 'chat_messages_in_reply_to_fkey',
    code: FOREIGN_KEY,
  },
  {
    rule: "a learner's message answers nothing, and a reply answers an earlier message",
    given: [row('chat_messages')],
    bad: row('chat_messages', { seq: 2, role: 'user', in_reply_to_seq: 1 }),
    constraint: 'chat_messages_in_reply_to_check',
    code: CHECK,
  },
  {
    rule: 'a learner message has one answer',
    given: [row('chat_messages'), row('chat_messages', { seq: 2, role: 'character', in_reply_to_seq: 1 })],
    bad: row('chat_messages', { seq: 3, role: 'system', in_reply_to_seq: 1 }),
    constraint: 'chat_messages_session_id_in_reply_to_seq_key',
    code: UNIQUE,
  },
];

describe('the database refuses rows that break a rule', () => {
  it.each(Object.keys(valid))('accepts the valid %s row the cases start from', async (table) => {
    expect(await attempt([row(table)])).toBeNull();
  });

  it.each(cases)('$rule ($constraint)', async ({ given = [], bad, constraint, code }) => {
    expect(await attempt([...given, bad])).toEqual({ code, constraint });
  });

  it('covers every CHECK, UNIQUE and FOREIGN KEY constraint and unique index of the schema', async () => {
    const { rows } = await client.query<{ name: string }>(`
      SELECT conname AS name FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace AND contype IN ('c', 'u', 'f')
      UNION
      SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relnamespace = 'public'::regnamespace AND i.indisunique AND NOT i.indisprimary`);
    const covered = new Set(cases.map((c) => c.constraint));
    expect(rows.map((r) => r.name).filter((name) => !covered.has(name) && !name.endsWith('_pkey'))).toEqual([]);
  });
});

describe('what the database allows on purpose', () => {
  it.each<[string, Statement[]]>([
    [
      'the same title in another level',
      [row('courses', { title: 'Pot Odds' }), row('courses', { title: 'pot odds', level: 'advanced' })],
    ],
    ['users without email, several of them', [row('users', { id: 20 }), row('users', { id: 21 })]],
    [
      'temperature at both ends of 0..2, and extra personality keys',
      [
        row('characters', { name: 'cold', personality_config: json({ ...personality, temperature: 0 }) }),
        row('characters', {
          name: 'hot',
          personality_config: json({ ...personality, temperature: 2, greeting: 'Hi' }),
        }),
      ],
    ],
    [
      'completion 0 and 100, completed at 100',
      [
        row('user_progress', { completion_rate: 100, completed_at: new Date() }),
        row('user_progress', { user_id: OTHER_USER, completion_rate: 0 }),
      ],
    ],
    [
      'a new open attempt once the last one is submitted',
      [
        row('assessment_attempts', { submitted_at: new Date(Date.now() + 60_000), score: 40, passed: false }),
        row('assessment_attempts', { attempt_number: 2 }),
      ],
    ],
    ['messages without client_message_id', [row('chat_messages'), row('chat_messages', { seq: 2 })]],
  ])('%s', async (_what, statements) => {
    expect(await attempt(statements)).toBeNull();
  });
});

describe('deleting cascades to what belongs to the deleted row', () => {
  let nextUser = 1000;

  /** Inserts a user with progress, an attempt and a chat with messages on a new course and character. */
  async function graph() {
    const id = async (statement: Statement) =>
      (await client.query<{ id: string }>(`${statement.text} RETURNING id`, statement.values)).rows[0]!.id;
    const userId = Number(await id(row('users', { id: nextUser++ })));
    const courseId = await id(row('courses', { title: `Cascade ${userId}` }));
    const assessmentId = await id(row('assessments', { course_id: courseId }));
    const characterId = await id(row('characters', { name: `cascade_${userId}` }));
    const sessionId = await id(row('chat_sessions', { user_id: userId, character_id: characterId }));
    return {
      userId,
      courseId,
      characterId,
      sessionId,
      progressId: await id(row('user_progress', { user_id: userId, course_id: courseId })),
      attemptId: await id(row('assessment_attempts', { user_id: userId, assessment_id: assessmentId })),
      assessmentId,
      messageId: await id(row('chat_messages', { session_id: sessionId })),
    };
  }

  async function remaining(ids: Awaited<ReturnType<typeof graph>>) {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM users WHERE id = $1)::int AS users,
              (SELECT count(*) FROM courses WHERE id = $2)::int AS courses,
              (SELECT count(*) FROM assessments WHERE id = $3)::int AS assessments,
              (SELECT count(*) FROM user_progress WHERE id = $4)::int AS progress,
              (SELECT count(*) FROM assessment_attempts WHERE id = $5)::int AS attempts,
              (SELECT count(*) FROM characters WHERE id = $6)::int AS characters,
              (SELECT count(*) FROM chat_sessions WHERE id = $7)::int AS sessions,
              (SELECT count(*) FROM chat_messages WHERE id = $8)::int AS messages`,
      [
        ids.userId,
        ids.courseId,
        ids.assessmentId,
        ids.progressId,
        ids.attemptId,
        ids.characterId,
        ids.sessionId,
        ids.messageId,
      ],
    );
    return rows[0];
  }

  const all = {
    users: 1,
    courses: 1,
    assessments: 1,
    progress: 1,
    attempts: 1,
    characters: 1,
    sessions: 1,
    messages: 1,
  };

  it('a course takes its assessments, their attempts and the progress on it', async () => {
    const ids = await graph();
    await client.query('DELETE FROM courses WHERE id = $1', [ids.courseId]);
    expect(await remaining(ids)).toEqual({ ...all, courses: 0, assessments: 0, attempts: 0, progress: 0 });
  });

  it('an assessment takes its attempts', async () => {
    const ids = await graph();
    await client.query('DELETE FROM assessments WHERE id = $1', [ids.assessmentId]);
    expect(await remaining(ids)).toEqual({ ...all, assessments: 0, attempts: 0 });
  });

  it('a user takes their progress, attempts, chat sessions and messages', async () => {
    const ids = await graph();
    await client.query('DELETE FROM users WHERE id = $1', [ids.userId]);
    expect(await remaining(ids)).toEqual({ ...all, users: 0, progress: 0, attempts: 0, sessions: 0, messages: 0 });
  });

  it('a character takes its chat sessions and their messages', async () => {
    const ids = await graph();
    await client.query('DELETE FROM characters WHERE id = $1', [ids.characterId]);
    expect(await remaining(ids)).toEqual({ ...all, characters: 0, sessions: 0, messages: 0 });
  });

  it('a chat session takes its messages', async () => {
    const ids = await graph();
    await client.query('DELETE FROM chat_sessions WHERE id = $1', [ids.sessionId]);
    expect(await remaining(ids)).toEqual({ ...all, sessions: 0, messages: 0 });
  });
});

describe('updated_at', () => {
  const tables: [string, Row][] = [
    ['users', { id: 30 }],
    ['courses', { title: 'Timestamps' }],
    ['assessments', {}],
    ['user_progress', { user_id: OTHER_USER }],
    ['characters', { name: 'timestamps' }],
    ['chat_sessions', {}],
  ];

  it.each(tables)('advances on every UPDATE of %s, whoever writes it', async (table, overrides) => {
    const past = new Date('2020-01-01T00:00:00Z');
    const statement = row(table, { ...overrides, created_at: past, updated_at: past });
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ id: number }>(`${statement.text} RETURNING id`, statement.values);
      // A no-op update of another column: the trigger alone moves updated_at.
      const { rows: updated } = await client.query<{ created_at: Date; updated_at: Date; now: Date }>(
        `UPDATE ${table} SET created_at = created_at WHERE id = $1 RETURNING created_at, updated_at, now()`,
        [rows[0]!.id],
      );
      expect(updated[0]!.created_at).toEqual(past);
      expect(updated[0]!.updated_at).toEqual(updated[0]!.now);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('has a trigger on every table with an updated_at column', async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'updated_at' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(tables.map(([table]) => table).sort());
  });
});
