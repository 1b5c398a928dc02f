import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, createUser, globalId } from '../../helpers/factories.js';

/**
 * A course's assessments are read with only the columns a catalog page shows: not their questions and scoring
 * rules (most of a row's bytes), description, difficulty, pass threshold or time limit. A page that does ask for
 * them gets them from one more statement, whatever its size.
 */
// Not among tests/operations: at the largest page size it is an operation the cost limit refuses, as it should.
const CATALOG_ASSESSMENT_CONTENT = /* GraphQL */ `
  query CatalogAssessmentContent($first: Int!) {
    courses(first: $first) {
      edges {
        node {
          id
          assessments {
            id
            title
            description
            difficulty
            passThreshold
            timeLimitMinutes
            questions {
              id
              prompt
            }
            scoringConfig
          }
        }
      }
    }
  }
`;

interface AssessmentContent {
  id: string;
  title: string;
  description: string | null;
  difficulty: string;
  passThreshold: number;
  timeLimitMinutes: number | null;
  questions: unknown[];
  scoringConfig: unknown;
}

interface CatalogAssessmentContent {
  courses: {
    edges: {
      node: { id: string; assessments: AssessmentContent[] };
    }[];
  };
}

let server: TestServer;
let admin: { id: number; role: 'admin' };

beforeAll(async () => {
  server = await startTestServer();
  const prisma = server.database.prisma;
  admin = { id: (await createUser(prisma, { role: 'admin' })).id, role: 'admin' };
  for (let i = 0; i < 10; i += 1) {
    const course = await createCourse(prisma);
    await createAssessment(prisma, course.id);
    await createAssessment(prisma, course.id, {
      description: `About course ${course.id}`,
      difficulty: 'advanced',
      passThreshold: 85,
      timeLimitMinutes: 15,
    });
  }
});
afterAll(() => server.close());

async function pageOf(first: number) {
  const before = server.database.statementCount();
  const response = await server.graphql(CATALOG_ASSESSMENT_CONTENT, { first }, { as: admin });
  const statements = server.database.statementCount() - before;
  expect(response.body.errors).toBeUndefined();
  const data = response.body.data as CatalogAssessmentContent;
  return { statements, nodes: data.courses.edges.map((edge) => edge.node) };
}

describe("a course's assessments with the columns a catalog page leaves out", () => {
  it('answers each with its stored questions, scoring rules, description, difficulty and limits', async () => {
    const { nodes } = await pageOf(10);
    const stored = await server.database.prisma.assessment.findMany({ orderBy: { id: 'asc' } });
    const answered = nodes.flatMap((node) => node.assessments);
    expect(answered.map((assessment) => assessment.id)).toEqual(stored.map((row) => globalId('Assessment', row.id)));
    answered.forEach((assessment, i) => {
      const row = stored[i]!;
      const questions = row.questions as { id: string; prompt: string }[];
      expect(assessment.questions).toEqual(questions.map(({ id, prompt }) => ({ id, prompt })));
      expect(assessment.scoringConfig).toEqual(row.scoringConfig);
      expect(assessment).toMatchObject({
        description: row.description,
        difficulty: row.difficulty.toUpperCase(),
        passThreshold: row.passThreshold,
        timeLimitMinutes: row.timeLimitMinutes,
      });
    });
  });

  it('costs 2 statements for 2 and for 10 courses: the page with its assessments, and the columns it left out', async () => {
    await pageOf(1); // provisions the admin's user row
    expect([(await pageOf(2)).statements, (await pageOf(10)).statements]).toEqual([2, 2]);
  });
});
