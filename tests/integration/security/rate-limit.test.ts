import { randomInt } from 'node:crypto';
import { errorCodes, startTestServer, type GraphQLResponse, type TestServer } from '../../helpers/server.js';
import { coach, learner, openSession, send } from '../chat/fixtures.js';

/**
 * Mutations spend per-user budgets (per address when anonymous), submitAssessment and sendChatMessage from
 * stricter ones too: past a budget the whole operation is refused with RATE_LIMITED, a retry hint, 429 and
 * Retry-After. With REDIS_URL the budgets are shared by every instance; while Redis is away each instance
 * counts in memory instead of failing.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const limits = {
  RATE_LIMIT_WINDOW_SECONDS: '60',
  RATE_LIMIT_MUTATIONS: '4',
  RATE_LIMIT_ASSESSMENT_SUBMISSIONS: '2',
  RATE_LIMIT_CHAT_MESSAGES: '2',
};

const START = 'mutation Start { startCourse(courseId: "nope") { id } }';
const SUBMIT = 'mutation Submit { submitAssessment(assessmentId: "nope", answers: []) { id } }';

/** Users unknown to Redis: its counters outlive a test run by the window. */
const freshUser = () => ({ id: randomInt(1_000_000, 2_000_000_000) });

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: limits });
});

afterAll(async () => {
  await server?.close();
});

function expectRateLimited(response: GraphQLResponse<unknown>, windowSeconds = 60) {
  expect(response.status).toBe(429);
  expect(errorCodes(response)).toEqual(['RATE_LIMITED']);
  const retryAfter = response.body.errors?.[0]?.extensions?.retryAfter;
  expect(retryAfter).toEqual(expect.any(Number));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(response.headers.get('retry-after')).toBe(String(retryAfter));
  expect(response.body.data ?? null).toBeNull();
}

async function spend(target: TestServer, document: string, times: number, as?: { id: number }) {
  for (let i = 0; i < times; i += 1) {
    const response = await target.graphql(document, undefined, { as });
    expect(errorCodes(response)).not.toContain('RATE_LIMITED');
  }
}

describe('in memory', () => {
  it('refuses a user past the mutation budget, with a retry hint', async () => {
    const user = freshUser();
    await spend(server, START, 4, user);
    expectRateLimited(await server.graphql(START, undefined, { as: user }));
  });

  it('leaves other users, and queries, alone', async () => {
    const user = freshUser();
    await spend(server, START, 4, user);
    await spend(server, START, 1, freshUser());
    const query = await server.graphql('{ viewer { id } }', undefined, { as: user });
    expect(query.status).toBe(200);
    expect(query.body.errors).toBeUndefined();
  });

  it('gives submitAssessment a stricter budget of its own', async () => {
    const user = freshUser();
    await spend(server, SUBMIT, 2, user);
    expectRateLimited(await server.graphql(SUBMIT, undefined, { as: user }));
    // The general budget still has room for other mutations.
    await spend(server, START, 1, user);
  });

  it('gives sendChatMessage a stricter budget of its own', async () => {
    const user = await learner(server.database.prisma);
    const sessionId = await openSession(server, user, (await coach(server.database.prisma)).id);
    for (const content of ['Hi', 'What are pot odds?']) {
      expect(errorCodes(await send(server, user, sessionId, content))).toEqual([]);
    }
    expectRateLimited(await send(server, user, sessionId, 'And implied odds?'));
  });

  it('counts every aliased field of one operation', async () => {
    const user = freshUser();
    const threeSubmissions = `mutation { ${['a', 'b', 'c']
      .map((alias) => `${alias}: submitAssessment(assessmentId: "nope", answers: []) { id }`)
      .join(' ')} }`;
    expectRateLimited(await server.graphql(threeSubmissions, undefined, { as: user }));
  });

  it('counts anonymous requests by address', async () => {
    const anonymous = await startTestServer({ env: limits, testDatabase: server.testDatabase });
    try {
      await spend(anonymous, START, 4);
      expectRateLimited(await anonymous.graphql(START));
      // A signed-in user on the same address has a budget of their own.
      await spend(anonymous, START, 1, freshUser());
    } finally {
      await anonymous.close();
    }
  });
});

describe('with REDIS_URL', () => {
  it('shares one budget between instances: what A spent, B refuses', async () => {
    const a = await startTestServer({ env: { ...limits, REDIS_URL }, testDatabase: server.testDatabase });
    const b = await startTestServer({ env: { ...limits, REDIS_URL }, testDatabase: server.testDatabase });
    try {
      const user = freshUser();
      await spend(a, START, 2, user);
      await spend(b, START, 2, user);
      expectRateLimited(await a.graphql(START, undefined, { as: user }));
      expectRateLimited(await b.graphql(START, undefined, { as: user }));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps the budgets of deployments with different REDIS_KEY_PREFIX apart', async () => {
    const prefix = `dz-test-${process.pid}-${Date.now()}:`;
    const a = await startTestServer({
      env: { ...limits, REDIS_URL, REDIS_KEY_PREFIX: `${prefix}a:` },
      testDatabase: server.testDatabase,
    });
    const b = await startTestServer({
      env: { ...limits, REDIS_URL, REDIS_KEY_PREFIX: `${prefix}b:` },
      testDatabase: server.testDatabase,
    });
    try {
      const user = freshUser();
      await spend(a, START, 4, user);
      expectRateLimited(await a.graphql(START, undefined, { as: user }));
      await spend(b, START, 4, user);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('counts in memory while Redis cannot be reached, instead of failing mutations', async () => {
    const unreachable = await startTestServer({
      env: { ...limits, REDIS_URL: 'redis://127.0.0.1:1' },
      testDatabase: server.testDatabase,
    });
    try {
      const user = freshUser();
      await spend(unreachable, START, 4, user);
      expectRateLimited(await unreachable.graphql(START, undefined, { as: user }));
    } finally {
      await unreachable.close();
    }
  });
});
