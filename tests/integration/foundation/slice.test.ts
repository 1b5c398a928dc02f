import { request as httpRequest } from 'node:http';
import pg from 'pg';
import type { DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { authSettings, signToken } from '../../../src/auth/token.js';
import { MAX_BODY_BYTES } from '../../../src/http/graphql-handler.js';
import {
  CatalogPageDocument,
  CharacterByIdDocument,
  CharacterPersonalityDocument,
  CharactersDocument,
  CourseByIdDocument,
  NodeByIdDocument,
  NodesByIdsDocument,
  ViewerDocument,
} from '../../generated/graphql.js';
import { createCharacter, createCourse, globalId, validPersonality } from '../../helpers/factories.js';
import { errorCodes, startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { waitForBlockedBackends } from '../../helpers/database.js';

/**
 * The first slice of the schema end to end: the catalog, coaches, node lookups and the viewer, the same
 * through Apollo's executeOperation (in process) and through real HTTP, plus the HTTP edges of the app.
 */

const LEARNER: TestUser = { id: 501, role: 'learner', name: 'Lea Learner', email: 'lea@example.com' };
const OTHER_LEARNER: TestUser = { id: 502, role: 'learner', name: 'Otto Other' };
const ADMIN: TestUser = { id: 900, role: 'admin', name: 'Ada Admin' };

let server: TestServer;
const activeCourses: number[] = [];
let inactiveCourse: number;
let activeCharacter: number;
let inactiveCharacter: number;

beforeAll(async () => {
  server = await startTestServer();
  const { prisma } = server.database;
  for (const level of ['beginner', 'intermediate', 'advanced', 'beginner', 'advanced']) {
    activeCourses.push((await createCourse(prisma, { level })).id);
  }
  inactiveCourse = (await createCourse(prisma, { title: 'Retired course', isActive: false })).id;
  activeCharacter = (await createCharacter(prisma)).id;
  inactiveCharacter = (await createCharacter(prisma, { isActive: false })).id;
});

afterAll(async () => {
  await server?.close();
});

interface Result<TData> {
  data?: TData | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] }[];
}

type Transport = <TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  as?: TestUser,
) => Promise<Result<TData>>;

/** Over real HTTP with a signed token. */
const overHttp: Transport = async (document, variables, as) => (await server.graphql(document, variables, { as })).body;

