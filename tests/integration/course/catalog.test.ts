import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { createCourse, globalId, admin } from '../../helpers/factories.js';
import {
  CatalogPageBackwardsDocument,
  CatalogPageDocument,
  CourseByIdDocument,
  CourseContentDocument,
  type CatalogPageBackwardsQuery,
  type CatalogPageQuery,
  type CourseOrder,
  type CatalogPageQueryVariables,
} from '../../generated/graphql.js';

const learner = { id: 2 };

let server: TestServer;
/** A private folder holding the content root and, next to it, a file outside the root. */
let folder: string;
let contentRoot: string;
/** id -> the row as created, for computing expected orders. */
const rows: { id: number; title: string; levelRank: number; durationMinutes: number | null; createdAt: Date }[] = [];

const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'dz-content-'));
  contentRoot = path.join(folder, 'root');
  await mkdir(path.join(contentRoot, 'beginner'), { recursive: true });
  await writeFile(path.join(contentRoot, 'beginner/odds.md'), '# Pot odds\n\nCount your outs.\n');
  await writeFile(path.join(folder, 'dz-outside-secret.md'), 'not course content');
  server = await startTestServer({ env: { CONTENT_ROOT: contentRoot } });
  const prisma = server.database.prisma;
  // 24 active courses: titles repeat across levels (so TITLE needs the id tie-break), some durations are
  // null, and groups of three share one createdAt.
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 24; i += 1) {
    const course = await createCourse(prisma, {
      title: `t${String(i % 8).padStart(2, '0')}`,
      level: LEVELS[Math.floor(i / 8)],
      durationMinutes: i % 5 === 0 ? null : (i * 7) % 40,
      createdAt: new Date(base + Math.floor(i / 3) * 60_000),
    });
    rows.push({
      id: course.id,
      title: course.title,
      levelRank: course.levelRank,
      durationMinutes: course.durationMinutes,
      createdAt: course.createdAt,
    });
  }
});

