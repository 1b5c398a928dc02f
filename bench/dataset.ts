import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withClient } from '../src/platform/db/client.js';
import { migrate, readMigrations } from '../src/platform/db/migrator.js';
import { readSeedData, type SeedData } from '../src/platform/db/seed.js';

/**
 * The benchmark's data, generated with set-based SQL (one INSERT ... SELECT generate_series per table), so
 * that the default scale takes seconds. It is built once into `<name>_template` and cloned into `<name>` for
 * every run, so each run starts from the same rows whatever the previous run wrote.
 */

export interface DatasetSizes {
  courses: number;
  assessmentsPerCourse: number;
  users: number;
  progressPerUser: number;
  sessions: number;
  messagesPerSession: number;
  /** Every LONG_SESSION_EVERY-th session (1, 51, ...) holds this many, so history has pages to scroll back. */
  messagesPerLongSession: number;
}

/** Sizes at scale 1, multiplied by --scale; the floors keep a full catalog page (20) and a next page. */
const DEFAULT_SIZES = { courses: 1000, users: 10_000, progress: 200_000, sessions: 5000 } as const;
const FLOORS = { courses: 40, users: 50, sessions: 20 } as const;
/** Courses come in tracks of this many, each requiring the one before (and some the one three back). */
const TRACK_LENGTH = 10;
const LONG_SESSION_EVERY = 50;

function datasetSizes(scale: number): DatasetSizes {
  const courses = Math.max(FLOORS.courses, Math.round(DEFAULT_SIZES.courses * scale));
  const users = Math.max(FLOORS.users, Math.round(DEFAULT_SIZES.users * scale));
  return {
    courses,
    assessmentsPerCourse: 2,
    users,
    progressPerUser: Math.min(courses, Math.round(DEFAULT_SIZES.progress / DEFAULT_SIZES.users)),
    sessions: Math.max(FLOORS.sessions, Math.round(DEFAULT_SIZES.sessions * scale)),
    messagesPerSession: 50,
    messagesPerLongSession: 150,
  };
}

const EMAIL_FORMAT = 'learner%s@bench.dezhoumama.test';
const NAME_FORMAT = 'Bench learner %s';

/** The e-mail and name of generated user n; bench tokens carry the same claims so no request rewrites a user. */
export function benchUser(id: number): { id: number; email: string; name: string } {
  return { id, email: EMAIL_FORMAT.replace('%s', String(id)), name: NAME_FORMAT.replace('%s', String(id)) };
}

interface Step {
  name: string;
  sql: string;
  values?: unknown[];
}

const TAGS = [
  'fundamentals',
  'preflop',
  'postflop',
  'position',
  'pot-odds',
  'ranges',
  'bluffing',
  'bankroll',
  'tournaments',
  'cash-games',
  'psychology',
  'heads-up',
];
const TOPICS = [
  'Hand rankings',
  'Starting hands',
  'Position play',
  'Pot odds',
  'Implied odds',
  'Continuation bets',
  'Three-betting',
  'River decisions',
  'Bankroll management',
  'ICM basics',
  'Reading ranges',
  'Tilt control',
];
const CHAT_LINES = [
  'How do I work out pot odds on the turn?',
  'Should I open this hand from early position?',
  'What does a 3-bet range look like at a six-max table?',
  'Is it fine to call a river overbet with second pair?',
  'How many buy-ins should my bankroll hold for micro stakes?',
  'When is a continuation bet on a wet board a mistake?',
  'How do I stop tilting after a bad beat?',
  'What is the rule of 2 and 4?',
];

/** An ISO timestamp of the kind the API writes (the project stores test-score times as strings). */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** What the dataset takes from prisma/seed/data; the fingerprint hashes exactly this. */
interface SeedContent {
  characters: SeedData['characters'];
  /** The seed assessments' questions and scoring, dealt round-robin to the generated assessments. */
  assessments: Pick<SeedData['assessments'][number], 'questions' | 'scoringConfig'>[];
}

