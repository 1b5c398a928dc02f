import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  isAbstractType,
  Kind,
  parse,
  print,
  separateOperations,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type OperationDefinitionNode,
} from 'graphql';
import { errorCodes, startTestServer, type TestServer } from '../../helpers/server.js';
import { admin } from '../../helpers/factories.js';
import { sampleValue } from '../../helpers/samples.js';
import { schema } from '../../../src/graphql/schema.js';
import { costError } from '../../../src/graphql/plugins/cost.js';
import { messageCodes, messageErrors, openSocket, subscribeOnce, type RawSocket } from './socket.js';

/**
 * Every protection of issue 6 against costly documents, with the production defaults: the operations the
 * clients use (tests/operations/*.graphql) pass on HTTP and WebSocket, and each kind of abuse is refused
 * as a client error, on both transports.
 */

const LIMIT_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'];
/** graphql-js's wording for variables that fail coercion ("... was not provided", "... got invalid value"). */
const VARIABLE_COERCION = /^Variable "\$\w+"/;

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

/**
 * The named type of the field each variable is an argument of (the first such field), an abstract type (the
 * Node of `node(id:)`) replaced by one of its object types: what the variable's ids must be ids of.
 */
function argumentOwners(document: DocumentNode): Map<string, string> {
  const owners = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Variable(node) {
        const field = typeInfo.getFieldDef();
        if (!field || owners.has(node.name.value)) return;
        const type = getNamedType(field.type);
        owners.set(node.name.value, isAbstractType(type) ? schema.getPossibleTypes(type)[0]!.name : type.name);
      },
    }),
  );
  return owners;
}

/**
 * Each operation of tests/operations on its own, as a client sends it, with every page size at the maximum and
 * every required variable filled with a value that passes coercion (so the cost is computed with them).
 */
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
          const owners = argumentOwners(document);
          const variables = (operation.variableDefinitions ?? []).flatMap((definition): [string, unknown][] => {
            const variable = definition.variable.name.value;
            if (variable === 'first' || variable === 'last') return [[variable, 100]];
            if (definition.type.kind !== Kind.NON_NULL_TYPE) return [];
            const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
            if (!type) throw new Error(`${file} ${name}: $${variable} has a type the schema does not have`);
            return [[variable, sampleValue(type, variable, owners.get(variable) ?? '')]];
          });
          return {
            name: `${file} ${name}`,
            query: print(document),
            type: operation.operation,
            variables: Object.fromEntries(variables),
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

  it.each(operations.map((op) => [op.name, op]))(
    '%s has its cost computed with its variables (not skipped as unreadable)',
    (_name, { query, variables }) => {
      const document = parse(query);
      // With a limit of 0 any computed cost is refused; an operation whose variables the rule cannot read
      // would get no error at all.
      const error = costError(schema, document, { variableValues: variables, operationName: null, maxCost: 0 });
      expect(error?.extensions.cost).toEqual(expect.any(Number));
      expect(error?.extensions.cost).toBeGreaterThan(0);
    },
  );

  it.each(operations.filter((operation) => operation.type !== 'subscription').map((op) => [op.name, op]))(
    '%s passes the limits over HTTP',
    async (_name, { query, variables }) => {
      const response = await server.graphql(query, variables, { as: admin });
      expect((response.body.errors ?? []).map((error) => error.message)).not.toContainEqual(
        expect.stringMatching(VARIABLE_COERCION),
      );
      expect(errorCodes(response).filter((code) => LIMIT_CODES.includes(String(code)))).toEqual([]);
    },
  );

  it.each(operations.filter((operation) => operation.type === 'subscription').map((op) => [op.name, op]))(
    '%s passes the limits over WebSocket',
    async (_name, { query, variables }) => {
      const message = await subscribe(query, variables);
      expect(messageErrors(message).map((error) => error.message)).not.toContainEqual(
        expect.stringMatching(VARIABLE_COERCION),
      );
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
    // Verdicts are remembered per document and variables: asked again, each keeps its own.
    expect(errorCodes(await server.graphql(query, { first: 100 }, { as: admin }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(errorCodes(await server.graphql(query, { first: 1 }, { as: admin }))).toEqual([]);
  });

  it('keeps one verdict for every value of a variable the cost does not read, and none from variables that do not coerce', async () => {
    const query = `query($first: Int, $search: String) { courses(first: $first, filter: { search: $search }) {
      edges { node { prerequisites { prerequisites { prerequisites { id } } } } } } }`;
    const codes = async (variables: Record<string, unknown>) =>
      errorCodes(await server.graphql(query, variables, { as: admin }));
    // A variable that does not coerce first: had its pass been remembered, the costly page below would pass too.
    expect(await codes({ first: 100, search: 42 })).toEqual(['BAD_USER_INPUT']);
    expect(await codes({ first: 100, search: 'a' })).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await codes({ first: 100, search: 'b' })).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await codes({ first: 1, search: 'b' })).toEqual([]);
    expect(await codes({ first: 100, search: 'c' })).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses a request whose arguments the cost cannot read, and remembers no verdict from it', async () => {
    // A nullable variable with a default may stand for a non-null argument; an explicit null then cannot be read.
    const query = `query($first: Int, $id: ID = "Q291cnNlOjE=") { node(id: $id) { id } courses(first: $first) {
      edges { node { prerequisites { prerequisites { prerequisites { id } } } } } } }`;
    // Refused whole: execution would fail `node` and run the costly page beside it.
    const unreadable = await server.graphql(query, { first: 100, id: null }, { as: admin });
    expect(unreadable.status).toBe(400);
    expect(errorCodes(unreadable)).toEqual(['BAD_USER_INPUT']);
    expect(unreadable.body.errors?.[0]?.message).toMatch(/Argument "id"/);
    expect(errorCodes(await server.graphql(query, { first: 100, id: 'Q291cnNlOjE=' }, { as: admin }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
  });

  it('tells page sizes apart in a variable named $__proto__', async () => {
    const query = `query($__proto__: Int) { courses(first: $__proto__) {
      edges { node { prerequisites { prerequisites { prerequisites { id } } } } } } }`;
    const variables = (size: number) => JSON.parse(`{"__proto__": ${size}}`) as Record<string, unknown>;
    expect(errorCodes(await server.graphql(query, variables(1), { as: admin }))).toEqual([]);
    expect(errorCodes(await server.graphql(query, variables(100), { as: admin }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
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
