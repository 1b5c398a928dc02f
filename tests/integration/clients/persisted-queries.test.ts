import { randomBytes } from 'node:crypto';
import { PublicCatalogDocument } from '../../generated/graphql.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { codesOf, getGraphQL, persistedQueryOf, postGraphQL } from './requests.js';

/**
 * Automatic persisted queries behind a load balancer: two instances share Redis (a key prefix of this file's
 * own), so a hash that a client registered on one is answered by the other, which never saw the document.
 */

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** How long the other instance may take to see a registration (Apollo stores it without waiting). */
const REGISTRATION_DEADLINE_MS = 5000;

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const env = { REDIS_URL: REDIS, REDIS_KEY_PREFIX: `dz-apq-${randomBytes(4).toString('hex')}:` };
  a = await startTestServer({ seed: true, env });
  b = await startTestServer({ env, testDatabase: a.testDatabase });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

const variables = { first: 3 };

async function untilRegistered(server: TestServer, extensions: Record<string, unknown>) {
  const deadline = Date.now() + REGISTRATION_DEADLINE_MS;
  for (;;) {
    const response = await getGraphQL(server.url, { variables, extensions });
    if (!codesOf(response).includes('PERSISTED_QUERY_NOT_FOUND') || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('answers on one instance a hash registered on the other', async () => {
  const extensions = persistedQueryOf(PublicCatalogDocument);
  // Unknown everywhere at first: the client must send the document once.
  const unknown = await getGraphQL(b.url, { variables, extensions });
  expect(codesOf(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

  const registered = await postGraphQL(a.url, { query: PublicCatalogDocument, variables, extensions });
  expect(registered.body.errors).toBeUndefined();

  const byHash = await untilRegistered(b, extensions);
  expect(byHash.status).toBe(200);
  expect(byHash.body.errors).toBeUndefined();
  expect(byHash.body.data).toEqual(registered.body.data);
});

it('refuses a hash that does not match the document sent with it', async () => {
  const response = await postGraphQL(a.url, {
    query: '{ courses(first: 1) { totalCount } }',
    extensions: persistedQueryOf('{ characters { totalCount } }'),
  });
  expect(response.status).toBe(400);
  expect(codesOf(response)).toEqual(['BAD_REQUEST']);
  expect(response.body.errors?.[0]?.message).toMatch(/does not match/);
});

describe('without Redis', () => {
  let single: TestServer;
  afterAll(async () => single?.close());

  it('keeps registrations in memory on the instance', async () => {
    single = await startTestServer({ testDatabase: a.testDatabase });
    const extensions = persistedQueryOf(PublicCatalogDocument);
    await postGraphQL(single.url, { query: PublicCatalogDocument, variables, extensions });
    const byHash = await getGraphQL(single.url, { variables, extensions });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data?.courses).toBeDefined();
  });
});
