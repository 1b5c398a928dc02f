import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientBase } from 'pg';
import { z } from 'zod';
import { inTransaction } from './migrator.js';
import { DEMO_CONTENT_DIR, SEED_DATA_DIR } from './seed-data.js';
import { indexLessons } from './lesson-index.js';
import { CONVERSATION_STYLES, COURSE_LEVELS, DIFFICULTIES, SKILL_LEVELS } from './values.js';

const characterSeed = z.object({
  name: z.string(),
  displayName: z.string(),
  avatarUrl: z.string().nullable().optional(),
  specialization: z.string(),
  description: z.string(),
  backstory: z.string(),
  skillLevel: z.enum(SKILL_LEVELS),
  conversationStyle: z.enum(CONVERSATION_STYLES),
  personalityConfig: z.record(z.string(), z.unknown()),
});

const courseSeed = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  level: z.enum(COURSE_LEVELS),
  contentPath: z.string(),
  durationMinutes: z.number().int(),
  tags: z.array(z.string()),
  prerequisites: z.array(z.string()),
});

const assessmentSeed = z.object({
  courseSlug: z.string(),
  title: z.string(),
  description: z.string(),
  difficulty: z.enum(DIFFICULTIES),
  passThreshold: z.number().int(),
  timeLimitMinutes: z.number().int().nullable(),
  maxAttempts: z.number().int(),
  scoringConfig: z.record(z.string(), z.unknown()),
  questions: z.array(z.record(z.string(), z.unknown())),
});

export interface SeedData {
  characters: z.infer<typeof characterSeed>[];
  courses: z.infer<typeof courseSeed>[];
  assessments: z.infer<typeof assessmentSeed>[];
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(JSON.parse(await readFile(path.join(SEED_DATA_DIR, file), 'utf8')));
}

export async function readSeedData(): Promise<SeedData> {
  const [characters, courses, assessments] = await Promise.all([
    readJson('characters.json', z.array(characterSeed)),
    readJson('courses.json', z.array(courseSeed)),
    readJson('assessments.json', z.array(assessmentSeed)),
  ]);
  return { characters, courses, assessments };
}

export interface SeedResult {
  characters: number;
  courses: number;
  assessments: number;
}

export interface SeedOptions {
  /** Do nothing on a database that has content. */
  onlyIfEmpty?: boolean;
  /** Where the courses' lessons are read for the lesson index (CONTENT_ROOT; the demo curriculum's by default). */
  contentRoot?: string;
}

/**
 * Upserts the demo characters, courses (with prerequisites) and assessments, then brings the lesson index up
 * to date with every course, in one transaction. Idempotent: running it again changes no row (unchanged rows
 * are not even touched), and content edited in the data files or lessons is brought up to date.
 */
export async function seedDatabase(
  client: ClientBase,
  { onlyIfEmpty = false, contentRoot = DEMO_CONTENT_DIR }: SeedOptions = {},
): Promise<SeedResult | null> {
  const data = await readSeedData();
  return inTransaction(client, async () => {
    if (onlyIfEmpty) {
      const { rows } = await client.query<{ has_content: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM courses) OR EXISTS (SELECT 1 FROM characters) AS has_content',
      );
      if (rows[0]!.has_content) return null;
    }
    for (const character of data.characters) {
      await client.query(
        `INSERT INTO characters AS c (name, display_name, personality_config, avatar_url, specialization, description,
                                      backstory, skill_level, conversation_style)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (name) DO UPDATE SET
           display_name = EXCLUDED.display_name, personality_config = EXCLUDED.personality_config,
           avatar_url = EXCLUDED.avatar_url, specialization = EXCLUDED.specialization,
           description = EXCLUDED.description, backstory = EXCLUDED.backstory,
           skill_level = EXCLUDED.skill_level, conversation_style = EXCLUDED.conversation_style
         WHERE (c.display_name, c.personality_config, c.avatar_url, c.specialization, c.description, c.backstory,
                c.skill_level, c.conversation_style)
           IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.personality_config, EXCLUDED.avatar_url,
                EXCLUDED.specialization, EXCLUDED.description, EXCLUDED.backstory, EXCLUDED.skill_level,
                EXCLUDED.conversation_style)`,
        [
          character.name,
          character.displayName,
          JSON.stringify(character.personalityConfig),
          character.avatarUrl ?? null,
          character.specialization,
          character.description,
          character.backstory,
          character.skillLevel,
          character.conversationStyle,
        ],
      );
    }

    const courseIds = new Map<string, number>();
    for (const course of data.courses) {
      await client.query(
        `INSERT INTO courses AS c (title, description, level, content_path, duration_minutes, tags)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (level, lower(title)) DO UPDATE SET
           title = EXCLUDED.title, description = EXCLUDED.description, content_path = EXCLUDED.content_path,
           duration_minutes = EXCLUDED.duration_minutes, tags = EXCLUDED.tags
         WHERE (c.title, c.description, c.content_path, c.duration_minutes, c.tags)
           IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.description, EXCLUDED.content_path, EXCLUDED.duration_minutes, EXCLUDED.tags)`,
        [course.title, course.description, course.level, course.contentPath, course.durationMinutes, course.tags],
      );
      const { rows } = await client.query<{ id: number }>(
        'SELECT id FROM courses WHERE level = $1 AND lower(title) = lower($2)',
        [course.level, course.title],
      );
      courseIds.set(course.slug, rows[0]!.id);
    }
    const idOf = (slug: string): number => {
      const id = courseIds.get(slug);
      if (id === undefined) throw new Error(`seed data names an unknown course slug: ${slug}`);
      return id;
    };
    for (const course of data.courses) {
      await client.query(
        'UPDATE courses SET prerequisites = $2 WHERE id = $1 AND prerequisites IS DISTINCT FROM $2::integer[]',
        [idOf(course.slug), course.prerequisites.map(idOf)],
      );
    }

    for (const assessment of data.assessments) {
      const values = [
        idOf(assessment.courseSlug),
        assessment.title,
        assessment.description,
        JSON.stringify(assessment.questions),
        JSON.stringify(assessment.scoringConfig),
        assessment.difficulty,
        assessment.passThreshold,
        assessment.timeLimitMinutes,
        assessment.maxAttempts,
      ];
      const updated = await client.query(
        `UPDATE assessments SET description = $3, questions = $4, scoring_config = $5, difficulty = $6,
                pass_threshold = $7, time_limit_minutes = $8, max_attempts = $9
         WHERE course_id = $1 AND title = $2
           AND (description, questions, scoring_config, difficulty, pass_threshold, time_limit_minutes, max_attempts)
               IS DISTINCT FROM ($3, $4::jsonb, $5::jsonb, $6, $7, $8, $9)`,
        values,
      );
      if (updated.rowCount === 0) {
        await client.query(
          `INSERT INTO assessments (course_id, title, description, questions, scoring_config, difficulty, pass_threshold,
                                    time_limit_minutes, max_attempts)
           -- Typed parameters: $1 and $2 also appear in the WHERE, where PostgreSQL would deduce other types.
           SELECT $1::integer, $2::varchar, $3::text, $4::jsonb, $5::jsonb, $6::varchar, $7::integer, $8::integer,
                  $9::integer
           WHERE NOT EXISTS (SELECT 1 FROM assessments WHERE course_id = $1 AND title = $2)`,
          values,
        );
      }
    }
    await indexLessons(client, contentRoot);
    return { characters: data.characters.length, courses: data.courses.length, assessments: data.assessments.length };
  });
}
