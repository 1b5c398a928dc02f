import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOfflineCoach } from '../../../src/modules/chat/responders/offline-coach.js';
import { personalitySchema, type Responder } from '../../../src/modules/chat/responders/responder.js';
import { lessonSections } from '../../../src/platform/db/lesson-index.js';
import { admin } from '../../helpers/factories.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { CreateCourseDocument, UpdateCourseDocument } from '../../generated/graphql.js';
import { coachPersonality } from './fixtures.js';

/** Course writes keep the lesson index (and so the offline coach) in step with the lessons they name. */

const FLOP_TEXTURES = `# Reading flop textures

Boards differ in how they hit ranges.

## Monotone flops

A monotone flop has three cards of one suit. Bet small and often with the nut flush blocker.

### Turn plans

Slow down when the fourth suited card arrives.
`;

const SQUEEZE = `# Squeeze plays

## The squeeze

A squeeze is a 3-bet after an open and one or more callers: the callers are capped.
`;

let folder: string;
let server: TestServer;
let coach: Responder;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'dz-lessons-'));
  await mkdir(path.join(folder, 'intermediate'));
  await writeFile(path.join(folder, 'intermediate/flop-textures.md'), FLOP_TEXTURES);
  await writeFile(path.join(folder, 'intermediate/squeeze.md'), SQUEEZE);
  server = await startTestServer({ env: { CONTENT_ROOT: folder } });
  coach = createOfflineCoach(server.database);
});

afterAll(async () => {
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

const ask = (question: string) =>
  coach.reply({
    character: {
      displayName: 'Ada',
      conversationStyle: 'analytical',
      personality: personalitySchema.parse(coachPersonality),
    },
    history: [{ role: 'user', content: question }],
    signal: new AbortController().signal,
  });

/** The index's rows: this file's database has no other course. */
const indexed = () =>
  server.database.prisma.lessonSection.findMany({
    select: { position: true, lessonTitle: true, heading: true },
    orderBy: [{ courseId: 'asc' }, { position: 'asc' }],
  });

it('cuts a lesson at its ## and ### headings, its opening first, as plain text', () => {
  expect(lessonSections(FLOP_TEXTURES)).toEqual([
    { position: 0, heading: '', body: 'Boards differ in how they hit ranges.' },
    {
      position: 1,
      heading: 'Monotone flops',
      body: 'A monotone flop has three cards of one suit. Bet small and often with the nut flush blocker.',
    },
    { position: 2, heading: 'Turn plans', body: 'Slow down when the fourth suited card arrives.' },
  ]);
});

it('indexes a created course, and re-indexes it when its content path, activity or title changes', async () => {
  const created = await server.graphql(
    CreateCourseDocument,
    { input: { title: 'Reading flop textures', level: 'INTERMEDIATE', contentPath: 'intermediate/flop-textures.md' } },
    { as: admin },
  );
  expect(created.body.errors).toBeUndefined();
  const id = created.body.data!.createCourse.id;
  expect((await indexed()).map((row) => row.heading)).toEqual(['', 'Monotone flops', 'Turn plans']);
  expect(await ask('how should i bet on a monotone flop?')).toContain(
    'More in the lesson "Reading flop textures", section "Monotone flops".',
  );

  const update = async (input: Record<string, unknown>) => {
    const response = await server.graphql(UpdateCourseDocument, { id, input }, { as: admin });
    expect(response.body.errors).toBeUndefined();
    return indexed();
  };

  // Retired: the coach no longer answers from it.
  expect(await update({ isActive: false })).toEqual([]);
  expect(await ask('how should i bet on a monotone flop?')).toMatch(/^I don't know that one/);

  // Back, under another file and title: the old sections are gone, the new ones carry the new title.
  expect(await update({ isActive: true, contentPath: 'intermediate/squeeze.md', title: 'Squeezing' })).toEqual([
    { position: 0, lessonTitle: 'Squeezing', heading: 'The squeeze' },
  ]);
  expect(await ask('when can i squeeze?')).toContain('More in the lesson "Squeezing", section "The squeeze".');

  // A change that does not touch the lesson leaves its rows as they are.
  const before = await server.database.prisma.$queryRawUnsafe<{ xmin: string }[]>(
    'SELECT xmin::text FROM lesson_sections ORDER BY course_id, position',
  );
  await update({ durationMinutes: 30, title: 'Squeezing' });
  expect(
    await server.database.prisma.$queryRawUnsafe('SELECT xmin::text FROM lesson_sections ORDER BY course_id, position'),
  ).toEqual(before);
});
