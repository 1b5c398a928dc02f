import fc from 'fast-check';
import { formatPrismaCursor } from '@pothos/plugin-prisma';
import {
  errorCodes,
  errorFields,
  startTestServer,
  UNLIMITED,
  type GraphQLResponse,
  type TestServer,
} from '../../helpers/server.js';
import { createCourse, globalId, validPersonality, admin } from '../../helpers/factories.js';
import { coach, learner, openSession, rowIdOf, storeHistory } from '../chat/fixtures.js';
import { openSocket, messageErrors, subscribeOnce } from './socket.js';

/**
 * Hostile argument values, as a careful attacker would send them, on every input path of their kind: cursors
 * the server did not issue, JSON too deep or with numbers JavaScript cannot keep, ill-formed strings, numbers
 * that break what is derived from them, lists without end. Each is BAD_USER_INPUT naming the argument path,
 * never INTERNAL_SERVER_ERROR, and what is accepted is stored as it was sent.
 */

const FUZZ_RUNS = 25;
let server: TestServer;
let viewer: { id: number; role: 'learner' };
let sessionId: string;
let otherSessionId: string;

beforeAll(async () => {
  server = await startTestServer({ env: UNLIMITED });
  const prisma = server.database.prisma;
  await createCourse(prisma, { title: 'Cursor course' });
  viewer = await learner(prisma);
  const character = await coach(prisma);
  sessionId = await openSession(server, viewer, character.id);
  otherSessionId = await openSession(server, viewer, character.id);
  await storeHistory(prisma, sessionId, 3);
  await storeHistory(prisma, otherSessionId, 3);
});

afterAll(async () => {
  await server?.close();
});