afterAll(async () => {
  await server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** Pages forward through the catalog with the given page size and returns the titles+ids in order. */
async function pageForward(pageSize: number, variables: Omit<CatalogPageQueryVariables, 'first' | 'after'>) {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page += 1) {
    const response = await server.graphql(CatalogPageDocument, { ...variables, first: pageSize, after }, { as: admin });
    const connection: CatalogPageQuery['courses'] = response.body.data!.courses;
    ids.push(...connection.edges.map((edge) => edge.node.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

async function pageBackward(pageSize: number, orderBy: CourseOrder) {
  const ids: string[] = [];
  let before: string | null = null;
  for (let page = 0; page < 20; page += 1) {
    const response = await server.graphql(
      CatalogPageBackwardsDocument,
      { last: pageSize, before, orderBy },
      { as: admin },
    );
    const connection: CatalogPageBackwardsQuery['courses'] = response.body.data!.courses;
    ids.unshift(...connection.edges.map((edge) => edge.node.id));
    if (!connection.pageInfo.hasPreviousPage) return ids;
    before = connection.pageInfo.startCursor;
  }
  throw new Error('pagination did not end');
}

const courseIds = (sorted: typeof rows) => sorted.map((row) => globalId('Course', row.id));
type Row = (typeof rows)[number];
const byThenId = (key: (row: Row) => string | number | null, direction: 1 | -1) => (a: Row, b: Row) => {
  const x = key(a);
  const y = key(b);
  if (x !== y) {
    // nulls last in both directions
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * direction;
  }
  return (a.id - b.id) * direction;
};

describe('courses pagination', () => {
  it('pages 20 by default and at most 100, refusing larger pages with BAD_USER_INPUT', async () => {
    const page = await server.graphql(CatalogPageDocument, {}, { as: learner });
    expect(page.body.data!.courses.edges).toHaveLength(20);
    expect(page.body.data!.courses.pageInfo.hasNextPage).toBe(true);
    expect(page.body.data!.courses.totalCount).toBe(24);

    const hundred = await server.graphql(CatalogPageDocument, { first: 100 }, { as: learner });
    expect(hundred.body.data!.courses.edges).toHaveLength(24);

    const tooMany = await server.graphql(CatalogPageDocument, { first: 101 }, { as: learner });
    expect(errorCodes(tooMany)).toContain('BAD_USER_INPUT');
    expect(tooMany.body.errors![0]!.extensions!.fields).toEqual({ first: 'must be at most 100' });

    const tooManyBackwards = await server.graphql(CatalogPageBackwardsDocument, { last: 101 }, { as: learner });
    expect(errorCodes(tooManyBackwards)).toContain('BAD_USER_INPUT');
    expect(tooManyBackwards.body.errors![0]!.extensions!.fields).toEqual({ last: 'must be at most 100' });

    const negative = await server.graphql(CatalogPageDocument, { first: -1 }, { as: learner });
    expect(errorCodes(negative)).toEqual(['BAD_USER_INPUT']);
    expect(negative.body.errors![0]!.extensions!.fields).toEqual({
      first: 'Argument "first" must be a non-negative integer',
    });
  });

  it('refuses a cursor that is not one of its own with BAD_USER_INPUT naming the argument', async () => {
    const response = await server.graphql(CatalogPageDocument, { first: 5, after: 'not-a-cursor' }, { as: learner });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toEqual({ after: 'is not a cursor of this list' });
  });

  const orders: [CourseOrder, (a: Row, b: Row) => number][] = [
    [{ field: 'TITLE', direction: 'ASC' }, byThenId((row) => row.title, 1)],
    [{ field: 'TITLE', direction: 'DESC' }, byThenId((row) => row.title, -1)],
    [{ field: 'DURATION', direction: 'ASC' }, byThenId((row) => row.durationMinutes, 1)],
    [{ field: 'DURATION', direction: 'DESC' }, byThenId((row) => row.durationMinutes, -1)],
    [{ field: 'LEVEL', direction: 'ASC' }, byThenId((row) => row.levelRank, 1)],
    [{ field: 'LEVEL', direction: 'DESC' }, byThenId((row) => row.levelRank, -1)],
    [{ field: 'CREATED_AT', direction: 'ASC' }, byThenId((row) => row.createdAt.getTime(), 1)],
    [{ field: 'CREATED_AT', direction: 'DESC' }, byThenId((row) => row.createdAt.getTime(), -1)],
  ];

  it.each(orders)('orders by %j with the id as tie-break, stable across pages both ways', async (orderBy, compare) => {
    const expected = courseIds([...rows].sort(compare));
    expect(await pageForward(7, { orderBy })).toEqual(expected);
    expect(await pageBackward(7, orderBy)).toEqual(expected);
  });

  it('orders by id without orderBy', async () => {
    expect(await pageForward(10, {})).toEqual(courseIds([...rows].sort((a, b) => a.id - b.id)));
  });
});

describe('courses filters', () => {
  let gto: number;
  let icm: number;
  let hidden: number;
  let percent: number;

  beforeAll(async () => {
    const prisma = server.database.prisma;
    gto = (
      await createCourse(prisma, {
        title: 'Game Theory Optimal',
        level: 'advanced',
        description: 'Balanced RANGES and mixed strategies.',
        tags: ['gto', 'math', 'ranges'],
      })
    ).id;
    icm = (
      await createCourse(prisma, {
        title: 'ICM in tournaments',
        level: 'advanced',
        description: 'Chip values near the bubble.',
        tags: ['icm', 'math', 'tournament'],
      })
    ).id;
    hidden = (
      await createCourse(prisma, {
        title: 'Retired ranges course',
        level: 'intermediate',
        tags: ['ranges', 'math'],
        isActive: false,
      })
    ).id;
    percent = (await createCourse(prisma, { title: 'Win 50% more pots', level: 'beginner', tags: ['misc'] })).id;
  });

  async function titles(filter: CatalogPageQueryVariables['filter'], as: { id: number; role?: 'admin' } = learner) {
    const response = await server.graphql(CatalogPageDocument, { first: 100, filter }, { as });
    expect(response.body.errors).toBeUndefined();
    const { edges, totalCount } = response.body.data!.courses;
    expect(totalCount).toBe(edges.length);
    return edges.map((edge) => edge.node.id).sort();
  }
  const ids = (...list: number[]) => list.map((id) => globalId('Course', id)).sort();

  it('filters by level', async () => {
    const advanced = await titles({ level: 'ADVANCED' });
    expect(advanced).toEqual(ids(...rows.filter((row) => row.levelRank === 3).map((row) => row.id), gto, icm).sort());
  });

  it('filters by all of tags and by any of anyTags, ignoring case and spaces', async () => {
    expect(await titles({ tags: ['math', 'ranges'] })).toEqual(ids(gto));
    expect(await titles({ tags: [' MATH', 'Tournament '] })).toEqual(ids(icm));
    expect(await titles({ anyTags: ['gto', 'icm'] })).toEqual(ids(gto, icm));
    expect(await titles({ tags: ['math'], anyTags: ['icm', 'misc'] })).toEqual(ids(icm));
  });

  it('searches title and description case-insensitively, taking LIKE wildcards literally', async () => {
    expect(await titles({ search: 'game theory' })).toEqual(ids(gto));
    expect(await titles({ search: 'bubble' })).toEqual(ids(icm));
    expect(await titles({ search: 'ranges' })).toEqual(ids(gto));
    expect(await titles({ search: '50%' })).toEqual(ids(percent));
    expect(await titles({ search: '%' })).toEqual(ids(percent));
    expect(await titles({ search: 't_0' })).toEqual([]);
  });

  it('never shows inactive courses to learners; admins see them and may filter on isActive', async () => {
    expect(await titles({ tags: ['ranges'] })).toEqual(ids(gto));
    expect(await titles({ tags: ['ranges'], isActive: false })).toEqual([]);
    expect(await titles({ tags: ['ranges'], isActive: false }, admin)).toEqual(ids(hidden));
    expect(await titles({ tags: ['ranges'] }, admin)).toEqual(ids(gto, hidden));
    expect(await titles({ tags: ['ranges'], isActive: true }, admin)).toEqual(ids(gto));

    const direct = await server.graphql(CourseByIdDocument, { id: globalId('Course', hidden) }, { as: learner });
    expect(direct.body.data!.course).toBeNull();
    const anonymous = await server.graphql(CourseByIdDocument, { id: globalId('Course', hidden) });
    expect(anonymous.body.data!.course).toBeNull();
    const asAdmin = await server.graphql(CourseByIdDocument, { id: globalId('Course', hidden) }, { as: admin });
    expect(asAdmin.body.data!.course!.title).toBe('Retired ranges course');
  });

  it('lets anonymous visitors browse the catalog', async () => {
    const response = await server.graphql(CatalogPageDocument, { first: 1, filter: { anyTags: ['gto'] } });
    expect(response.body.data!.courses.edges.map((edge) => edge.node.title)).toEqual(['Game Theory Optimal']);
  });
});

describe('Course.prerequisites', () => {
  it('resolves in the listed order and hides inactive prerequisites from learners', async () => {
    const prisma = server.database.prisma;
    const [first, second, retired] = await Promise.all([
      createCourse(prisma, { title: 'Prereq one' }),
      createCourse(prisma, { title: 'Prereq two' }),
      createCourse(prisma, { title: 'Prereq retired', isActive: false }),
    ]);
    await createCourse(prisma, {
      title: 'Needs prereqs',
      level: 'intermediate',
      prerequisites: [second.id, retired.id, first.id],
    });
    const query = { first: 1, filter: { search: 'Needs prereqs' } };
    const asLearner = await server.graphql(CatalogPageDocument, query, { as: learner });
    expect(asLearner.body.data!.courses.edges[0]!.node.prerequisites.map((course) => course.title)).toEqual([
      'Prereq two',
      'Prereq one',
    ]);
    const asAdmin = await server.graphql(CatalogPageDocument, query, { as: admin });
    expect(asAdmin.body.data!.courses.edges[0]!.node.prerequisites.map((course) => course.title)).toEqual([
      'Prereq two',
      'Prereq retired',
      'Prereq one',
    ]);
  });
});

describe('Course.content', () => {
  it('reads the Markdown named by contentPath from the content root', async () => {
    const course = await createCourse(server.database.prisma, { contentPath: 'beginner/odds.md' });
    const response = await server.graphql(CourseContentDocument, { id: globalId('Course', course.id) });
    expect(response.body.data!.course!.content).toBe('# Pot odds\n\nCount your outs.\n');
  });

  it('is null without a contentPath or when the file does not exist (yet)', async () => {
    const [none, missing] = await Promise.all([
      createCourse(server.database.prisma),
      createCourse(server.database.prisma, { contentPath: 'beginner/not-written-yet.md' }),
    ]);
    for (const course of [none, missing]) {
      const response = await server.graphql(CourseContentDocument, { id: globalId('Course', course.id) });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.course!.content).toBeNull();
    }
  });

  it('refuses a stored path that escapes the content root: an internal error on that field, nothing leaked', async () => {
    const course = await createCourse(server.database.prisma, { contentPath: '../dz-outside-secret.md' });
    const response = await server.graphql(CourseContentDocument, { id: globalId('Course', course.id) });
    expect(response.body.data!.course).toEqual({
      id: globalId('Course', course.id),
      title: course.title,
      content: null,
    });
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    const [error] = response.body.errors!;
    expect(error!.path).toEqual(['course', 'content']);
    expect(error!.message).toBe('Internal server error');
    expect(error!.extensions!.requestId).toEqual(expect.any(String));
    expect(JSON.stringify(response.body)).not.toContain('outside-secret');
  });
});
