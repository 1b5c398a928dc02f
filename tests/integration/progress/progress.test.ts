import { errorCodes, startTestServer, UNLIMITED, type TestServer } from '../../helpers/server.js';
import { createCourse, globalId, learner, admin } from '../../helpers/factories.js';
import {
  CourseViewerProgressDocument,
  RecordProgressDocument,
  StartCourseDocument,
  UserProgressByUserDocument,
  UserProgressNodeDocument,
  UserProgressNodesDocument,
  ViewerProgressDocument,
} from '../../generated/graphql.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: UNLIMITED });
});
afterAll(() => server.close());

const progressRows = (userId: number) => server.database.prisma.userProgress.findMany({ where: { userId } });

describe('startCourse', () => {
  it('creates the progress row once and returns the same row when called again', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    const first = await server.graphql(StartCourseDocument, { courseId: globalId('Course', course.id) }, { as: me });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.startCourse).toMatchObject({
      completionRate: 0,
      currentSection: 1,
      studyTimeMinutes: 0,
      completedAt: null,
      testScores: [],
      course: { id: globalId('Course', course.id) },
      user: { id: globalId('User', me.id) },
    });
    const again = await server.graphql(StartCourseDocument, { courseId: globalId('Course', course.id) }, { as: me });
    expect(again.body.data!.startCourse.id).toBe(first.body.data!.startCourse.id);
    expect(await progressRows(me.id)).toHaveLength(1);
  });

  it('refuses with PREREQUISITES_NOT_MET naming the missing prerequisites, and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const prisma = server.database.prisma;
    const basics = await createCourse(prisma, { title: 'Basics' });
    const odds = await createCourse(prisma, { title: 'Odds' });
    const done = await createCourse(prisma, { title: 'Done' });
    await prisma.userProgress.create({
      data: { userId: me.id, courseId: done.id, completionRate: 100, completedAt: new Date() },
    });
    const advanced = await createCourse(prisma, { prerequisites: [basics.id, done.id, odds.id] });
    const response = await server.graphql(
      StartCourseDocument,
      { courseId: globalId('Course', advanced.id) },
      { as: me },
    );
    expect(errorCodes(response)).toEqual(['PREREQUISITES_NOT_MET']);
    expect(response.body.errors![0]!.extensions!.missingPrerequisites).toEqual([
      { id: globalId('Course', basics.id), title: 'Basics' },
      { id: globalId('Course', odds.id), title: 'Odds' },
    ]);
    expect((await progressRows(me.id)).map((row) => row.courseId)).toEqual([done.id]);
  });

  it('lets a learner start once the prerequisites are completed; retired prerequisites do not count', async () => {
    const me = await learner(server.database.prisma);
    const prisma = server.database.prisma;
    const basics = await createCourse(prisma);
    const retired = await createCourse(prisma, { isActive: false });
    const next = await createCourse(prisma, { prerequisites: [basics.id, retired.id] });
    await prisma.userProgress.create({ data: { userId: me.id, courseId: basics.id, completionRate: 99 } });
    const locked = await server.graphql(StartCourseDocument, { courseId: globalId('Course', next.id) }, { as: me });
    expect(errorCodes(locked)).toEqual(['PREREQUISITES_NOT_MET']);

    await prisma.userProgress.update({
      where: { userId_courseId: { userId: me.id, courseId: basics.id } },
      data: { completionRate: 100, completedAt: new Date() },
    });
    const unlocked = await server.graphql(StartCourseDocument, { courseId: globalId('Course', next.id) }, { as: me });
    expect(unlocked.body.errors).toBeUndefined();
  });

  it('is NOT_FOUND for a missing course and for an inactive one (learners)', async () => {
    const me = await learner(server.database.prisma);
    const inactive = await createCourse(server.database.prisma, { isActive: false });
    for (const id of [inactive.id, 987_654]) {
      const response = await server.graphql(StartCourseDocument, { courseId: globalId('Course', id) }, { as: me });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await progressRows(me.id)).toEqual([]);
  });

  it('is UNAUTHENTICATED for anonymous users', async () => {
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(StartCourseDocument, { courseId: globalId('Course', course.id) });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an id that is not a Course id with BAD_USER_INPUT on courseId', async () => {
    const me = await learner(server.database.prisma);
    for (const courseId of ['garbage', globalId('User', me.id), globalId('Course', 2 ** 31)]) {
      const response = await server.graphql(StartCourseDocument, { courseId }, { as: me });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0]!.extensions!.fields).toEqual({ courseId: 'must be a Course id' });
    }
  });
});