/** POSTs a body as written, for what JSON.stringify cannot write (1e309). */
async function rawGraphQL(body: string, as = admin): Promise<GraphQLResponse<unknown>> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(as)}` },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

function expectRefused(response: GraphQLResponse<unknown>, fields: Record<string, unknown>) {
  expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  expect(errorFields(response)).toEqual(fields);
}

const cursorOf = (text: string) => Buffer.from(text).toString('base64');

describe('cursors the server did not issue', () => {
  /** Every connection of the schema, with a selection that pages it with $after or $before. */
  const connections = [
    { name: 'courses', query: 'query ($c: String) { courses(first: 2, after: $c) { totalCount } }' },
    { name: 'courses backwards', query: 'query ($c: String) { courses(last: 2, before: $c) { totalCount } }' },
    { name: 'characters', query: 'query ($c: String) { characters(first: 2, after: $c) { totalCount } }' },
    {
      name: 'viewer.chatSessions',
      query: 'query ($c: String) { viewer { chatSessions(first: 2, after: $c) { totalCount } } }',
    },
    {
      name: 'viewer.progress',
      query: 'query ($c: String) { viewer { progress(first: 2, after: $c) { totalCount } } }',
    },
    {
      name: 'chatSession.messages',
      query: `query ($c: String) { chatSession(id: "SESSION") { messages(last: 2, before: $c) { edges { cursor } } } }`,
    },
  ];
  const forged = [
    cursorOf('GPC:S:abc'),
    cursorOf('GPC:N:1e+21'),
    cursorOf('GPC:N:-1'),
    cursorOf('GPC:N:1.5'),
    cursorOf('GPC:O:{"id":1}'),
    cursorOf('GPC:J:[1,"x"]'),
    cursorOf('GPC:Z:'),
    formatPrismaCursor({ sessionId: 1, seq: 1 }, ['sessionId', 'seq']),
    formatPrismaCursor({ id: 1 }, 'id'),
    'not base64 at all \uD800',
  ];

  it.each(connections)('refuses forged cursors on $name as BAD_USER_INPUT on the argument', async ({ query }) => {
    const document = query.replace('SESSION', sessionId);
    const argument = query.includes('before') ? 'before' : 'after';
    for (const cursor of forged) {
      const response = await server.graphql(document, { c: cursor }, { as: viewer });
      // A forged cursor that happens to have this connection's shape is a valid position: it pages normally.
      if (!response.body.errors) continue;
      expect([cursor, errorCodes(response)]).toEqual([cursor, ['BAD_USER_INPUT']]);
      expect(Object.keys(errorFields(response) as object)).toEqual([argument]);
    }
  });

  it('refuses a message cursor of another session, well-formed as it is', async () => {
    const other = await server.graphql(
      'query ($id: ID!) { chatSession(id: $id) { messages(first: 1) { edges { cursor } } } }',
      { id: otherSessionId },
      { as: viewer },
    );
    const cursor = (other.body.data as { chatSession: { messages: { edges: { cursor: string }[] } } }).chatSession
      .messages.edges[0]!.cursor;
    const response = await server.graphql(
      'query ($id: ID!, $c: String) { chatSession(id: $id) { messages(first: 1, after: $c) { edges { cursor } } } }',
      { id: sessionId, c: cursor },
      { as: viewer },
    );
    expectRefused(response, { after: 'is not a cursor of this list' });
  });

  it('refuses a course cursor on messages and a message cursor on courses', async () => {
    const messages = await server.graphql(
      'query ($id: ID!, $c: String) { chatSession(id: $id) { messages(first: 1, after: $c) { totalCount } } }',
      { id: sessionId, c: formatPrismaCursor({ id: 1 }, 'id') },
      { as: viewer },
    );
    expectRefused(messages, { after: 'is not a cursor of this list' });
    const courses = await server.graphql('query ($c: String) { courses(after: $c) { totalCount } }', {
      c: formatPrismaCursor({ sessionId: rowIdOf(sessionId), seq: 1 }, ['sessionId', 'seq']),
    });
    expectRefused(courses, { after: 'is not a cursor of this list' });
  });

  it('answers any cursor-shaped text with a page or BAD_USER_INPUT, never an internal error (property)', async () => {
    const chunk = fc.oneof(
      fc.string().map((text) => `S:${text}`),
      fc.double().map((value) => `N:${value}`),
      fc.bigInt().map((value) => `I:${value}`),
      fc.jsonValue().map((value) => `J:${JSON.stringify(value)}`),
      fc.jsonValue().map((value) => `O:${JSON.stringify(value)}`),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(chunk, fc.constantFrom(...connections), async (text, { query }) => {
        const response = await server.graphql(
          query.replace('SESSION', sessionId),
          { c: cursorOf(`GPC:${text}`) },
          { as: viewer },
        );
        expect(response.status).toBeLessThan(500);
        for (const code of errorCodes(response)) expect(code).toBe('BAD_USER_INPUT');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

const CREATE_CHARACTER = `mutation ($input: CharacterInput!) { createCharacter(input: $input) { id personalityConfig } }`;
let characterCount = 0;
const characterInput = (personalityConfig: unknown) => ({
  name: `input_coach_${(characterCount += 1)}`,
  displayName: 'Input Coach',
  personalityConfig,
  specialization: 'Testing',
  skillLevel: 'BEGINNER',
  conversationStyle: 'FRIENDLY',
});

describe('remembered verdicts', () => {
  it('judges each variables of one document by their own values, asked again and again', async () => {
    const query = 'query ($search: String) { courses(filter: { search: $search }) { totalCount } }';
    const refused = { search: 'a\u0000b' };
    const accepted = { search: 'ab' };
    for (const round of [1, 2]) {
      expectRefused(await server.graphql(query, refused), { 'filter.search': 'must not contain NUL characters' });
      expect({ round, codes: errorCodes(await server.graphql(query, accepted)) }).toEqual({ round, codes: [] });
    }
  });
});

describe('JSON inputs', () => {
  it('refuses nesting deeper than the bound (it overflowed the query serializer) naming the path', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const response = await rawGraphQL(
      JSON.stringify({ query: CREATE_CHARACTER, variables: { input: characterInput(validPersonality) } }).replace(
        '"tone":"warm"',
        `"tone":"warm","deep":${deep}`,
      ),
    );
    expectRefused(response, {
      [`input.personalityConfig.deep${'.0'.repeat(9)}`]: 'must not nest deeper than 10 levels',
    });
  });

  it('refuses numbers that are not finite (1e309 parses as Infinity) in a JSON variable and a JSON literal', async () => {
    const variables = await rawGraphQL(
      `{"query": ${JSON.stringify(CREATE_CHARACTER)}, "variables": {"input": ${JSON.stringify(
        characterInput(validPersonality),
      ).replace('"temperature":0.7', '"temperature":0.7,"big":1e309')}}}`,
    );
    expectRefused(variables, { 'input.personalityConfig.big': 'must be a finite number' });
    const literal = await server.graphql(
      `mutation { updateAssessment(id: "QXNzZXNzbWVudDox", input: { scoringConfig: { weights: { q1: 1e309 } } }) { id } }`,
      undefined,
      { as: admin },
    );
    expectRefused(literal, { 'input.scoringConfig.weights.q1': 'must be a finite number' });
  });

  it('refuses JSON larger than the bound, and a __proto__ key that would be lost on the way in', async () => {
    const big = await server.graphql(
      CREATE_CHARACTER,
      { input: characterInput({ ...validPersonality, notes: Array.from({ length: 100 }, () => 'x'.repeat(400)) }) },
      { as: admin },
    );
    expectRefused(big, { 'input.personalityConfig': 'must be at most 32768 bytes as JSON' });
    const proto = await rawGraphQL(
      JSON.stringify({ query: CREATE_CHARACTER, variables: { input: characterInput(validPersonality) } }).replace(
        '"tone":"warm"',
        '"tone":"warm","__proto__":{"polluted":true}',
      ),
    );
    expectRefused(proto, { 'input.personalityConfig.__proto__': 'key is not allowed as a key' });
  });

  it('stores what was sent: any JSON within the bounds reads back equal, numbers JavaScript cannot keep are refused (property)', async () => {
    /** True when the value holds a number past 2^53 or a __proto__ key: refused rather than stored changed. */
    const unkeepable = (value: unknown): boolean =>
      typeof value === 'number'
        ? Math.abs(value) > Number.MAX_SAFE_INTEGER
        : value !== null && typeof value === 'object'
          ? Object.entries(value).some(([key, item]) => key === '__proto__' || unkeepable(item))
          : false;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (extra) => {
        // What the client sends is what JSON.stringify writes (-0 becomes 0).
        const sent = JSON.parse(JSON.stringify({ ...validPersonality, extra })) as Record<string, unknown>;
        const response = await server.graphql(CREATE_CHARACTER, { input: characterInput(sent) }, { as: admin });
        if (unkeepable(sent)) {
          expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
          return;
        }
        expect(response.body.errors).toBeUndefined();
        const stored = (response.body.data as { createCharacter: { personalityConfig: unknown } }).createCharacter;
        expect(stored.personalityConfig).toEqual(sent);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('strings', () => {
  const LONE = ['\uD800', 'a\uDC00b', 'tail\uDBFF'];

  it.each([
    {
      name: 'a filter argument',
      query: 'query ($s: String) { courses(filter: { search: $s }) { totalCount } }',
      variables: (s: string) => ({ s }),
      field: 'filter.search',
    },
    {
      name: 'a list item of a filter',
      query: 'query ($s: String!) { courses(filter: { anyTags: ["ok", $s] }) { totalCount } }',
      variables: (s: string) => ({ s }),
      field: 'filter.anyTags.1',
    },
    {
      name: 'an input object field',
      query: 'mutation ($s: String!) { createCourse(input: { title: $s, level: BEGINNER }) { id } }',
      variables: (s: string) => ({ s }),
      field: 'input.title',
    },
    {
      name: 'a JSON string',
      query: CREATE_CHARACTER,
      variables: (s: string) => ({ input: characterInput({ ...validPersonality, tone: s }) }),
      field: 'input.personalityConfig.tone',
    },
    {
      name: 'a JSON key',
      query: CREATE_CHARACTER,
      variables: (s: string) => ({ input: characterInput({ ...validPersonality, [s]: 1 }) }),
      field: (s: string) => `input.personalityConfig.${s}`,
    },
    {
      name: 'an id',
      query: 'query ($s: ID!) { node(id: $s) { id } }',
      variables: (s: string) => ({ s }),
      field: 'id',
    },
  ])(
    'refuses lone surrogates in $name, naming it (they were stored as U+FFFD)',
    async ({ query, variables, field }) => {
      for (const lone of LONE) {
        const response = await server.graphql(query, variables(lone), { as: admin });
        expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
        const name = typeof field === 'function' ? field(lone) : field;
        expect(Object.keys(errorFields(response) as object)).toEqual([expect.stringContaining(name.slice(0, 20))]);
      }
    },
  );

  it('refuses a chat message with a lone surrogate, and stores any well-formed one as sent (property)', async () => {
    const refused = await server.graphql(
      'mutation ($id: ID!, $c: String!) { sendChatMessage(sessionId: $id, content: $c) { content } }',
      { id: sessionId, c: 'pot odds \uD83C' },
      { as: viewer },
    );
    expectRefused(refused, {
      content: 'is not well-formed Unicode text (it holds a lone UTF-16 surrogate)',
    });
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
          .filter((text) => text.trim() === text && text.length > 0 && !text.includes('\u0000')),
        async (text) => {
          const response = await server.graphql(
            CREATE_CHARACTER,
            { input: characterInput({ ...validPersonality, tone: text }) },
            { as: admin },
          );
          expect(response.body.errors).toBeUndefined();
          const stored = (response.body.data as { createCharacter: { personalityConfig: { tone: string } } })
            .createCharacter.personalityConfig.tone;
          expect(stored).toBe(text);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('refuses a string longer than any field takes before it reaches a resolver', async () => {
    const response = await server.graphql('query ($s: ID!) { node(id: $s) { id } }', { s: 'x'.repeat(20_001) });
    expectRefused(response, { id: 'must be at most 20000 characters' });
  });

  it('applies the same bounds on WebSocket subscriptions', async () => {
    const socket = await openSocket(server.wsUrl);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${await server.token(viewer)}` } });
    await socket.next();
    const message = await subscribeOnce(socket, '1', {
      query: 'subscription ($id: ID!) { chatMessageAdded(sessionId: $id) { seq } }',
      variables: { id: `${sessionId}\uD800` },
    });
    socket.close();
    expect(messageErrors(message)).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields: { sessionId: expect.any(String) } }),
      }),
    ]);
  });
});

