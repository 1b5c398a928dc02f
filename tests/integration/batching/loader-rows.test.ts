import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, createUser } from '../../helpers/factories.js';
import { createLoaders } from '../../../src/graphql/context.js';
import { createRowReader } from '../../../src/platform/db/statements.js';
import type { Viewer } from '../../../src/auth/token.js';
import {
  countCourses,
  courseWhere,
  readCatalogPage,
  type CoursePageQuery,
} from '../../../src/modules/course/catalog.js';

/**
 * The catalog's lookups read with named statements instead of Prisma, and hand their rows to fields typed by
 * Prisma's models: each row must be the row Prisma would read, column for column (a column added to a model
 * but not to its statement fails here), and the visibility rules must be Prisma's where-filters' own.
 */
let server: TestServer;
let learner: Viewer;
let admin: Viewer;
const courseIds: number[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const prisma = server.database.prisma;
  const viewerOf = async (role: 'learner' | 'admin'): Promise<Viewer> => {
    const user = await createUser(prisma, { role });
    return { id: user.id, role, email: user.email, displayName: user.displayName, expiresAt: null };
  };
  learner = await viewerOf('learner');
  admin = await viewerOf('admin');
  // Each course requires the one before; the fourth is inactive, so the fifth requires one learners cannot see.
  for (let i = 0; i < 5; i += 1) {
    const course = await createCourse(prisma, { isActive: i !== 3, prerequisites: courseIds.slice(-1) });
    courseIds.push(course.id);
    const active = await createAssessment(prisma, course.id);
    await createAssessment(prisma, course.id, { isActive: false });
    await prisma.assessmentAttempt.create({
      data: { userId: learner.id, assessmentId: active.id, attemptNumber: 1, startedAt: new Date() },
    });
    await prisma.userProgress.create({
      data: {
        userId: learner.id,
        courseId: course.id,
        completionRate: i === 0 ? 100 : 12.5 * (i + 1),
        testScores: [{ assessmentId: active.id, attemptNumber: 1, score: 80, passed: true, submittedAt: new Date() }],
        completedAt: i === 0 ? new Date() : null,
      },
    });
  }
});
afterAll(() => server.close());

