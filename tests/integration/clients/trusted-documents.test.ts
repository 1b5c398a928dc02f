import type { Client } from 'graphql-ws';
import {
  ChatMessageAddedDocument,
  PublicCatalogDocument,
  SendChatMessageDocument,
  StartChatSessionDocument,
  ViewerDocument,
} from '../../generated/graphql.js';
import { globalId } from '../../helpers/factories.js';
import { admin, learner } from '../../helpers/factories.js';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { connectSocket, type TestSocket } from '../../helpers/ws-client.js';
import { coach } from '../chat/fixtures.js';
import { codesOf, documentIdOf, getGraphQL, manifestTextOf, persistedQueryOf, postGraphQL } from './requests.js';

/**
 * TRUSTED_DOCUMENTS_ONLY in production: the manifest's documents run by id (GraphQL over HTTP's documentId,
 * or Apollo's persistedQuery hash) over HTTP and WebSocket; any other document is refused before it is even
 * parsed, except for admins (TRUSTED_DOCUMENTS_ALLOW_ADMINS).
 */

let server: TestServer;
let user: TestUser;
const sockets: TestSocket[] = [];
const variables = { first: 3 };
const UNLISTED = '{ courses(first: 1) { totalCount } }';

beforeAll(async () => {
  server = await startTestServer({
    seed: true,
    env: { NODE_ENV: 'production', TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS_ALLOW_ADMINS: 'true' },
  });
  user = await learner(server.database.prisma);
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await server?.close();
});

describe('over HTTP', () => {
  it('runs a manifest document by documentId, on POST and on a cacheable GET', async () => {
    const documentId = documentIdOf(PublicCatalogDocument);
    expect(documentId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const posted = await postGraphQL(server.url, { documentId, variables });
    expect(posted.body.errors).toBeUndefined();
    expect(posted.body.data?.courses).toBeDefined();
    const got = await getGraphQL(server.url, { documentId, variables });
    expect(got.body).toEqual(posted.body);
    expect(got.headers.get('cache-control')).toBe('max-age=60, public');
  });

  it("runs a manifest document by Apollo's persistedQuery hash (the bare hex)", async () => {
    const sha256Hash = documentIdOf(PublicCatalogDocument).slice('sha256:'.length);
    const response = await getGraphQL(server.url, {
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash } },
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.courses).toBeDefined();
  });

  it('runs a manifest document sent as its text (a client that does not send ids yet)', async () => {
    // Byte for byte the manifest's text (codegen's compact print), not graphql-js's print of it.
    const response = await postGraphQL(server.url, { query: manifestTextOf(PublicCatalogDocument), variables });
    expect(response.body.errors).toBeUndefined();
    const reformatted = await postGraphQL(server.url, { query: PublicCatalogDocument, variables });
    expect(codesOf(reformatted)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });

  it('refuses any other document with PERSISTED_QUERY_NOT_IN_LIST, before parsing it', async () => {
    for (const query of [UNLISTED, '{ not graphql at all']) {
      const response = await postGraphQL(server.url, { query });
      expect(response.status).toBe(400);
      expect(codesOf(response)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
      expect(response.body.data).toBeUndefined();
    }
  });

  it('refuses an id outside the manifest with PERSISTED_QUERY_NOT_FOUND, and an APQ registration of a free document', async () => {
    const unknown = await postGraphQL(server.url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(codesOf(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const extensions = persistedQueryOf(UNLISTED);
    expect(codesOf(await postGraphQL(server.url, { query: UNLISTED, extensions }))).toEqual([
      'PERSISTED_QUERY_NOT_IN_LIST',
    ]);
    expect(codesOf(await getGraphQL(server.url, { extensions }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('refuses an id that is no sha256 hash with BAD_REQUEST, without repeating it', async () => {
    for (const documentId of ['sha256:' + 'x'.repeat(10_000), 'sha256:' + 'A'.repeat(64), '']) {
      const response = await postGraphQL(server.url, { documentId });
      expect(response.status).toBe(400);
      expect(codesOf(response)).toEqual(['BAD_REQUEST']);
      expect(JSON.stringify(response.body)).not.toContain('x'.repeat(100));
    }
  });

  it('lets admins send free documents when configured, and learners not', async () => {
    const asAdmin = await postGraphQL(server.url, { query: UNLISTED, token: await server.token(admin) });
    expect(asAdmin.body.errors).toBeUndefined();
    expect(asAdmin.body.data).toEqual({ courses: { totalCount: expect.any(Number) } });
    const asLearner = await postGraphQL(server.url, { query: UNLISTED, token: await server.token(user) });
    expect(codesOf(asLearner)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });
});

/** A chat session of the user with one message, through the manifest's mutations (by id). */
async function startSessionWithAMessage(as: TestUser): Promise<string> {
  const token = await server.token(as);
  const characterId = globalId('Character', (await coach(server.database.prisma)).id);
  const started = await postGraphQL(server.url, {
    documentId: documentIdOf(StartChatSessionDocument),
    variables: { characterId },
    token,
  });
  const sessionId = (started.body.data?.startChatSession as { id: string }).id;
  const sent = await postGraphQL(server.url, {
    documentId: documentIdOf(SendChatMessageDocument),
    variables: { sessionId, content: 'What are pot odds?' },
    token,
  });
  expect(sent.body.errors).toBeUndefined();
  return sessionId;
}

/** The first thing a subscribe gets: its first result, or the errors it was refused with. */
function firstOutcome(client: Client, payload: Parameters<Client['subscribe']>[0]) {
  return new Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>((resolve) => {
    const unsubscribe = client.subscribe(payload, {
      next: (result) => {
        unsubscribe();
        resolve(result as { data?: unknown });
      },
      error: (errors) => resolve({ errors: errors as { extensions?: { code?: string } }[] }),
      complete: () => undefined,
    });
  });
}

describe('over WebSocket', () => {
  it('refuses a subscription outside the manifest and runs one by id', async () => {
    const sessionId = await startSessionWithAMessage(user);
    const socket = connectSocket(server.wsUrl, await server.token(user));
    sockets.push(socket);

    const unlisted = await firstOutcome(socket.client, {
      query: 'subscription ($s: ID!) { chatMessageAdded(sessionId: $s) { seq } }',
      variables: { s: sessionId },
    });
    expect(unlisted.errors?.map((error) => error.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const unknown = await firstOutcome(socket.client, {
      query: '',
      extensions: { documentId: `sha256:${'1'.repeat(64)}` },
    });
    expect(unknown.errors?.map((error) => error.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const byId = await firstOutcome(socket.client, {
      query: '',
      variables: { sessionId, afterSeq: 0 },
      extensions: { documentId: documentIdOf(ChatMessageAddedDocument) },
    });
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toMatchObject({ chatMessageAdded: { seq: 1 } });
  });
});

describe('with the mode off (the default)', () => {
  let open: TestServer;
  afterAll(async () => open?.close());

  it('runs free documents and manifest ids alike', async () => {
    open = await startTestServer({ testDatabase: server.testDatabase });
    expect((await postGraphQL(open.url, { query: UNLISTED })).body.errors).toBeUndefined();
    const byId = await postGraphQL(open.url, { documentId: documentIdOf(ViewerDocument) });
    expect(byId.body).toEqual({ data: { viewer: null } });
  });
});