describe('numbers', () => {
  it('refuses a Float literal that graphql-js reads as Infinity', async () => {
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(
      `mutation { recordProgress(courseId: "${globalId('Course', course.id)}", input: { completionRate: 1e309 }) { completionRate } }`,
      undefined,
      { as: viewer },
    );
    expectRefused(response, { 'input.completionRate': 'must be a finite number' });
  });

  it('refuses a question worth 1e308 points, after which every correct answer failed with "breaks a data rule"', async () => {
    const course = await createCourse(server.database.prisma);
    const response = await server.graphql(
      `mutation ($input: AssessmentInput!) { createAssessment(input: $input) { id } }`,
      {
        input: {
          courseId: globalId('Course', course.id),
          title: 'Huge points',
          difficulty: 'BEGINNER',
          questions: [{ id: 'q1', type: 'NUMERIC', prompt: 'How many?', points: 1e308, answer: { value: 1e300 } }],
          scoringConfig: { weights: { q1: 1e6 } },
        },
      },
      { as: admin },
    );
    expectRefused(response, {
      'input.questions.0.points': 'must be at most 1000',
      'input.questions.0.answer.value': 'must be between -1000000000000 and 1000000000000',
      'input.scoringConfig.weights.q1': 'must be at most 1000',
    });
  });

  it('keeps the running study time storable: it stops at the column maximum instead of failing', async () => {
    const course = await createCourse(server.database.prisma);
    const record = () =>
      server.graphql(
        'mutation ($id: ID!) { recordProgress(courseId: $id, input: { studyMinutes: 1440 }) { studyTimeMinutes } }',
        { id: globalId('Course', course.id) },
        { as: viewer },
      );
    await record();
    await server.database.prisma.userProgress.updateMany({
      where: { userId: viewer.id, courseId: course.id },
      data: { studyTimeMinutes: 2_147_483_000 },
    });
    const response = await record();
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ recordProgress: { studyTimeMinutes: 2_147_483_647 } });
  });
});