describe.each([
  ['named', true],
  ['unnamed (the embedded engine)', false],
])('the catalog lookups, %s', (_kind, prepared) => {
  const loadersOf = (viewer: Viewer | null) =>
    createLoaders(
      { prisma: server.database.prisma, readRows: createRowReader(server.database.pool, { prepared }) },
      viewer,
    );

  it.each([
    ['a learner', () => learner],
    ['an admin', () => admin],
  ])('read the courses Prisma reads for %s', async (_who, viewer) => {
    const prisma = server.database.prisma;
    const isAdmin = viewer().role === 'admin';
    const expected = await prisma.course.findMany({
      where: { id: { in: courseIds }, ...(isAdmin ? {} : { isActive: true }) },
    });
    const loaded = await loadersOf(viewer()).courseById.loadMany(courseIds);
    expect(loaded).toStrictEqual(courseIds.map((id) => expected.find((course) => course.id === id) ?? null));
  });

  describe.each([
    ['alone', false],
    ['with the prerequisite courses its fields read', true],
  ])('the catalog page %s', (_how, withPrerequisites) => {
    it.each([
      ['a learner, the first page', () => learner, false, null],
      ['a learner, after a cursor', () => learner, true, null],
      ['an admin, every course', () => admin, false, null],
      ['an admin, inactive courses of a level', () => admin, false, { level: 'beginner', isActive: false }],
      ['an admin, active ones after a cursor', () => admin, true, { isActive: true }],
    ] as const)('is the page Prisma reads for %s', async (_page, viewer, afterFirst, filter) => {
      const prisma = server.database.prisma;
      const canSeeInactive = viewer().role === 'admin';
      // plugin-prisma's page of 3: one row more, to tell whether there is a next page.
      const page: CoursePageQuery = afterFirst
        ? { cursor: { id: courseIds[0]! }, skip: 1, take: 4 }
        : { skip: 0, take: 4 };
      const expected = await prisma.course.findMany({
        ...page,
        where: courseWhere(filter, canSeeInactive),
        orderBy: { id: 'asc' },
      });
      const loaders = loadersOf(viewer());
      const mark = server.database.statementCount();
      const read = await readCatalogPage(
        { prisma, viewer: viewer(), readRows: createRowReader(server.database.pool, { prepared }), loaders },
        page,
        { filter, order: null, canSeeInactive, withPrerequisites },
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(read).toStrictEqual(expected);
      expect(server.database.statementsSince(mark)).toEqual([
        expect.stringMatching(
          withPrerequisites
            ? /^SELECT max\("?catalogCount"?\) .* AND \(\?::boolean OR is_active\)\) listed$/
            : /^SELECT max\("?catalogCount"?\) .* id > \? ORDER BY id LIMIT 101\) capped ORDER BY id LIMIT \?\) page\) listed$/,
        ),
      ]);
      // The page left its filter's count for totalCount: no statement of its own.
      const counted = await countCourses({ prisma, loaders }, filter, canSeeInactive);
      expect(server.database.statementsSince(mark)).toHaveLength(1);
      expect(counted).toBe(await prisma.course.count({ where: courseWhere(filter, canSeeInactive) }));
      if (!withPrerequisites) return;
      // courseById then answers the page's prerequisites as its own statement would, without one.
      const prerequisiteIds = [...new Set(read.flatMap((course) => course.prerequisites))];
      const sinceCount = server.database.statementCount();
      const primed = await loaders.courseById.loadMany(prerequisiteIds);
      expect(server.database.statementsSince(sinceCount)).toHaveLength(0);
      const visible = await prisma.course.findMany({
        where: { id: { in: prerequisiteIds }, ...(canSeeInactive ? {} : { isActive: true }) },
      });
      expect(primed).toStrictEqual(prerequisiteIds.map((id) => visible.find((course) => course.id === id) ?? null));
    });
  });

  it.each([
    ['a learner', () => learner, true],
    ['an admin', () => admin, true],
    ['an anonymous visitor', () => null, true],
    ['a learner, without prerequisites', () => learner, false],
  ])(
    "brings each course's progress and assessments for %s as their own statements read them",
    async (_who, viewer, withPrerequisites) => {
      const prisma = server.database.prisma;
      const readRows = createRowReader(server.database.pool, { prepared });
      const loaders = loadersOf(viewer());
      const page = await readCatalogPage(
        { prisma, viewer: viewer(), readRows, loaders },
        { skip: 0, take: 6 },
        {
          filter: null,
          order: null,
          canSeeInactive: viewer()?.role === 'admin',
          withPrerequisites,
          columns: loaders.catalogColumns,
        },
      );
      expect(loaders.catalogColumns).toHaveLength(viewer() ? 2 : 1);
      const ids = page.map((course) => course.id);
      const mark = server.database.statementCount();
      const progress = await loaders.viewerProgressByCourse.loadMany(ids);
      const assessments = await loaders.assessmentsByCourse.loadMany(ids);
      const assessmentIds = assessments.flatMap((listings) =>
        listings instanceof Error ? [] : listings.map((a) => a.id),
      );
      const attemptCounts = viewer() ? await loaders.viewerAttemptCountByAssessment.loadMany(assessmentIds) : [];
      expect(server.database.statementsSince(mark)).toEqual([]);
      const own = loadersOf(viewer());
      expect(assessmentIds.length).toBeGreaterThan(0);
      expect(progress).toStrictEqual(await own.viewerProgressByCourse.loadMany(ids));
      expect(assessments).toStrictEqual(await own.assessmentsByCourse.loadMany(ids));
      if (viewer())
        expect(attemptCounts).toStrictEqual(await own.viewerAttemptCountByAssessment.loadMany(assessmentIds));
    },
  );

  it("reads the viewer's progress as Prisma reads it", async () => {
    const expected = await server.database.prisma.userProgress.findMany({ where: { userId: learner.id } });
    const loaded = await loadersOf(learner).viewerProgressByCourse.loadMany(courseIds);
    expect(loaded).toStrictEqual(courseIds.map((id) => expected.find((row) => row.courseId === id)));
    expect((await loadersOf(null).viewerProgressByCourse.loadMany(courseIds)).every((row) => row === null)).toBe(true);
  });

  it.each([
    ['a learner', () => learner, { isActive: true, course: { isActive: true } }],
    ['an admin', () => admin, {}],
    ['an anonymous visitor', () => null, { isActive: true, course: { isActive: true } }],
  ])("reads a course's assessments and the attempt counts for %s", async (_who, viewer, visible) => {
    const prisma = server.database.prisma;
    const expected = await prisma.assessment.findMany({
      where: { courseId: { in: courseIds }, ...visible },
      select: { id: true, courseId: true, title: true, maxAttempts: true, isActive: true },
      orderBy: { id: 'asc' },
    });
    const loaders = loadersOf(viewer());
    const loaded = await loaders.assessmentsByCourse.loadMany(courseIds);
    expect(loaded).toStrictEqual(courseIds.map((id) => expected.filter((row) => row.courseId === id)));
    const attempts = await prisma.assessmentAttempt.groupBy({
      by: ['assessmentId'],
      where: { userId: viewer()?.id ?? 0 },
      _count: true,
    });
    const countOf = (id: number) => attempts.find((row) => row.assessmentId === id)?._count ?? 0;
    expect(expected.map((row) => loaders.knownViewerAttemptCounts.get(row.id))).toEqual(
      expected.map((row) => (viewer() ? countOf(row.id) : undefined)),
    );
  });
});

it('reads a page longer than the named statement reads through Prisma, whole', async () => {
  const prisma = server.database.prisma;
  // The API's pages stop at 100 courses (and plugin-prisma's look-ahead row); a service caller's may not.
  for (let i = 0; i < 150; i += 1) await createCourse(prisma);
  const page: CoursePageQuery = { skip: 0, take: 150 };
  const expected = await prisma.course.findMany({ ...page, where: courseWhere(null, true), orderBy: { id: 'asc' } });
  const readRows = createRowReader(server.database.pool, { prepared: true });
  const loaders = createLoaders({ prisma, readRows }, admin);
  const read = await readCatalogPage({ prisma, viewer: admin, readRows, loaders }, page, {
    filter: null,
    order: null,
    canSeeInactive: true,
    withPrerequisites: false,
  });
  expect(expected).toHaveLength(150);
  expect(read).toStrictEqual(expected);
});