/** In process: the viewer comes from the app's own authenticate (token -> provisioned user). */
const inProcess: Transport = async (document, variables, as) => {
  const viewer = as ? await server.app.authenticate(`Bearer ${await server.token(as)}`) : null;
  const contextValue = server.app.contextFor(viewer, 'slice-test');
  const response = await server.app.graphql.apollo.executeOperation<never>(
    { query: document as DocumentNode, variables },
    { contextValue },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as Result<never>;
};

const codes = (result: Result<unknown>) => (result.errors ?? []).map((error) => error.extensions?.code);
const courseId = (id: number) => globalId('Course', id);

describe.each([
  ['executeOperation', inProcess],
  ['HTTP', overHttp],
])('through %s', (_transport, run) => {
  it('pages through the catalog with first/after, pageInfo and totalCount', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const pages: { size: number; hasNextPage: boolean; totalCount: number }[] = [];
    const page = (cursor: string | null) => run(CatalogPageDocument, { first: 2, after: cursor }, LEARNER);
    do {
      const { data, errors } = await page(after);
      expect(errors).toBeUndefined();
      const connection = data!.courses;
      seen.push(...connection.edges.map((edge) => edge.node.id));
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      pages.push({
        size: connection.edges.length,
        hasNextPage: connection.pageInfo.hasNextPage,
        totalCount: connection.totalCount,
      });
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toEqual([
      { size: 2, hasNextPage: true, totalCount: 5 },
      { size: 2, hasNextPage: true, totalCount: 5 },
      { size: 1, hasNextPage: false, totalCount: 5 },
    ]);
    expect(seen).toEqual(activeCourses.map(courseId));
  });

  it('refuses first: 101 with BAD_USER_INPUT naming the argument', async () => {
    const { data, errors } = await run(CatalogPageDocument, { first: 101 }, LEARNER);
    expect(data).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { first: expect.any(String) } });
  });

  it('never shows learners an inactive course: not in the list, not by course(id), not by node(id)', async () => {
    const all = await run(CatalogPageDocument, { first: 100 }, LEARNER);
    expect(all.data!.courses.edges.map((edge) => edge.node.id)).toEqual(activeCourses.map(courseId));
    // Asking for inactive courses does not help a learner (whether they get nothing or the active ones).
    const asked = await run(CatalogPageDocument, { first: 100, filter: { isActive: false } }, LEARNER);
    expect(asked.data!.courses.edges.map((edge) => edge.node.isActive)).not.toContain(false);
    expect((await run(CourseByIdDocument, { id: courseId(inactiveCourse) }, LEARNER)).data).toEqual({ course: null });
    expect((await run(NodeByIdDocument, { id: courseId(inactiveCourse) }, LEARNER)).data).toEqual({ node: null });
    expect(
      (await run(NodesByIdsDocument, { ids: [courseId(inactiveCourse), courseId(activeCourses[0]!)] }, LEARNER)).data,
    ).toEqual({ nodes: [null, expect.objectContaining({ __typename: 'Course', id: courseId(activeCourses[0]!) })] });
    expect((await run(CourseByIdDocument, { id: courseId(inactiveCourse) })).data).toEqual({ course: null });
  });

  it('shows admins inactive courses when they ask for them', async () => {
    const { data } = await run(CatalogPageDocument, { first: 100, filter: { isActive: false } }, ADMIN);
    expect(data!.courses.edges.map((edge) => edge.node.id)).toEqual([courseId(inactiveCourse)]);
    expect(data!.courses.totalCount).toBe(1);
    const byId = await run(CourseByIdDocument, { id: courseId(inactiveCourse) }, ADMIN);
    expect(byId.data!.course).toMatchObject({ id: courseId(inactiveCourse), title: 'Retired course' });
    const node = await run(NodeByIdDocument, { id: courseId(inactiveCourse) }, ADMIN);
    expect(node.data!.node).toEqual({ __typename: 'Course', id: courseId(inactiveCourse), title: 'Retired course' });
  });

  it('lists active coaches to everyone and hides inactive ones from learners', async () => {
    const { data } = await run(CharactersDocument, { first: 10 });
    expect(data!.characters.edges.map((edge) => edge.node.id)).toEqual([globalId('Character', activeCharacter)]);
    expect(data!.characters.totalCount).toBe(1);
    const id = globalId('Character', inactiveCharacter);
    expect((await run(CharacterByIdDocument, { id }, LEARNER)).data).toEqual({ character: null });
    expect((await run(CharacterByIdDocument, { id }, ADMIN)).data!.character).toMatchObject({ id, isActive: false });
  });

  it('keeps personalityConfig from learners (FORBIDDEN) and shows it to admins', async () => {
    const id = globalId('Character', activeCharacter);
    const learner = await run(CharacterPersonalityDocument, { id }, LEARNER);
    expect(codes(learner)).toEqual(['FORBIDDEN']);
    expect(learner.errors![0]!.path).toEqual(['character', 'personalityConfig']);
    expect(learner.data).toEqual({ character: { id, personalityConfig: null } });
    const admin = await run(CharacterPersonalityDocument, { id }, ADMIN);
    expect(admin.errors).toBeUndefined();
    expect(admin.data).toEqual({ character: { id, personalityConfig: validPersonality } });
  });

  it('answers viewer with null for anonymous requests and with the token’s user otherwise', async () => {
    expect(await run(ViewerDocument)).toEqual({ data: { viewer: null } });
    expect((await run(ViewerDocument, {}, LEARNER)).data).toEqual({
      viewer: { id: globalId('User', LEARNER.id), displayName: LEARNER.name, email: LEARNER.email, role: 'LEARNER' },
    });
  });

  it("resolves node() of another learner's account to null, of one's own to the account", async () => {
    const other = globalId('User', OTHER_LEARNER.id);
    await run(ViewerDocument, {}, OTHER_LEARNER);
    expect((await run(NodeByIdDocument, { id: other }, LEARNER)).data).toEqual({ node: null });
    expect((await run(NodeByIdDocument, { id: other }, OTHER_LEARNER)).data).toEqual({
      node: { __typename: 'User', id: other, displayName: OTHER_LEARNER.name },
    });
    expect((await run(NodeByIdDocument, { id: other }, ADMIN)).data!.node).toMatchObject({ id: other });
  });
});