describe('lists', () => {
  it('refuses more tags than a course may carry (10,000 were stored on one course)', async () => {
    const tags = Array.from({ length: 21 }, (_, index) => `tag${index}`);
    const response = await server.graphql(
      'mutation ($tags: [String!]) { createCourse(input: { title: "Many tags", level: BEGINNER, tags: $tags }) { id } }',
      { tags },
      { as: admin },
    );
    expectRefused(response, { 'input.tags': 'must hold at most 20 tags' });
  });

  it('refuses an anonymous filter of 10,000 tags before it costs the database anything', async () => {
    const tags = Array.from({ length: 10_000 }, (_, index) => `t${index}`);
    const response = await server.graphql(
      'query ($tags: [String!]) { courses(filter: { tags: $tags }) { totalCount } }',
      {
        tags,
      },
    );
    expectRefused(response, { 'filter.tags': 'must hold at most 200 items' });
    const some = await server.graphql(
      'query ($tags: [String!]) { courses(filter: { anyTags: $tags }) { totalCount } }',
      {
        tags: tags.slice(0, 21),
      },
    );
    expectRefused(some, { 'filter.anyTags': 'must hold at most 20 tags' });
  });

  it('bounds every list argument, nodes(ids:) too', async () => {
    const ids = Array.from({ length: 201 }, (_, index) => globalId('Course', index + 1));
    const response = await server.graphql('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expectRefused(response, { ids: 'must hold at most 200 items' });
  });
});

describe('error size', () => {
  it('reports at most 20 fields of thousands of bad entries, each once, in an answer smaller than the request', async () => {
    const tags = Array.from({ length: 200 }, (_, index) => `${'x'.repeat(100)}${index}\uD800`);
    const body = JSON.stringify({
      query: 'query ($tags: [String!]) { courses(filter: { tags: $tags }) { totalCount } }',
      variables: { tags },
    });
    const response = await rawGraphQL(body);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    const error = response.body.errors![0]!;
    expect(Object.keys(error.extensions!.fields as object)).toHaveLength(20);
    expect(error.extensions!.omittedFields).toBe(180);
    expect(error.message).toMatch(/\(and 197 more in extensions\.fields\)$/);
    expect(JSON.stringify(response.body).length).toBeLessThan(body.length / 4);
  });

  it('answers thousands of values that do not coerce with at most 20 errors, none of them internal', async () => {
    const ids = Array.from({ length: 5000 }, () => null);
    const body = JSON.stringify({ query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } });
    const response = await rawGraphQL(body);
    const errors = response.body.errors!;
    expect(errors.length).toBeLessThanOrEqual(20);
    expect(new Set(errorCodes(response))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(errors[errors.length - 1]!.extensions!.omittedErrors).toBeGreaterThan(0);
    expect(JSON.stringify(response.body).length).toBeLessThan(body.length);
  });
});