function seedContent(seed: SeedData): SeedContent {
  return {
    characters: seed.characters,
    assessments: seed.assessments.map(({ questions, scoringConfig }) => ({ questions, scoringConfig })),
  };
}

function steps(sizes: DatasetSizes, seed: SeedContent): Step[] {
  const { courses, users, progressPerUser, sessions, messagesPerSession, messagesPerLongSession } = sizes;
  // A user's progress covers a contiguous run of courses starting at a scattered offset; the first `done`
  // of them are completed (with passed test scores), the next is under way (one failed score), the rest
  // barely started. Learners with a run across courses 1..20 see the first catalog page with progress.
  const progressRows = `
    SELECT u AS user_id, k, ((u * 37 + k) % ${courses}) + 1 AS course_id, (u * 7) % (${progressPerUser} + 1) AS done
    FROM generate_series(1, ${users}) AS u, generate_series(0, ${progressPerUser - 1}) AS k`;
  return [
    {
      name: 'characters',
      sql: `INSERT INTO characters (name, display_name, personality_config, avatar_url, specialization, description,
                                    backstory, skill_level, conversation_style)
            SELECT name, "displayName", "personalityConfig", "avatarUrl", specialization, description, backstory,
                   "skillLevel", "conversationStyle"
            FROM jsonb_to_recordset($1::jsonb) AS c(name text, "displayName" text, "personalityConfig" jsonb,
                 "avatarUrl" text, specialization text, description text, backstory text, "skillLevel" text,
                 "conversationStyle" text)`,
      values: [JSON.stringify(seed.characters)],
    },
    {
      name: 'courses',
      sql: `INSERT INTO courses (id, title, description, level, content_path, video_url, thumbnail_url, duration_minutes,
                                 prerequisites, tags, is_active, created_at)
            SELECT g,
                   format('%s %s', topics[1 + g % cardinality(topics)], g),
                   format('Lesson %s of track %s: %s, with worked hands and drills.', pos, track,
                          lower(topics[1 + g % cardinality(topics)])),
                   CASE WHEN pos <= 3 THEN 'beginner' WHEN pos <= 7 THEN 'intermediate' ELSE 'advanced' END,
                   format('bench/course-%s.md', g),
                   format('https://video.dezhoumama.example/courses/%s', g),
                   format('https://cdn.dezhoumama.example/thumbnails/%s.png', g),
                   15 + (g * 7) % 90,
                   CASE WHEN pos = 1 THEN '{}'::integer[]
                        WHEN pos IN (4, 8) THEN ARRAY[g - 1, g - 3]
                        ELSE ARRAY[g - 1] END,
                   ARRAY[tags[1 + g % cardinality(tags)], tags[1 + (g + 1 + g % 11) % cardinality(tags)]]::varchar[],
                   g % 25 <> 0,
                   now() - make_interval(mins => ${courses} - g)
            FROM generate_series(1, ${courses}) AS g,
                 LATERAL (SELECT 1 + (g - 1) % ${TRACK_LENGTH} AS pos, 1 + (g - 1) / ${TRACK_LENGTH} AS track) AS t,
                 (SELECT $1::text[] AS topics, $2::text[] AS tags) AS pools`,
      values: [TOPICS, TAGS],
    },
    {
      // Two per course: a quiz (2g - 1) without a time limit and an exam (2g) with one; every tenth
      // course's exam is inactive, so learners see one assessment there. Assessment a takes the questions
      // and scoring of seed assessment (a - 1) mod (seed count).
      name: 'assessments',
      sql: `INSERT INTO assessments (id, course_id, title, description, questions, scoring_config, difficulty,
                                     pass_threshold, time_limit_minutes, max_attempts, is_active)
            SELECT a.id, c.id,
                   CASE n WHEN 1 THEN format('%s quiz', c.title) ELSE format('%s exam', c.title) END,
                   'Check what the lesson taught.',
                   s.content -> 'questions', s.content -> 'scoringConfig',
                   c.level, 70, CASE n WHEN 1 THEN NULL ELSE 30 END, 3,
                   NOT (n = 2 AND c.id % 10 = 0)
            FROM courses AS c, generate_series(1, 2) AS n, (SELECT $1::jsonb AS pool) AS p,
                 LATERAL (SELECT 2 * c.id - 2 + n AS id) AS a,
                 LATERAL (SELECT p.pool -> ((a.id - 1) % jsonb_array_length(p.pool)) AS content) AS s`,
      values: [JSON.stringify(seed.assessments)],
    },
    {
      name: 'users',
      sql: `INSERT INTO users (id, email, display_name, role)
            SELECT g, format($1, g), format($2, g), 'learner' FROM generate_series(1, ${users}) AS g`,
      values: [EMAIL_FORMAT, NAME_FORMAT],
    },
    {
      name: 'progress',
      sql: `INSERT INTO user_progress (user_id, course_id, completion_rate, current_section, test_scores,
                                       study_time_minutes, last_accessed, completed_at, created_at)
            SELECT p.user_id, p.course_id,
                   CASE WHEN p.k < p.done THEN 100 WHEN p.k = p.done THEN 40 + (p.user_id * 13 + p.k) % 55
                        ELSE (p.user_id + p.k) % 20 END,
                   CASE WHEN p.k < p.done THEN 5 ELSE 1 + (p.user_id + p.k) % 4 END,
                   CASE WHEN p.k < p.done THEN (
                          SELECT jsonb_agg(jsonb_build_object('assessmentId', a.id, 'attemptNumber', 1,
                                   'score', 70 + (p.user_id + a.id) % 31, 'passed', true,
                                   'submittedAt', to_char(at.finished AT TIME ZONE 'UTC', ${ISO})) ORDER BY a.id)
                          FROM assessments AS a WHERE a.course_id = p.course_id AND a.is_active)
                        WHEN p.k = p.done THEN jsonb_build_array(jsonb_build_object('assessmentId', 2 * p.course_id - 1,
                                   'attemptNumber', 1, 'score', 30 + (p.user_id * 3) % 39, 'passed', false,
                                   'submittedAt', to_char(at.finished AT TIME ZONE 'UTC', ${ISO})))
                        ELSE '[]'::jsonb END,
                   CASE WHEN p.k <= p.done THEN 30 + (p.user_id + p.k) % 240 ELSE (p.user_id + p.k) % 30 END,
                   at.finished,
                   CASE WHEN p.k < p.done THEN at.finished END,
                   at.finished - interval '2 days'
            FROM (${progressRows}) AS p,
                 LATERAL (SELECT date_trunc('milliseconds', now()) - make_interval(days => ${progressPerUser} - p.k,
                                 mins => p.user_id % 1440) AS finished) AS at`,
    },
    {
      // The stored attempts behind every test score, so that viewerAttemptsRemaining counts real rows.
      name: 'attempts',
      sql: `INSERT INTO assessment_attempts (assessment_id, user_id, attempt_number, answers, results, score, passed,
                                             started_at, submitted_at)
            SELECT (s ->> 'assessmentId')::int, p.user_id, (s ->> 'attemptNumber')::int, '[]', '[]',
                   (s ->> 'score')::numeric, (s ->> 'passed')::boolean,
                   (s ->> 'submittedAt')::timestamptz - interval '10 minutes', (s ->> 'submittedAt')::timestamptz
            FROM user_progress AS p, jsonb_array_elements(p.test_scores) AS s`,
    },
    {
      // The first quarter of the users chat: session g belongs to user 1 + (g - 1) % (users / 4).
      name: 'chat sessions',
      sql: `INSERT INTO chat_sessions (id, user_id, character_id, session_name, message_count, started_at,
                                       last_message_at)
            SELECT g, 1 + (g - 1) % greatest(1, ${users} / 4), 1 + (g - 1) % (SELECT count(*) FROM characters),
                   format('Session %s', g), messages, started, started + make_interval(mins => messages)
            FROM generate_series(1, ${sessions}) AS g,
                 LATERAL (SELECT date_trunc('milliseconds', now()) - make_interval(days => 30, mins => -g) AS started,
                                 CASE WHEN g % ${LONG_SESSION_EVERY} = 1 THEN ${messagesPerLongSession}
                                      ELSE ${messagesPerSession} END AS messages) AS s`,
    },
    {
      name: 'chat messages',
      sql: `INSERT INTO chat_messages (session_id, seq, role, content, client_message_id, created_at)
            SELECT s.id, seq, CASE WHEN seq % 2 = 1 THEN 'user' ELSE 'character' END,
                   CASE WHEN seq % 2 = 1 THEN lines[1 + (s.id + seq) % cardinality(lines)]
                        ELSE format('Good question. Think about your position and the price you are getting (%s).', seq)
                   END,
                   CASE WHEN seq % 2 = 1 THEN format('bench-%s', seq) END,
                   s.started_at + make_interval(mins => seq)
            FROM chat_sessions AS s, generate_series(1, s.message_count) AS seq, (SELECT $1::text[] AS lines) AS pool`,
      values: [CHAT_LINES],
    },
    {
      name: 'sequences',
      // The ids given explicitly above move no sequence: later inserts through the API must not collide.
      sql: ['courses', 'assessments', 'chat_sessions']
        .map((table) => `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`)
        .join(';'),
    },
    // VACUUM too: a fresh table has no visibility map, so index-only scans (counts) would read the heap
    // where a long-running database, vacuumed by autovacuum, would not.
    { name: 'vacuum analyze', sql: 'VACUUM ANALYZE' },
  ];
}

