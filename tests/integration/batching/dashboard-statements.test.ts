import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createCharacter, createCourse, createUser } from '../../helpers/factories.js';
import { LearnerDashboardDocument } from '../../generated/graphql.js';

/**
 * The dashboard's relations (each progress row's course, each chat session's character) are plugin-prisma
 * selections loaded with their connections, so the page costs the same statements however many rows it shows:
 * the viewer, the progress page and its totalCount, the recommended courses (the viewer's progress and the
 * catalog they are picked from), and the chat sessions. A relation that missed its preloaded rows would load
 * them itself, once per row, and the count would grow with the page.
 */
const STATEMENTS_PER_DASHBOARD = 7;

let server: TestServer;
let prisma: PrismaClient;

beforeAll(async () => {
  server = await startTestServer();
  prisma = server.database.prisma;
});
afterAll(() => server.close());

async function learnerWith(rows: number) {
  const viewer = { id: (await createUser(prisma)).id, role: 'learner' as const };
  const character = await createCharacter(prisma);
  for (let i = 0; i < rows; i += 1) {
    const course = await createCourse(prisma);
    await prisma.userProgress.create({ data: { userId: viewer.id, courseId: course.id, completionRate: 10 * i } });
    await prisma.chatSession.create({ data: { userId: viewer.id, characterId: character.id, sessionName: `s${i}` } });
  }
  // The first request of a token provisions its user; that write is not part of the page.
  await server.graphql(LearnerDashboardDocument, {}, { as: viewer });
  return viewer;
}

async function dashboardOf(viewer: { id: number; role: 'learner' }) {
  const before = server.database.statementCount();
  const response = await server.graphql(LearnerDashboardDocument, {}, { as: viewer });
  expect(response.body.errors).toBeUndefined();
  return { sql: server.database.statementsSince(before).sort(), viewer: response.body.data!.viewer! };
}

describe('the learner dashboard', () => {
  it(`costs the same ${STATEMENTS_PER_DASHBOARD} statements for 2 and 9 rows of each list`, async () => {
    const few = await dashboardOf(await learnerWith(2));
    const many = await dashboardOf(await learnerWith(9));
    expect(few.sql).toHaveLength(STATEMENTS_PER_DASHBOARD);
    expect(many.sql).toEqual(few.sql);
  });

  it('answers every relation beneath the connections from the rows it loaded', async () => {
    const { viewer } = await dashboardOf(await learnerWith(3));
    expect(viewer.progress.totalCount).toBe(3);
    expect(viewer.progress.edges.map((edge) => edge.node.course.title)).toEqual(
      Array(3).fill(expect.stringMatching(/^Course /)),
    );
    expect(new Set(viewer.progress.edges.map((edge) => edge.node.course.id)).size).toBe(3);
    expect(viewer.chatSessions.edges.map((edge) => edge.node.sessionName).sort()).toEqual(['s0', 's1', 's2']);
    expect(viewer.chatSessions.edges.map((edge) => edge.node.character.displayName)).toEqual(
      Array(3).fill(expect.stringMatching(/^Coach /)),
    );
  });
});
