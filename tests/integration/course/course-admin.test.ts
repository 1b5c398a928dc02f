import { errorCodes, errorFields, startTestServer, type TestServer } from '../../helpers/server.js';
import { createCharacter, createCourse, globalId, admin } from '../../helpers/factories.js';
import {
  CatalogPageDocument,
  CourseByIdDocument,
  CreateCourseDocument,
  UpdateCourseDocument,
  type CourseInput,
} from '../../generated/graphql.js';

const learner = { id: 2 };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const courseCount = () => server.database.prisma.course.count();

let sequence = 0;
function input(overrides: Partial<CourseInput> = {}): CourseInput {
  sequence += 1;
  return { title: `Admin course ${sequence}`, level: 'BEGINNER', ...overrides };
}

describe('createCourse', () => {
  it('creates a course with normalized tags and prerequisites in the listed order', async () => {
    const prisma = server.database.prisma;
    const [a, b] = await Promise.all([createCourse(prisma), createCourse(prisma)]);
    const response = await server.graphql(
      CreateCourseDocument,
      {
        input: {
          title: '  Reading flop textures  ',
          description: 'Wet and dry boards.',
          level: 'INTERMEDIATE',
          contentPath: 'intermediate/flop-textures.md',
          videoUrl: 'https://videos.example.com/flop',
          thumbnailUrl: 'http://img.example.com/flop.png',
          durationMinutes: 0,
          tags: [' Postflop', 'BOARDS ', 'postflop'],
          prerequisiteIds: [globalId('Course', b.id), globalId('Course', a.id), globalId('Course', b.id)],
        },
      },
      { as: admin },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createCourse).toEqual({
      id: expect.any(String),
      title: 'Reading flop textures',
      description: 'Wet and dry boards.',
      level: 'INTERMEDIATE',
      contentPath: 'intermediate/flop-textures.md',
      videoUrl: 'https://videos.example.com/flop',
      thumbnailUrl: 'http://img.example.com/flop.png',
      durationMinutes: 0,
      tags: ['postflop', 'boards'],
      isActive: true,
      prerequisites: [
        { id: globalId('Course', b.id), title: b.title },
        { id: globalId('Course', a.id), title: a.title },
      ],
    });
    const created = await server.graphql(CourseByIdDocument, { id: response.body.data!.createCourse.id });
    expect(created.body.data!.course!.title).toBe('Reading flop textures');
  });

  it('names every invalid field, and writes nothing', async () => {
    const before = await courseCount();
    const response = await server.graphql(
      CreateCourseDocument,
      {
        input: {
          title: '   ',
          level: 'BEGINNER',
          contentPath: '../secrets.md',
          videoUrl: 'javascript:alert(1)',
          thumbnailUrl: `https://img.example.com/${'x'.repeat(500)}.png`,
          durationMinutes: -5,
          tags: ['fine', 'x'.repeat(101), '  '],
          prerequisiteIds: ['garbage'],
          description: 'd'.repeat(10_001),
        },
      },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({
      'input.title': 'must not be empty',
      'input.description': 'must be at most 10000 characters',
      'input.contentPath': 'must stay inside the content root',
      'input.videoUrl': 'must be an http(s) URL',
      'input.thumbnailUrl': 'must be at most 500 characters',
      'input.durationMinutes': 'must not be negative',
      'input.tags.1': 'must be at most 100 characters',
      'input.tags.2': 'must not be empty',
      'input.prerequisiteIds.0': 'must be a Course id',
    });
    expect(await courseCount()).toBe(before);
  });

  it.each([
    ['./beginner/a.md', 'must be a normalized relative path with forward slashes (no ./, //, backslashes)'],
    ['beginner//a.md', 'must be a normalized relative path with forward slashes (no ./, //, backslashes)'],
    ['beginner/../../a.md', 'must be a normalized relative path with forward slashes (no ./, //, backslashes)'],
    ['beginner\\a.md', 'must be a normalized relative path with forward slashes (no ./, //, backslashes)'],
    ['../a.md', 'must stay inside the content root'],
    ['/etc/a.md', 'must stay inside the content root'],
    ['beginner/a.txt', 'must name a Markdown file (.md)'],
  ])('refuses contentPath %j', async (contentPath, problem) => {
    const response = await server.graphql(CreateCourseDocument, { input: input({ contentPath }) }, { as: admin });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({ 'input.contentPath': problem });
  });

  it('refuses prerequisites that do not exist, naming them, and ids of other types', async () => {
    const existing = await createCourse(server.database.prisma);
    const character = await createCharacter(server.database.prisma);
    const before = await courseCount();
    const missing = [globalId('Course', 99_998), globalId('Course', 99_999)];
    const response = await server.graphql(
      CreateCourseDocument,
      { input: input({ prerequisiteIds: [globalId('Course', existing.id), ...missing] }) },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({ 'input.prerequisiteIds': `no course has the id ${missing.join(', ')}` });
    expect(response.body.errors![0]!.message).toContain(missing[0]);

    const wrongType = await server.graphql(
      CreateCourseDocument,
      { input: input({ prerequisiteIds: [globalId('Character', character.id)] }) },
      { as: admin },
    );
    expect(errorFields(wrongType)).toEqual({ 'input.prerequisiteIds.0': 'must be a Course id' });
    expect(await courseCount()).toBe(before);
  });

  it('is a CONFLICT on input.title when the level has that title in any case; other levels may reuse it', async () => {
    await createCourse(server.database.prisma, { title: 'Bluffing 101', level: 'beginner' });
    const before = await courseCount();
    const duplicate = await server.graphql(
      CreateCourseDocument,
      { input: input({ title: 'BLUFFING 101', level: 'BEGINNER' }) },
      { as: admin },
    );
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    expect(duplicate.body.errors![0]!.message).toBe('A course with this title already exists at this level');
    expect(errorFields(duplicate)).toEqual({
      'input.title': 'is already used by another course of this level (ignoring case)',
    });
    expect(JSON.stringify(duplicate.body)).not.toMatch(/prisma|constraint|courses_level_title_key/i);
    expect(await courseCount()).toBe(before);

    const otherLevel = await server.graphql(
      CreateCourseDocument,
      { input: input({ title: 'Bluffing 101', level: 'ADVANCED' }) },
      { as: admin },
    );
    expect(otherLevel.body.data!.createCourse.level).toBe('ADVANCED');
  });

  it('is for admins: learners get FORBIDDEN, anonymous visitors UNAUTHENTICATED, and nothing is written', async () => {
    const before = await courseCount();
    const asLearner = await server.graphql(CreateCourseDocument, { input: input() }, { as: learner });
    expect(errorCodes(asLearner)).toEqual(['FORBIDDEN']);
    const anonymous = await server.graphql(CreateCourseDocument, { input: input() });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await courseCount()).toBe(before);
  });
});

describe('updateCourse', () => {
  it('changes only the given fields; null clears optional ones', async () => {
    const course = await createCourse(server.database.prisma, {
      title: 'Before',
      description: 'Old text',
      durationMinutes: 30,
      tags: ['old'],
      videoUrl: 'https://v.example.com/1',
    });
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Course', course.id), input: { title: 'After', description: null, tags: ['New'] } },
      { as: admin },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.updateCourse).toMatchObject({
      title: 'After',
      description: null,
      durationMinutes: 30,
      tags: ['new'],
      videoUrl: 'https://v.example.com/1',
      level: 'BEGINNER',
      isActive: true,
    });
  });

  it('reads null for a field that cannot be empty as leaving it out', async () => {
    const course = await createCourse(server.database.prisma, { title: 'Keeps its title' });
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Course', course.id), input: { title: null, level: null } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual([]);
    expect(response.body.data?.updateCourse).toMatchObject({ title: 'Keeps its title', level: 'BEGINNER' });
  });

  it('names a wrong id and bad input in one BAD_USER_INPUT (the service validates both together)', async () => {
    const character = await createCharacter(server.database.prisma);
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Character', character.id), input: { title: '', prerequisiteIds: ['garbage'] } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({
      id: 'must be a Course id',
      'input.title': 'must not be empty',
      'input.prerequisiteIds.0': 'must be a Course id',
    });
  });

  it('deactivates instead of deleting: learners stop seeing the course, admins still do', async () => {
    const course = await createCourse(server.database.prisma, { title: 'Soon retired' });
    const id = globalId('Course', course.id);
    const response = await server.graphql(UpdateCourseDocument, { id, input: { isActive: false } }, { as: admin });
    expect(response.body.data!.updateCourse.isActive).toBe(false);

    expect((await server.graphql(CourseByIdDocument, { id }, { as: learner })).body.data!.course).toBeNull();
    const catalog = await server.graphql(CatalogPageDocument, { filter: { search: 'Soon retired' } }, { as: learner });
    expect(catalog.body.data!.courses.totalCount).toBe(0);
    expect((await server.graphql(CourseByIdDocument, { id }, { as: admin })).body.data!.course!.title).toBe(
      'Soon retired',
    );
    expect(await server.database.prisma.course.findUnique({ where: { id: course.id } })).not.toBeNull();
  });

  it('is NOT_FOUND for a course id that names no course', async () => {
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Course', 99_999), input: { title: 'Ghost' } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.body.errors![0]!.message).toBe('Course not found');
  });

  it('is a CONFLICT when a new title or level collides, and changes nothing', async () => {
    const prisma = server.database.prisma;
    await createCourse(prisma, { title: 'Taken title', level: 'advanced' });
    const course = await createCourse(prisma, { title: 'Free title', level: 'beginner' });
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Course', course.id), input: { level: 'ADVANCED', title: 'taken TITLE', durationMinutes: 99 } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(errorFields(response)).toEqual({
      'input.title': 'is already used by another course of this level (ignoring case)',
    });
    expect(await prisma.course.findUnique({ where: { id: course.id } })).toMatchObject({
      title: 'Free title',
      level: 'beginner',
      durationMinutes: null,
    });
  });

  it('writes nothing when the prerequisites are refused', async () => {
    const course = await createCourse(server.database.prisma, { title: 'Untouched' });
    const response = await server.graphql(
      UpdateCourseDocument,
      { id: globalId('Course', course.id), input: { title: 'Touched', prerequisiteIds: [globalId('Course', 99_999)] } },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect((await server.database.prisma.course.findUnique({ where: { id: course.id } }))!.title).toBe('Untouched');
  });

  it('is for admins: learners get FORBIDDEN, anonymous visitors UNAUTHENTICATED', async () => {
    const course = await createCourse(server.database.prisma, { title: 'Guarded' });
    const variables = { id: globalId('Course', course.id), input: { title: 'Hacked' } };
    expect(errorCodes(await server.graphql(UpdateCourseDocument, variables, { as: learner }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await server.graphql(UpdateCourseDocument, variables))).toEqual(['UNAUTHENTICATED']);
    expect((await server.database.prisma.course.findUnique({ where: { id: course.id } }))!.title).toBe('Guarded');
  });
});
