import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, separateOperations, type OperationDefinitionNode } from 'graphql';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { messageCodes, openSocket, subscribeOnce, type RawSocket } from './socket.js';

/**
 * Every protection of issue 6 against costly documents, with the production defaults: the operations the
 * clients use (tests/operations/*.graphql) pass on HTTP and WebSocket, and each kind of abuse is refused
 * as a client error, on both transports.
 */

const admin = { id: 1, role: 'admin' as const };
const LIMIT_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'];

let server: TestServer;
let socket: RawSocket;
let subscriptionId = 0;

beforeAll(async () => {
  server = await startTestServer();
  socket = await openSocket(server.wsUrl);
  await socket.init({ authorization: `Bearer ${await server.token(admin)}` });
});

afterAll(async () => {
  socket?.close();
  await server?.close();
});

function subscribe(query: string, variables?: Record<string, unknown>) {
  subscriptionId += 1;
  return subscribeOnce(socket, String(subscriptionId), { query, variables });
}

/** Each operation of tests/operations on its own, as a client sends it, with every page size at the maximum. */
function clientOperations(): { name: string; query: string; type: string; variables: Record<string, unknown> }[] {
  const folder = path.resolve('tests/operations');
  return readdirSync(folder)
    .filter((file) => file.endsWith('.graphql'))
    .flatMap((file) =>
      Object.entries(separateOperations(parse(readFileSync(path.join(folder, file), 'utf8')))).map(
        ([name, document]) => {
          const operation = document.definitions.find(
            (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
          )!;
          const pageVariables = (operation.variableDefinitions ?? [])
            .map((definition) => definition.variable.name.value)
            .filter((variable) => variable === 'first' || variable === 'last');
          return {
            name: `${file} ${name}`,
            query: print(document),
            type: operation.operation,
            variables: Object.fromEntries(pageVariables.map((variable) => [variable, 100])),
          };
        },
      ),
    );
}

describe('the operations clients send', () => {
  const operations = clientOperations();

  it('are found', () => {
    expect(operations.length).toBeGreaterThan(5);
  });

  it.each(operations.filter((operation) => operation.type !== 'subscription').map((op) => [op.name, op]))(
    '%s passes the limits over HTTP',
    async (_name, { query, variables }) => {
      const response = await server.graphql(query, variables, { as: admin });
      expect(errorCodes(response).filter((code) => LIMIT_CODES.includes(String(code)))).toEqual([]);
    },
  );

  it.each(operations.filter((operation) => operation.type === 'subscription').map((op) => [op.name, op]))(
    '%s passes the limits over WebSocket',
    async (_name, { query, variables }) => {
      const message = await subscribe(query, variables);
      expect(messageCodes(message).filter((code) => [...LIMIT_CODES, 'BAD_REQUEST'].includes(String(code)))).toEqual(
        [],
      );
    },
  );
});

/** prerequisites { prerequisites { ... } } nested `levels` deep under a page of courses. */
function nestedPrerequisites(levels: number, page = 20): string {
  return `{ courses(first: ${page}) { edges { node { ${'prerequisites { '.repeat(levels)}id${' }'.repeat(levels)} } } } }`;
}

/** viewerProgress { course { ... } } nested `pairs` times: single objects all the way, so only depth grows. */
function nestedProgress(pairs: number): string {
  return `{ courses(first: 1) { edges { node { ${'viewerProgress { course { '.repeat(pairs)}id${' } }'.repeat(pairs)} } } } }`;
}

/** Abusive documents, what refuses each, and a document just inside the same limit (so the limit is the cause). */
const abuse = {
  depth: {
    refused: nestedProgress(4),
    within: nestedProgress(3),
    message: /depth limit of 10 exceeded/,
  },
  aliases: {
    refused: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
    within: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
    message: /Aliases limit of 20 exceeded/,
  },
  directives: {
    refused: `{ viewer { ${'__typename @include(if: true) '.repeat(21)} } }`,
    within: `{ viewer { ${'__typename @include(if: true) '.repeat(20)} } }`,
    message: /Directives limit of 20 exceeded/,
  },
  // 16 tokens around the list of tags, one token a tag: 2001 and 2000 tokens.
  tokens: {
    refused: `{ courses(filter: { tags: [${'"a" '.repeat(1985)}] }) { totalCount } }`,
    within: `{ courses(filter: { tags: [${'"a" '.repeat(1984)}] }) { totalCount } }`,
    message: /more that 2000 tokens/, // sic: graphql-js's wording
  },
  cost: {
    refused: nestedPrerequisites(3, 100),
    within: nestedPrerequisites(2, 20),
    message: /Operation cost \d+ exceeds the limit of 20000/,
  },
};

describe.each(Object.entries(abuse))('the %s limit', (_limit, { refused, within, message }) => {
  it('refuses over HTTP with 400 and a client code', async () => {
    const response = await server.graphql(refused, undefined, { as: admin });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual([expect.stringMatching(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/)]);
    expect(response.body.errors?.[0]?.message).toMatch(message);
  });

  it('lets a document just inside it through', async () => {
    const response = await server.graphql(within, undefined, { as: admin });
    expect(errorCodes(response).filter((code) => LIMIT_CODES.includes(String(code)))).toEqual([]);
  });

  it('refuses over WebSocket with the same error', async () => {
    const reply = await subscribe(refused);
    expect(reply.type).toBe('error');
    expect(messageCodes(reply)).toEqual([expect.stringMatching(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/)]);
    expect((reply.payload as { message: string }[])[0]?.message).toMatch(message);
  });
});

describe('fan-out abuse', () => {
  it('refuses 1000 aliases of one field before running any of them', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `c${i}: courses(first: 100) { totalCount }`).join(' ')} }`;
    const before = server.database.statementCount();
    const response = await server.graphql(query, undefined, { as: admin });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(server.database.statementCount() - before).toBeLessThanOrEqual(1); // the token's user row at most
  });

  it('counts a page size passed as a variable like a literal one', async () => {
    const query = `query($first: Int) { courses(first: $first) { edges { node { prerequisites { prerequisites { prerequisites { id } } } } } } }`;
    expect(errorCodes(await server.graphql(query, { first: 100 }, { as: admin }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(errorCodes(await server.graphql(query, { first: 1 }, { as: admin }))).toEqual([]);
  });

  it('counts a cost spread over fragments', async () => {
    const query = `query { courses(first: 100) { edges { node { ...Deep } } } }
      fragment Deep on Course { prerequisites { prerequisites { prerequisites { id } } } }`;
    const response = await server.graphql(query, undefined, { as: admin });
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('WebSocket serves subscriptions only', () => {
  it('refuses a query with BAD_REQUEST that points to HTTP', async () => {
    const reply = await subscribe('{ viewer { id } }');
    expect(reply.type).toBe('error');
    expect(messageCodes(reply)).toEqual(['BAD_REQUEST']);
    expect((reply.payload as { message: string }[])[0]?.message).toMatch(/over HTTP/);
  });

  it('refuses a mutation the same way, without running it', async () => {
    const reply = await subscribe('mutation { startCourse(courseId: "x") { id } }');
    expect(messageCodes(reply)).toEqual(['BAD_REQUEST']);
  });

  it('answers a syntax error with an error message instead of closing the socket', async () => {
    const reply = await subscribe('subscription {');
    expect(messageCodes(reply)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });
});
