import { authSettings, signToken } from '../../../src/auth/token.js';
import { connectDatabase, type Database } from '../../../src/platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createAssessment, createCourse, globalId } from '../../helpers/factories.js';
import { TEST_JWT_SECRET } from '../../helpers/server.js';
import { spawnServer, type ChildServer } from './child-server.js';

/**
 * kill -9 while submitAssessment writes its rows (the attempt, and the score appended to the user's
 * progress, in one transaction): afterwards every submission is all or nothing, and every one the server
 * acknowledged is there.
 */

const USERS = 6;
/** Acknowledged submissions to wait for before the kill, so that it lands with writes in full swing. */
const KILL_AFTER = 24;
const SUBMIT = `mutation Submit($id: ID!, $answers: [AnswerInput!]!) {
  submitAssessment(assessmentId: $id, answers: $answers) { attemptNumber }
}`;

let testDatabase: TestDatabase;
let database: Database;
let server: ChildServer;
let assessmentId: number;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = connectDatabase(testDatabase.url, { poolSize: 2, poolTimeoutMs: 5000, statementTimeoutMs: 0 });
  const course = await createCourse(database.prisma);
  ({ id: assessmentId } = await createAssessment(database.prisma, course.id, { maxAttempts: 10_000 }));
  server = await spawnServer({
    DATABASE_URL: testDatabase.url,
    RATE_LIMIT_MUTATIONS: '1000000',
    RATE_LIMIT_ASSESSMENT_SUBMISSIONS: '1000000',
  });
});

afterAll(async () => {
  if (server && server.process.exitCode === null && server.process.signalCode === null) {
    server.process.kill('SIGKILL');
    await server.exited;
  }
  await database?.close();
  await testDatabase?.drop();
});

it('leaves every submission all or nothing, and keeps every acknowledged one', async () => {
  const auth = authSettings(TEST_JWT_SECRET);
  const acknowledged = new Map<number, number[]>();
  let failedInFlight = 0;
  let killed = false;

  const submitter = async (userId: number) => {
    const token = await signToken(auth, { sub: userId });
    acknowledged.set(userId, []);
    while (!killed) {
      try {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: SUBMIT,
            variables: {
              id: globalId('Assessment', assessmentId),
              answers: [{ questionId: 'q1', optionIds: ['b'] }],
            },
          }),
        });
        const body = (await response.json()) as { data?: { submitAssessment: { attemptNumber: number } } };
        if (!body.data) throw new Error(`submission refused: ${JSON.stringify(body)}`);
        acknowledged.get(userId)!.push(body.data.submitAssessment.attemptNumber);
        const total = [...acknowledged.values()].reduce((sum, numbers) => sum + numbers.length, 0);
        if (total >= KILL_AFTER && !killed) {
          killed = true;
          server.process.kill('SIGKILL');
        }
      } catch (error) {
        if (!killed) throw error;
        failedInFlight += 1; // the connection died with the server
      }
    }
  };
  await Promise.all(Array.from({ length: USERS }, (_, i) => submitter(900_001 + i)));
  expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(failedInFlight).toBeGreaterThan(0); // the kill did land in the middle of submissions

  const attempts = await database.prisma.assessmentAttempt.findMany({ where: { assessmentId } });
  const progress = await database.prisma.userProgress.findMany();
  for (let i = 0; i < USERS; i += 1) {
    const userId = 900_001 + i;
    const attemptNumbers = attempts
      .filter((attempt) => attempt.userId === userId)
      .map((attempt) => {
        expect(attempt.submittedAt).not.toBeNull(); // one-step submissions: never an attempt left open
        return attempt.attemptNumber;
      })
      .sort((a, b) => a - b);
    const scores = (progress.find((row) => row.userId === userId)?.testScores ?? []) as {
      assessmentId: number;
      attemptNumber: number;
    }[];
    const scoredNumbers = scores.map((entry) => entry.attemptNumber).sort((a, b) => a - b);
    // All or nothing: each attempt has exactly its score entry, and no score entry lacks its attempt.
    expect(scoredNumbers).toEqual(attemptNumbers);
    // No gaps either, and nothing acknowledged is missing.
    expect(attemptNumbers).toEqual(Array.from({ length: attemptNumbers.length }, (_, n) => n + 1));
    expect(attemptNumbers).toEqual(expect.arrayContaining(acknowledged.get(userId)!));
  }
  expect(attempts.length).toBeGreaterThanOrEqual(KILL_AFTER);
});