export interface PreparedDataset {
  name: string;
  url: string;
  sizes: DatasetSizes;
  /** False when the template of an earlier run (same scale, migrations and generator) was reused. */
  generated: boolean;
}

export interface DatasetOptions {
  adminUrl: string;
  name: string;
  scale: number;
  /** Rebuild the template even when one with the same fingerprint exists. */
  regenerate?: boolean;
  /** Called before each step (total, index, name) so the caller can draw a progress bar. */
  onStep?: (total: number, index: number, name: string) => void;
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * What the template was built from: a different scale, migration, generator or seed content (characters,
 * assessment questions) means a different dataset.
 */
async function fingerprint(scale: number, seed: SeedContent): Promise<string> {
  const hash = createHash('sha256');
  hash.update(String(scale));
  for (const migration of await readMigrations()) hash.update(migration.checksum);
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  hash.update(JSON.stringify(seed));
  return `dezhoumama bench dataset ${hash.digest('hex').slice(0, 16)}`;
}

/** Builds the template when missing or stale, then clones it into a fresh `name`. */
export async function prepareDataset(options: DatasetOptions): Promise<PreparedDataset> {
  const { adminUrl, name, scale } = options;
  const template = `${name}_template`;
  const sizes = datasetSizes(scale);
  const seed = seedContent(await readSeedData());
  const expected = await fingerprint(scale, seed);
  const generated = await withClient(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ comment: string | null }>(
      'SELECT shobj_description(oid, $2) AS comment FROM pg_database WHERE datname = $1',
      [template, 'pg_database'],
    );
    if (!options.regenerate && rows[0]?.comment === expected) return false;
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(template)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(template)}`);
    return true;
  });
  if (generated) {
    const all = steps(sizes, seed);
    await withClient(databaseUrl(adminUrl, template), async (client: pg.Client) => {
      options.onStep?.(all.length + 1, 0, 'migrate');
      await migrate(client);
      for (const [index, step] of all.entries()) {
        options.onStep?.(all.length + 1, index + 1, step.name);
        await client.query(step.sql, step.values);
      }
    });
    await withClient(adminUrl, (admin) =>
      admin.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(template)} IS ${pg.escapeLiteral(expected)}`),
    );
  }
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`);
  });
  return { name, url: databaseUrl(adminUrl, name), sizes, generated };
}

/** Drops the run's database and its template (the smoke test cleans up after itself). */
export async function dropDataset(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    for (const database of [name, `${name}_template`]) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    }
  });
}
