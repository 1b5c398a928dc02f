import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../../src/config.js';
import { MIGRATIONS_DIR } from '../../../src/platform/db/migrator.js';
import { readSeedData, seedDatabase } from '../../../src/platform/db/seed.js';
import { personalityConfigSchema } from '../../../src/modules/character/service.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

/** The demo curriculum and coaches: complete, consistent, and seeded idempotently. */

const ROOT = path.resolve(MIGRATIONS_DIR, '../..');
/** Each seeded table with its order; lesson_sections is the lesson index the seed brings up to date. */
const SEEDED_TABLES = {
  characters: 'id',
  courses: 'id',
  assessments: 'id',
  lesson_sections: 'course_id, position',
} as const;

const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];

async function connect(migrated = true): Promise<pg.Client> {
  const database = await createTestDatabase({ migrated });
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return client;
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end()));
  await Promise.all(databases.map((database) => database.drop()));
});

/** Every row of the seeded tables, with xmin: a row that is rewritten gets a new one even if nothing changed. */
async function contents(client: pg.ClientBase) {
  const dump: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(SEEDED_TABLES)) {
    dump[table] = (await client.query(`SELECT xmin::text AS row_version, * FROM ${table} ORDER BY ${order}`)).rows;
  }
  return dump;
}

describe('seedDatabase', () => {
  let client: pg.Client;
  let firstRun: Awaited<ReturnType<typeof contents>>;

  beforeAll(async () => {
    client = await connect();
    expect(await seedDatabase(client)).toEqual({
      characters: expect.any(Number),
      courses: expect.any(Number),
      assessments: expect.any(Number),
    });
    firstRun = await contents(client);
  });

  it('seeds what the data files hold', async () => {
    const data = await readSeedData();
    expect(firstRun.characters).toHaveLength(data.characters.length);
    expect(firstRun.courses).toHaveLength(data.courses.length);
    expect(firstRun.assessments).toHaveLength(data.assessments.length);
    // Every seeded course's lesson is indexed, section by section.
    const indexed = new Set((firstRun.lesson_sections as { lesson_title: string }[]).map((row) => row.lesson_title));
    expect(indexed).toEqual(new Set(data.courses.map((course) => course.title)));
    expect(firstRun.lesson_sections!.length).toBeGreaterThan(data.courses.length * 3);
  });

  it('is idempotent: a second run leaves every row untouched, updated_at included', async () => {
    await seedDatabase(client);
    expect(await contents(client)).toEqual(firstRun);
  });

  it('brings edited rows back to the data files and touches nothing else', async () => {
    const { rows } = await client.query<{ id: number }>(
      `UPDATE courses SET description = 'edited', prerequisites = '{}'
        WHERE id = (SELECT max(id) FROM courses WHERE cardinality(prerequisites) > 0) RETURNING id`,
    );
    const edited = rows[0]!.id;
    await client.query(`UPDATE characters SET personality_config = personality_config || '{"tone": "edited"}'`);
    await client.query(`UPDATE assessments SET pass_threshold = 1 WHERE id = (SELECT min(id) FROM assessments)`);
    const own = await client.query<{ id: number }>(
      `INSERT INTO courses (title, level) VALUES ('An admin''s own course', 'beginner') RETURNING id`,
    );

    await seedDatabase(client);

    const after = await contents(client);
    const strip = (rows: unknown[]) =>
      rows.map((row) => {
        const { row_version: _version, updated_at: _updated, ...rest } = row as Record<string, unknown>;
        return rest;
      });
    expect(strip(after.characters!)).toEqual(strip(firstRun.characters!));
    expect(strip(after.assessments!)).toEqual(strip(firstRun.assessments!));
    expect(strip(after.courses!.filter((row) => (row as { id: number }).id !== own.rows[0]!.id))).toEqual(
      strip(firstRun.courses!),
    );
    // Only the edited course was rewritten by the seed (the admin's own course is left alone).
    type Versioned = { id: number; row_version: string };
    const versionNow = new Map((after.courses as Versioned[]).map((row) => [row.id, row.row_version]));
    const rewritten = (firstRun.courses as Versioned[]).filter((row) => versionNow.get(row.id) !== row.row_version);
    expect(rewritten.map((row) => row.id)).toEqual([edited]);
    expect(versionNow.has(own.rows[0]!.id)).toBe(true);
  });
});

