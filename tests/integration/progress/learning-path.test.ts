import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { createCourse, globalId, learner, admin } from '../../helpers/factories.js';
import {
  CourseUnlockedDocument,
  RecommendedCoursesDocument,
  UserRecommendedCoursesDocument,
} from '../../generated/graphql.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function complete(userId: number, courseId: number) {
  return server.database.prisma.userProgress.create({
    data: { userId, courseId, completionRate: 100, completedAt: new Date() },
  });
}

async function isUnlocked(courseId: number, as?: { id: number; role: 'learner' | 'admin' }) {
  const response = await server.graphql(CourseUnlockedDocument, { id: globalId('Course', courseId) }, { as });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.course!.isUnlocked;
}

describe('Course.isUnlocked', () => {
  it('is true without prerequisites, for anonymous viewers too', async () => {
    const course = await createCourse(server.database.prisma);
    expect(await isUnlocked(course.id)).toBe(true);
    expect(await isUnlocked(course.id, await learner(server.database.prisma))).toBe(true);
  });

  it('is false until every active prerequisite is completed; anonymous viewers see it locked', async () => {
    const prisma = server.database.prisma;
    const me = await learner(server.database.prisma);
    const [a, b] = [await createCourse(prisma), await createCourse(prisma)];
    const course = await createCourse(prisma, { prerequisites: [a.id, b.id] });
    expect(await isUnlocked(course.id)).toBe(false);
    expect(await isUnlocked(course.id, me)).toBe(false);
    await complete(me.id, a.id);
    // Started but not completed does not count.
    await prisma.userProgress.create({ data: { userId: me.id, courseId: b.id, completionRate: 99.99 } });
    expect(await isUnlocked(course.id, me)).toBe(false);
    await prisma.userProgress.update({
      where: { userId_courseId: { userId: me.id, courseId: b.id } },
      data: { completionRate: 100, completedAt: new Date() },
    });
    expect(await isUnlocked(course.id, me)).toBe(true);
  });

  it('ignores retired prerequisites, for learners and admins alike', async () => {
    const prisma = server.database.prisma;
    const retired = await createCourse(prisma, { isActive: false });
    const course = await createCourse(prisma, { prerequisites: [retired.id] });
    expect(await isUnlocked(course.id, await learner(server.database.prisma))).toBe(true);
    expect(await isUnlocked(course.id, admin)).toBe(true);
    expect(await isUnlocked(course.id)).toBe(true);
  });

  it("depends on the viewer's completions only, not on other learners'", async () => {
    const prisma = server.database.prisma;
    const [me, other] = [await learner(server.database.prisma), await learner(server.database.prisma)];
    const basics = await createCourse(prisma);
    const course = await createCourse(prisma, { prerequisites: [basics.id] });
    await complete(other.id, basics.id);
    expect(await isUnlocked(course.id, other)).toBe(true);
    expect(await isUnlocked(course.id, me)).toBe(false);
  });
});

describe('User.recommendedCourses', () => {
  /** A small curriculum of its own: each test's courses are told apart from the other tests' by id. */
  async function curriculum() {
    const prisma = server.database.prisma;
    const basics = await createCourse(prisma, { level: 'beginner' });
    const position = await createCourse(prisma, { level: 'beginner', prerequisites: [basics.id] });
    const ranges = await createCourse(prisma, { level: 'intermediate', prerequisites: [basics.id, position.id] });
    const retired = await createCourse(prisma, { level: 'beginner', isActive: false });
    const afterRetired = await createCourse(prisma, { level: 'advanced', prerequisites: [retired.id] });
    const ids = [basics, position, ranges, retired, afterRetired].map((course) => course.id);
    return { basics, position, ranges, retired, afterRetired, ids };
  }

  async function recommended(me: { id: number; role: 'learner' }, ids: number[], first = 100) {
    const response = await server.graphql(RecommendedCoursesDocument, { first }, { as: me });
    expect(response.body.errors).toBeUndefined();
    const mine = new Set(ids.map((id) => globalId('Course', id)));
    return response.body.data!.viewer!.recommendedCourses.map((course) => course.id).filter((id) => mine.has(id));
  }

  it('recommends unlocked active courses the user has not completed, beginner first', async () => {
    const me = await learner(server.database.prisma);
    const { basics, position, ranges, afterRetired, ids } = await curriculum();
    expect(await recommended(me, ids)).toEqual([globalId('Course', basics.id), globalId('Course', afterRetired.id)]);

    await complete(me.id, basics.id);
    expect(await recommended(me, ids)).toEqual([globalId('Course', position.id), globalId('Course', afterRetired.id)]);

    // A course in progress is still recommended; a completed one is not.
    await server.database.prisma.userProgress.create({
      data: { userId: me.id, courseId: position.id, completionRate: 50 },
    });
    expect(await recommended(me, ids)).toEqual([globalId('Course', position.id), globalId('Course', afterRetired.id)]);
    await server.database.prisma.userProgress.update({
      where: { userId_courseId: { userId: me.id, courseId: position.id } },
      data: { completionRate: 100, completedAt: new Date() },
    });
    expect(await recommended(me, ids)).toEqual([globalId('Course', ranges.id), globalId('Course', afterRetired.id)]);
  });

  it('returns at most first courses and refuses more than 100', async () => {
    const me = await learner(server.database.prisma);
    await curriculum();
    const two = await server.graphql(RecommendedCoursesDocument, { first: 2 }, { as: me });
    expect(two.body.data!.viewer!.recommendedCourses).toHaveLength(2);
    const tooMany = await server.graphql(RecommendedCoursesDocument, { first: 101 }, { as: me });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it("follows the user's completions when an admin reads another user's recommendations", async () => {
    const [me, other] = [await learner(server.database.prisma), await learner(server.database.prisma)];
    const { basics, position, ids } = await curriculum();
    await complete(other.id, basics.id);
    const asAdmin = await server.graphql(
      UserRecommendedCoursesDocument,
      { userId: globalId('User', other.id), first: 100 },
      { as: admin },
    );
    const theirs = (asAdmin.body.data!.node as { recommendedCourses: { id: string }[] }).recommendedCourses.map(
      (course) => course.id,
    );
    expect(theirs).toContain(globalId('Course', position.id));
    expect(theirs).not.toContain(globalId('Course', basics.id));
    expect(await recommended(me, ids)).toContain(globalId('Course', basics.id));
    const asLearner = await server.graphql(
      UserRecommendedCoursesDocument,
      { userId: globalId('User', other.id) },
      { as: me },
    );
    expect(asLearner.body.errors).toBeUndefined();
    expect(asLearner.body.data!.node).toBeNull();
  });
});
