import pg from 'pg';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitForBlockedBackends } from '../../helpers/database.js';
import { createCourse, globalId, admin } from '../../helpers/factories.js';
import { UpdateCourseDocument } from '../../generated/graphql.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

function setPrerequisites(courseId: number, prerequisiteIds: number[]) {
  return server.graphql(
    UpdateCourseDocument,
    {
      id: globalId('Course', courseId),
      input: { prerequisiteIds: prerequisiteIds.map((id) => globalId('Course', id)) },
    },
    { as: admin },
  );
}

async function storedPrerequisites(courseId: number) {
  return (await server.database.prisma.course.findUniqueOrThrow({ where: { id: courseId } })).prerequisites;
}

describe('the prerequisite graph stays acyclic', () => {
  it('refuses a course as its own prerequisite', async () => {
    const a = await createCourse(server.database.prisma, { title: 'Self A' });
    const response = await setPrerequisites(a.id, [a.id]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.message).toBe('Prerequisites would form a cycle: Self A -> Self A');
    expect(response.body.errors![0]!.extensions!.fields).toEqual({
      'input.prerequisiteIds': 'would form a cycle: Self A -> Self A',
    });
    expect(await storedPrerequisites(a.id)).toEqual([]);
  });

  it('refuses a two-course cycle', async () => {
    const a = await createCourse(server.database.prisma, { title: 'Two A' });
    const b = await createCourse(server.database.prisma, { title: 'Two B', prerequisites: [a.id] });
    const response = await setPrerequisites(a.id, [b.id]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.message).toBe('Prerequisites would form a cycle: Two A -> Two B -> Two A');
    expect(await storedPrerequisites(a.id)).toEqual([]);
  });

  it('refuses a three-course cycle, naming it in order', async () => {
    const prisma = server.database.prisma;
    const c = await createCourse(prisma, { title: 'Three C' });
    const b = await createCourse(prisma, { title: 'Three B', prerequisites: [c.id] });
    const a = await createCourse(prisma, { title: 'Three A', prerequisites: [b.id] });
    const unrelated = await createCourse(prisma, { title: 'Three unrelated' });
    const response = await setPrerequisites(c.id, [unrelated.id, a.id]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.message).toBe(
      'Prerequisites would form a cycle: Three C -> Three A -> Three B -> Three C',
    );
    expect(await storedPrerequisites(c.id)).toEqual([]);
  });

  it('accepts shared prerequisites that form no cycle (a diamond)', async () => {
    const prisma = server.database.prisma;
    const base = await createCourse(prisma, { title: 'Diamond base' });
    const left = await createCourse(prisma, { title: 'Diamond left', prerequisites: [base.id] });
    const right = await createCourse(prisma, { title: 'Diamond right', prerequisites: [base.id] });
    const top = await createCourse(prisma, { title: 'Diamond top' });
    const response = await setPrerequisites(top.id, [left.id, right.id, base.id]);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.updateCourse.prerequisites.map((course) => course.title)).toEqual([
      'Diamond left',
      'Diamond right',
      'Diamond base',
    ]);
  });

  it('lets exactly one of two concurrent updates that would together close a cycle succeed', async () => {
    const prisma = server.database.prisma;
    const a = await createCourse(prisma, { title: 'Race A' });
    const b = await createCourse(prisma, { title: 'Race B' });

    // Hold both rows so that both mutations are in flight at once: each blocks either on its UPDATE or on
    // the prerequisite lock. Release only once both wait, so neither can simply run after the other.
    const blocker = new pg.Client({ connectionString: server.testDatabase.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM courses WHERE id = ANY($1) FOR UPDATE', [[a.id, b.id]]);
      const updates = Promise.all([setPrerequisites(a.id, [b.id]), setPrerequisites(b.id, [a.id])]);
      await waitForBlockedBackends(blocker, 2);
      await blocker.query('COMMIT');
      const responses = await updates;

      const succeeded = responses.filter((response) => response.body.errors === undefined);
      const refused = responses.filter((response) => response.body.errors !== undefined);
      expect(succeeded).toHaveLength(1);
      expect(refused.map(errorCodes)).toEqual([['BAD_USER_INPUT']]);
      expect(refused[0]!.body.errors![0]!.message).toMatch(
        /^Prerequisites would form a cycle: (Race A -> Race B -> Race A|Race B -> Race A -> Race B)$/,
      );
      const stored = [await storedPrerequisites(a.id), await storedPrerequisites(b.id)];
      expect(stored.filter((list) => list.length > 0)).toHaveLength(1);
    } finally {
      await blocker.end();
    }
  });
});