describe('seedDatabase({ onlyIfEmpty: true })', () => {
  it('seeds an empty database', async () => {
    const client = await connect();
    expect(await seedDatabase(client, { onlyIfEmpty: true })).not.toBeNull();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM characters');
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('does nothing on a database that has content', async () => {
    const client = await connect();
    await client.query(`INSERT INTO courses (title, level) VALUES ('Our own curriculum', 'advanced')`);
    const before = await contents(client);
    expect(await seedDatabase(client, { onlyIfEmpty: true })).toBeNull();
    expect(await contents(client)).toEqual(before);
  });
});

describe('the seed data', () => {
  let data: Awaited<ReturnType<typeof readSeedData>>;

  beforeAll(async () => {
    data = await readSeedData();
  });

  it('has at least four coaches with distinct specializations, covering every skill level and style', () => {
    expect(data.characters.length).toBeGreaterThanOrEqual(4);
    const specializations = data.characters.map((character) => character.specialization.toLowerCase());
    expect(new Set(specializations).size).toBe(specializations.length);
    expect(new Set(data.characters.map((character) => character.skillLevel))).toEqual(
      new Set(['beginner', 'intermediate', 'expert']),
    );
    expect(new Set(data.characters.map((character) => character.conversationStyle))).toEqual(
      new Set(['friendly', 'analytical', 'competitive']),
    );
  });

  it('gives every coach a complete personality (the rules the API applies to new ones)', () => {
    for (const character of data.characters) {
      expect({ name: character.name, ...personalityConfigSchema.safeParse(character.personalityConfig) }).toMatchObject(
        {
          name: character.name,
          success: true,
        },
      );
    }
  });

  it('has at least six courses across the three levels', () => {
    expect(data.courses.length).toBeGreaterThanOrEqual(6);
    expect(new Set(data.courses.map((course) => course.level))).toEqual(
      new Set(['beginner', 'intermediate', 'advanced']),
    );
  });

  it('gives every course an assessment with questions and a lesson file under the content root', () => {
    const contentRoot = path.resolve(ROOT, loadConfig({}).CONTENT_ROOT);
    for (const course of data.courses) {
      const assessments = data.assessments.filter((assessment) => assessment.courseSlug === course.slug);
      expect({ course: course.slug, assessments: assessments.length }).toEqual({ course: course.slug, assessments: 1 });
      expect(assessments[0]!.questions.length).toBeGreaterThan(0);
      const file = path.resolve(contentRoot, course.contentPath);
      expect(file.startsWith(contentRoot + path.sep)).toBe(true);
      expect({ course: course.slug, exists: existsSync(file) }).toEqual({ course: course.slug, exists: true });
    }
    const slugs = new Set(data.courses.map((course) => course.slug));
    expect(data.assessments.filter((assessment) => !slugs.has(assessment.courseSlug))).toEqual([]);
  });

  it('names only existing courses as prerequisites, and they form no cycle', () => {
    const bySlug = new Map(data.courses.map((course) => [course.slug, course]));
    expect(data.courses.flatMap((course) => course.prerequisites.filter((slug) => !bySlug.has(slug)))).toEqual([]);
    // Depth-first walk: meeting a course that is still on the path means a cycle.
    const done = new Set<string>();
    const visit = (slug: string, onPath: string[]): void => {
      if (onPath.includes(slug)) throw new Error(`prerequisite cycle: ${[...onPath, slug].join(' -> ')}`);
      if (done.has(slug)) return;
      for (const prerequisite of bySlug.get(slug)!.prerequisites) visit(prerequisite, [...onPath, slug]);
      done.add(slug);
    };
    for (const course of data.courses) expect(() => visit(course.slug, [])).not.toThrow();
    expect(data.courses.some((course) => course.prerequisites.length > 0)).toBe(true);
  });

  it('stores prerequisites as the ids of the courses the data names, in order', async () => {
    const client = await connect();
    await seedDatabase(client);
    const { rows } = await client.query<{ title: string; prerequisites: string[] }>(
      `SELECT c.title, coalesce(array_agg(p.title ORDER BY o.ord) FILTER (WHERE p.id IS NOT NULL), '{}') AS prerequisites
         FROM courses c
         LEFT JOIN LATERAL unnest(c.prerequisites) WITH ORDINALITY AS o(id, ord) ON true
         LEFT JOIN courses p ON p.id = o.id
        GROUP BY c.id ORDER BY c.id`,
    );
    const titleOf = new Map(data.courses.map((course) => [course.slug, course.title]));
    expect(rows).toEqual(
      data.courses.map((course) => ({
        title: course.title,
        prerequisites: course.prerequisites.map((slug) => titleOf.get(slug)),
      })),
    );
  });
});