describe('recordProgress', () => {
  it('refuses out-of-range input with BAD_USER_INPUT naming each field, and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(
      RecordProgressDocument,
      {
        courseId: globalId('Course', course.id),
        input: { completionRate: 100.5, currentSection: 0, studyMinutes: 1441 },
      },
      { as: me },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toEqual({
      'input.completionRate': expect.any(String),
      'input.currentSection': expect.any(String),
      'input.studyMinutes': expect.any(String),
    });
    const negative = await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', course.id), input: { completionRate: -1, studyMinutes: -5 } },
      { as: me },
    );
    expect(Object.keys(negative.body.errors![0]!.extensions!.fields as object).sort()).toEqual([
      'input.completionRate',
      'input.studyMinutes',
    ]);
    expect(await progressRows(me.id)).toEqual([]);
  });

  it('starts a course that is not started yet when it is unlocked', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', course.id), input: { completionRate: 10, currentSection: 2, studyMinutes: 15 } },
      { as: me },
    );
    expect(response.body.data!.recordProgress).toMatchObject({
      completionRate: 10,
      currentSection: 2,
      studyTimeMinutes: 15,
      completedAt: null,
    });
  });

  it('refuses a locked course that is not started with PREREQUISITES_NOT_MET, and writes nothing', async () => {
    const me = await learner(server.database.prisma);
    const basics = await createCourse(server.database.prisma);
    const locked = await createCourse(server.database.prisma, { prerequisites: [basics.id] });
    const response = await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', locked.id), input: { studyMinutes: 5 } },
      { as: me },
    );
    expect(errorCodes(response)).toEqual(['PREREQUISITES_NOT_MET']);
    expect(await progressRows(me.id)).toEqual([]);
  });

  it('never moves completion backwards, sets completedAt at 100 and keeps it, and clears it on reset', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    const record = (input: Parameters<typeof server.graphql<unknown, unknown>>[1]) =>
      server.graphql(
        RecordProgressDocument,
        { courseId: globalId('Course', course.id), input: input as never },
        { as: me },
      );

    await record({ completionRate: 60, currentSection: 4 });
    const lower = await record({ completionRate: 30, currentSection: 2 });
    expect(lower.body.data!.recordProgress).toMatchObject({ completionRate: 60, currentSection: 2 });

    const complete = await record({ completionRate: 100 });
    const completedAt = complete.body.data!.recordProgress.completedAt;
    expect(completedAt).not.toBeNull();
    const stillComplete = await record({ completionRate: 50, studyMinutes: 10 });
    expect(stillComplete.body.data!.recordProgress).toMatchObject({ completionRate: 100, completedAt });

    const reset = await record({ reset: true, completionRate: 20 });
    expect(reset.body.data!.recordProgress).toMatchObject({
      completionRate: 20,
      currentSection: 1,
      completedAt: null,
      studyTimeMinutes: 10,
    });
    const resetToZero = await record({ reset: true });
    expect(resetToZero.body.data!.recordProgress).toMatchObject({ completionRate: 0, currentSection: 1 });
  });

  it('updates lastAccessed on every call', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    const started = await server.graphql(StartCourseDocument, { courseId: globalId('Course', course.id) }, { as: me });
    const longAgo = new Date('2020-01-01T00:00:00Z');
    await server.database.prisma.userProgress.updateMany({ where: { userId: me.id }, data: { lastAccessed: longAgo } });
    const response = await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', course.id), input: {} },
      { as: me },
    );
    expect(new Date(response.body.data!.recordProgress.lastAccessed).getTime()).toBeGreaterThan(
      new Date(started.body.data!.startCourse.lastAccessed).getTime() - 1000,
    );
    expect(new Date(response.body.data!.recordProgress.lastAccessed).getTime()).toBeGreaterThan(longAgo.getTime());
  });

  it('records a session of a started course in one UPDATE, without a transaction, and reads the row back', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    await server.graphql(StartCourseDocument, { courseId: globalId('Course', course.id) }, { as: me });
    const mark = server.database.statementCount();
    const response = await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', course.id), input: { studyMinutes: 5 } },
      { as: me },
    );
    expect(response.body.data!.recordProgress).toMatchObject({ studyTimeMinutes: 5 });
    expect(server.database.statementsSince(mark)).toEqual([
      expect.stringMatching(/^UPDATE user_progress SET .* WHERE user_id = \? AND course_id = \? RETURNING id$/),
      'SELECT user_progress.* FROM user_progress WHERE (user_progress.id = ? AND 1=1) LIMIT ? OFFSET ?',
      // The document's course and user.
      'SELECT courses.* FROM courses WHERE courses.id = ? OFFSET ?',
      'SELECT users.* FROM users WHERE users.id = ? OFFSET ?',
    ]);
  });

  it('adds study time atomically: 20 concurrent calls of 5 minutes add 100', async () => {
    const me = await learner(server.database.prisma);
    const course = await createCourse(server.database.prisma);
    await server.graphql(
      RecordProgressDocument,
      { courseId: globalId('Course', course.id), input: { studyMinutes: 7 } },
      { as: me },
    );
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        server.graphql(
          RecordProgressDocument,
          { courseId: globalId('Course', course.id), input: { studyMinutes: 5, completionRate: index * 5 } },
          { as: me },
        ),
      ),
    );
    expect(responses.flatMap(errorCodes)).toEqual([]);
    const [row] = await progressRows(me.id);
    expect(row!.studyTimeMinutes).toBe(107);
    // Completion only grows, whatever order the calls were applied in.
    expect(row!.completionRate.toNumber()).toBe(95);
  });

  it('is UNAUTHENTICATED for anonymous users', async () => {
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(RecordProgressDocument, {
      courseId: globalId('Course', course.id),
      input: { studyMinutes: 5 },
    });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('who sees progress', () => {
  async function twoLearnersWithProgress() {
    const [me, other] = [await learner(server.database.prisma), await learner(server.database.prisma)];
    const course = await createCourse(server.database.prisma);
    const prisma = server.database.prisma;
    const mine = await prisma.userProgress.create({ data: { userId: me.id, courseId: course.id, completionRate: 40 } });
    const theirs = await prisma.userProgress.create({
      data: { userId: other.id, courseId: course.id, completionRate: 70 },
    });
    return { me, other, course, mine, theirs };
  }

  it("lists only the viewer's own rows in viewer.progress, paginated", async () => {
    const { me } = await twoLearnersWithProgress();
    const prisma = server.database.prisma;
    for (let i = 0; i < 2; i += 1) {
      const course = await createCourse(prisma);
      await prisma.userProgress.create({ data: { userId: me.id, courseId: course.id } });
    }
    const page = await server.graphql(ViewerProgressDocument, { first: 2 }, { as: me });
    const progress = page.body.data!.viewer!.progress;
    expect(progress.totalCount).toBe(3);
    expect(progress.edges).toHaveLength(2);
    expect(progress.pageInfo.hasNextPage).toBe(true);
    expect(progress.edges.every((edge) => edge.node.user.id === globalId('User', me.id))).toBe(true);
    const rest = await server.graphql(
      ViewerProgressDocument,
      { first: 2, after: progress.pageInfo.endCursor },
      { as: me },
    );
    expect(rest.body.data!.viewer!.progress.edges).toHaveLength(1);
  });

  it('refuses a page larger than 100 with BAD_USER_INPUT', async () => {
    const { me } = await twoLearnersWithProgress();
    const response = await server.graphql(ViewerProgressDocument, { first: 101 }, { as: me });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it("resolves another learner's progress to null through node and nodes; admins see it", async () => {
    const { me, mine, theirs } = await twoLearnersWithProgress();
    const theirId = globalId('UserProgress', theirs.id);
    const myId = globalId('UserProgress', mine.id);
    const viaNode = await server.graphql(UserProgressNodeDocument, { id: theirId }, { as: me });
    expect(viaNode.body).toEqual({ data: { node: null } });
    const viaNodes = await server.graphql(UserProgressNodesDocument, { ids: [myId, theirId] }, { as: me });
    expect(viaNodes.body.data!.nodes).toEqual([{ __typename: 'UserProgress', id: myId }, null]);
    const anonymous = await server.graphql(UserProgressNodeDocument, { id: myId });
    expect(anonymous.body.data!.node).toBeNull();
    const outOfRange = await server.graphql(
      UserProgressNodeDocument,
      { id: globalId('UserProgress', 2 ** 31) },
      { as: me },
    );
    expect(outOfRange.body).toEqual({ data: { node: null } });
    const asAdmin = await server.graphql(UserProgressNodeDocument, { id: theirId }, { as: admin });
    expect(asAdmin.body.data!.node).toEqual({ __typename: 'UserProgress', id: theirId, completionRate: 70 });
  });

  it("hides another learner's progress list; admins read it through the user", async () => {
    const { me, other, theirs } = await twoLearnersWithProgress();
    const asLearner = await server.graphql(
      UserProgressByUserDocument,
      { userId: globalId('User', other.id) },
      { as: me },
    );
    expect(asLearner.body.data!.node).toBeNull();
    const asAdmin = await server.graphql(
      UserProgressByUserDocument,
      { userId: globalId('User', other.id) },
      { as: admin },
    );
    expect(asAdmin.body.data!.node).toEqual({
      id: globalId('User', other.id),
      progress: { totalCount: 1, edges: [{ node: { id: globalId('UserProgress', theirs.id), completionRate: 70 } }] },
    });
  });

  it("shows Course.viewerProgress as the viewer's own row, and null when anonymous or not started", async () => {
    const { me, course, mine } = await twoLearnersWithProgress();
    const courseId = globalId('Course', course.id);
    const own = await server.graphql(CourseViewerProgressDocument, { id: courseId }, { as: me });
    expect(own.body.data!.course!.viewerProgress).toMatchObject({
      id: globalId('UserProgress', mine.id),
      completionRate: 40,
    });
    const anonymous = await server.graphql(CourseViewerProgressDocument, { id: courseId });
    expect(anonymous.body.data!.course!.viewerProgress).toBeNull();
    const newcomer = await server.graphql(
      CourseViewerProgressDocument,
      { id: courseId },
      { as: await learner(server.database.prisma) },
    );
    expect(newcomer.body.data!.course!.viewerProgress).toBeNull();
  });
});
