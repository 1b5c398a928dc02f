import { randomBytes } from 'node:crypto';
import {
  PersonalCatalogDocument,
  PublicCatalogDocument,
  RecordProgressDocument,
  UpdateCourseDocument,
} from '../../generated/graphql.js';
import { admin, createCourse, globalId, learner } from '../../helpers/factories.js';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { getGraphQL, postGraphQL, type ClientResponse } from './requests.js';

/**
 * Cacheable public reads on two instances sharing Redis: anonymous catalog pages carry a public
 * Cache-Control on GET and are answered from the shared response cache (an `age` header says so); signed-in
 * viewers' pages never are, and never get a public header; an admin's edit on one instance is what the next
 * anonymous read on the other shows.
 */

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let a: TestServer;
let b: TestServer;
let first: TestUser;
let second: TestUser;
let startedCourseId: string;

beforeAll(async () => {
  const env = { REDIS_URL: REDIS, REDIS_KEY_PREFIX: `dz-reads-${randomBytes(4).toString('hex')}:` };
  a = await startTestServer({ seed: true, env });
  b = await startTestServer({ env, testDatabase: a.testDatabase });
  first = await learner(a.database.prisma);
  second = await learner(a.database.prisma);
  const catalog = await anonymousCatalog(a);
  startedCourseId = courseIds(catalog)[0]!;
  const progress = await a.graphql(
    RecordProgressDocument,
    { courseId: startedCourseId, input: { completionRate: 40 } },
    { as: first },
  );
  expect(progress.body.errors).toBeUndefined();
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

const variables = { first: 5 };

function anonymousCatalog(server: TestServer) {
  return getGraphQL(server.url, { query: PublicCatalogDocument, variables });
}

async function personalCatalog(server: TestServer, user: TestUser | null) {
  return getGraphQL(server.url, {
    query: PersonalCatalogDocument,
    variables,
    token: user ? await server.token(user) : undefined,
  });
}

type Edges = { edges: { node: Record<string, unknown> }[] };
function courseIds(response: ClientResponse): string[] {
  return (response.body.data?.courses as Edges).edges.map((edge) => edge.node.id as string);
}
function courseTitles(response: ClientResponse): string[] {
  return (response.body.data?.courses as Edges).edges.map((edge) => edge.node.title as string);
}
function progressOf(response: ClientResponse, courseId: string): unknown {
  return (response.body.data?.courses as Edges).edges.find((edge) => edge.node.id === courseId)?.node.viewerProgress;
}

it('sends anonymous catalog reads over GET as public, and answers the next from the shared cache', async () => {
  const miss = await anonymousCatalog(a);
  expect(miss.body.errors).toBeUndefined();
  expect(miss.headers.get('cache-control')).toBe('max-age=60, public');
  expect(miss.headers.get('vary')).toMatch(/authorization/);

  // The other instance: the response A cached (or this one did; either way it is not built again).
  const hit = await anonymousCatalog(b);
  expect(hit.headers.get('age')).not.toBeNull();
  expect(hit.headers.get('cache-control')).toBe('max-age=60, public');
  expect(hit.body).toEqual(miss.body);
});

it('sends no Cache-Control on POST, which no CDN caches', async () => {
  const response = await postGraphQL(a.url, { query: PublicCatalogDocument, variables });
  expect(response.body.errors).toBeUndefined();
  expect(response.headers.get('cache-control')).toBeNull();
});

it("never serves a learner's page from a shared cache, nor another learner's", async () => {
  for (let round = 0; round < 2; round += 1) {
    const [ofFirst, ofSecond, ofNobody] = [
      await personalCatalog(a, first),
      await personalCatalog(b, second),
      await personalCatalog(a, null),
    ];
    for (const response of [ofFirst, ofSecond, ofNobody]) {
      expect(response.body.errors).toBeUndefined();
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('age')).toBeNull();
    }
    expect(progressOf(ofFirst, startedCourseId)).toMatchObject({ completionRate: 40 });
    expect(progressOf(ofSecond, startedCourseId)).toBeNull();
    expect(progressOf(ofNobody, startedCourseId)).toBeNull();
  }
});

it("marks a signed-in learner's public read private and does not answer it from the cache", async () => {
  await anonymousCatalog(a); // cached for visitors
  const response = await getGraphQL(a.url, { query: PublicCatalogDocument, variables, token: await a.token(first) });
  expect(response.body.errors).toBeUndefined();
  expect(response.headers.get('cache-control')).toBe('max-age=60, private');
  expect(response.headers.get('age')).toBeNull();
});

it("keeps an admin's view (inactive courses too) out of every cache", async () => {
  const hidden = await createCourse(a.database.prisma, { title: 'Hidden draft', isActive: false });
  const asAdmin = await getGraphQL(a.url, {
    query: PublicCatalogDocument,
    variables: { first: 100 },
    token: await a.token(admin),
  });
  expect(asAdmin.headers.get('cache-control')).toBe('no-store');
  expect(courseIds(asAdmin)).toContain(globalId('Course', hidden.id));
  const asVisitor = await getGraphQL(b.url, { query: PublicCatalogDocument, variables: { first: 100 } });
  expect(courseIds(asVisitor)).not.toContain(globalId('Course', hidden.id));
});

it("shows an admin's edit on one instance in the next anonymous read on the other", async () => {
  const before = await anonymousCatalog(b);
  expect((await anonymousCatalog(b)).headers.get('age')).not.toBeNull();
  const [courseId] = courseIds(before);

  const edit = await a.graphql(
    UpdateCourseDocument,
    { id: courseId!, input: { title: `Renamed ${randomBytes(3).toString('hex')}` } },
    { as: admin },
  );
  expect(edit.body.errors).toBeUndefined();
  const after = await anonymousCatalog(b);
  expect(after.headers.get('age')).toBeNull();
  expect(courseTitles(after)[0]).toBe(edit.body.data?.updateCourse.title);
  expect((await anonymousCatalog(a)).headers.get('age')).not.toBeNull();
});

it('keeps the cache when a learner tries an admin mutation (refused, nothing changed)', async () => {
  await anonymousCatalog(a);
  const [courseId] = courseIds(await anonymousCatalog(a));
  const refused = await a.graphql(UpdateCourseDocument, { id: courseId!, input: { title: 'Mine now' } }, { as: first });
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect((await anonymousCatalog(b)).headers.get('age')).not.toBeNull();
});

describe('without Redis', () => {
  let single: TestServer;
  afterAll(async () => single?.close());

  it('caches anonymous reads in memory and drops them on an admin edit', async () => {
    single = await startTestServer({ testDatabase: a.testDatabase });
    await anonymousCatalog(single);
    const hit = await anonymousCatalog(single);
    expect(hit.headers.get('age')).not.toBeNull();
    const edit = await single.graphql(
      UpdateCourseDocument,
      { id: courseIds(hit)[0]!, input: { title: `Renamed ${randomBytes(3).toString('hex')}` } },
      { as: admin },
    );
    expect(edit.body.errors).toBeUndefined();
    const after = await anonymousCatalog(single);
    expect(after.headers.get('age')).toBeNull();
    expect(courseTitles(after)[0]).toBe(edit.body.data?.updateCourse.title);
  });
});