describe('just-in-time provisioning of users from token claims', () => {
  const userRow = (id: number) => server.database.prisma.user.findUnique({ where: { id } });

  it('creates the users row from the claims on the first request', async () => {
    const user: TestUser = { id: 601, role: 'learner', name: 'Nina New', email: 'nina@example.com' };
    expect(await userRow(601)).toBeNull();
    await server.graphql(ViewerDocument, {}, { as: user });
    expect(await userRow(601)).toMatchObject({
      id: 601,
      displayName: 'Nina New',
      email: 'nina@example.com',
      role: 'learner',
    });
  });

  it('refreshes the row when the claims change, and leaves it alone while they do not', async () => {
    const before: TestUser = { id: 602, role: 'learner', name: 'Pat Before', email: 'pat@example.com' };
    await server.graphql(ViewerDocument, {}, { as: before });
    const created = await userRow(602);
    await server.graphql(ViewerDocument, {}, { as: before });
    expect((await userRow(602))!.updatedAt).toEqual(created!.updatedAt);

    const after: TestUser = { id: 602, role: 'admin', name: 'Pat After', email: 'pat@new.example.com' };
    const response = await server.graphql(ViewerDocument, {}, { as: after });
    expect(response.body.data!.viewer).toMatchObject({ displayName: 'Pat After', role: 'ADMIN' });
    expect(await userRow(602)).toMatchObject({ displayName: 'Pat After', email: 'pat@new.example.com', role: 'admin' });
  });

  it('does not lock a user out when their email is held by another account', async () => {
    await server.graphql(ViewerDocument, {}, { as: { id: 603, name: 'First Holder', email: 'shared@example.com' } });
    const response = await server.graphql(
      ViewerDocument,
      {},
      {
        as: { id: 604, name: 'Second Claimant', email: 'shared@example.com' },
      },
    );
    expect(response.body.data!.viewer).toMatchObject({ displayName: 'Second Claimant', email: null });
    expect((await userRow(603))!.email).toBe('shared@example.com');
  });

  it('signs in a first-time user whose email another sign-in claims at the same moment, without the email', async () => {
    // The other sign-in's row is not committed yet, so the email looks free; our insert then waits on the
    // unique index and fails once the other commits: the user must still get in.
    const other = new pg.Client({ connectionString: server.testDatabase.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO users (id, email, display_name) VALUES (620, 'race@example.com', 'Holder')`);
      const signingIn = server.graphql(
        ViewerDocument,
        {},
        { as: { id: 621, name: 'Racer', email: 'race@example.com' } },
      );
      await waitForBlockedBackends(other, 1);
      await other.query('COMMIT');
      const response = await signingIn;
      expect(response.status).toBe(200);
      expect(response.body.data!.viewer).toMatchObject({ displayName: 'Racer', email: null });
    } finally {
      await other.end();
    }
  });

  it('signs in a user whose token carries a malformed email, without the email', async () => {
    const token = await signToken(server.app.auth, { sub: 617, name: 'Odd Mail', email: 'not-an-email' });
    const response = await server.graphql(ViewerDocument, {}, { token });
    expect(response.status).toBe(200);
    expect(response.body.data!.viewer).toMatchObject({ displayName: 'Odd Mail', email: null });
  });
});

describe('authentication over HTTP', () => {
  it.each([
    ['a token signed with another secret', () => signToken(authSettings('x'.repeat(40)), { sub: 1 })],
    ['an expired token', () => server.token(LEARNER, -60)],
    ['garbage', async () => 'not-a-jwt'],
    ['a token whose sub is not a user id', () => signToken(server.app.auth, { sub: 0 })],
  ])('answers %s with UNAUTHENTICATED and HTTP 401', async (_what, makeToken) => {
    const response = await server.graphql(ViewerDocument, {}, { token: await makeToken() });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('says when the token has expired', async () => {
    const response = await server.graphql(ViewerDocument, {}, { token: await server.token(LEARNER, -60) });
    expect(response.body.errors![0]!.message).toMatch(/expired/i);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await server.graphql(ViewerDocument, {}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('HTTP endpoints', () => {
  const origin = () => new URL(server.url).origin;

  it('serves Apollo Sandbox to browsers that GET /graphql outside production', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/sandbox/i);
  });

  it('answers /healthz and /readyz with 200 while the database is up', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${origin()}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  it('refuses a request body over the limit with 413 before parsing it', async () => {
    const query = `{ viewer { id } } # ${'x'.repeat(MAX_BODY_BYTES)}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('refuses an oversized chunked body (no content-length) with 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        server.url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          response.resume();
          resolve(response.statusCode!);
        },
      );
      request.on('error', reject);
      const chunk = 'x'.repeat(16 * 1024);
      for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) request.write(chunk);
      request.end();
    });
    expect(status).toBe(413);
  });

  it('answers an unknown path with 404', async () => {
    expect((await fetch(`${origin()}/nope`)).status).toBe(404);
  });

  it('answers /readyz with 503 once the database is gone, and /healthz still with 200', async () => {
    const doomed = await startTestServer();
    try {
      const doomedOrigin = new URL(doomed.url).origin;
      expect((await fetch(`${doomedOrigin}/readyz`)).status).toBe(200);
      await doomed.testDatabase.drop();
      expect((await fetch(`${doomedOrigin}/readyz`)).status).toBe(503);
      expect((await fetch(`${doomedOrigin}/healthz`)).status).toBe(200);
    } finally {
      await doomed.close();
    }
  });
});
