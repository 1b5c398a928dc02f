import {
  GraphQLError,
  TypeInfo,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isListType,
  isScalarType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import type { Context } from '../context.js';
import { UserInputError } from '../../platform/errors.js';
import { connectionCursors } from '../pagination.js';
import { rememberedVerdicts } from './verdicts.js';

/**
 * The bounds every argument value keeps, whatever field it is given to, checked once per operation with its
 * variables before any resolver runs (HTTP and WebSocket alike). Each domain's own rules (a title's 255
 * characters, a course's 20 tags) are tighter and live with the domain; these hold where no domain rule
 * reaches: inside JSON values, on ids, on cursors, on lists a domain forgot.
 */
export interface InputLimits {
  maxStringLength: number;
  maxListLength: number;
  maxJsonDepth: number;
  maxJsonBytes: number;
}

/** A lone UTF-16 surrogate: PostgreSQL would store U+FFFD instead, so what is read back is not what was sent. */
const LONE_SURROGATE = /\p{Cs}/u;
/** The largest magnitude a JSON number keeps exactly through JavaScript and back (2^53 - 1). */
const MAX_JSON_NUMBER = Number.MAX_SAFE_INTEGER;

type Issues = Record<string, string>;

/** What is wrong with a text value, wherever it occurs (an argument, an input field, a JSON key or string). */
function textProblem(text: string, maxLength: number): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode text (it holds a lone UTF-16 surrogate)';
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (text.length > maxLength) return `must be at most ${maxLength} characters`;
  return undefined;
}

function checkJson(value: unknown, path: string, depth: number, limits: InputLimits, issues: Issues): void {
  if (typeof value === 'string') {
    const problem = textProblem(value, limits.maxStringLength);
    if (problem) issues[path] = problem;
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) issues[path] = 'must be a finite number';
    else if (Math.abs(value) > MAX_JSON_NUMBER)
      issues[path] = `must be between -${MAX_JSON_NUMBER} and ${MAX_JSON_NUMBER}`;
  } else if (value !== null && typeof value === 'object') {
    if (depth >= limits.maxJsonDepth) {
      issues[path] = `must not nest deeper than ${limits.maxJsonDepth} levels`;
      return;
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxListLength) issues[path] = `must hold at most ${limits.maxListLength} items`;
      else value.forEach((item, index) => checkJson(item, `${path}.${index}`, depth + 1, limits, issues));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = key === '__proto__' ? 'is not allowed as a key' : textProblem(key, limits.maxStringLength);
      if (keyProblem) issues[`${path}.${key}`] = `key ${keyProblem}`;
      else checkJson(item, `${path}.${key}`, depth + 1, limits, issues);
    }
  }
}

/** Checks one coerced argument or input field value against its GraphQL input type. */
function checkValue(value: unknown, type: GraphQLInputType, path: string, limits: InputLimits, issues: Issues): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = value as unknown[];
    if (items.length > limits.maxListLength) {
      issues[path] = `must hold at most ${limits.maxListLength} items`;
      return;
    }
    items.forEach((item, index) => checkValue(item, nullable.ofType, `${path}.${index}`, limits, issues));
  } else if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      if (field) checkValue(item, field.type, `${path}.${name}`, limits, issues);
    }
  } else if (isScalarType(nullable)) {
    if (nullable.name === 'JSON') {
      const before = Object.keys(issues).length;
      checkJson(value, path, 0, limits, issues);
      // Serialized only once its depth is known to be bounded (JSON.stringify recurses).
      const wellFormed = Object.keys(issues).length === before;
      if (wellFormed && Buffer.byteLength(JSON.stringify(value)) > limits.maxJsonBytes) {
        issues[path] = `must be at most ${limits.maxJsonBytes} bytes as JSON`;
      }
    } else if (typeof value === 'string') {
      const problem = textProblem(value, limits.maxStringLength);
      if (problem) issues[path] = problem;
    } else if (typeof value === 'number' && !Number.isFinite(value)) {
      // graphql-js reads a Float literal such as 1e309 as Infinity without complaint.
      issues[path] = 'must be a finite number';
    }
  }
}

/** A cursor given to a connection must be one that connection issues (see connectionCursors). */
function cursorProblem(connection: string, cursor: string): string | undefined {
  const shape = connectionCursors[connection];
  let decoded: unknown;
  try {
    decoded = parsePrismaCursor(cursor);
  } catch {
    return 'is not a cursor of this list';
  }
  return shape?.safeParse(decoded).success ? undefined : 'is not a cursor of this list';
}

/**
 * The argument values of the operation that break a bound, as BAD_USER_INPUT naming each one by argument path
 * (`input.tags.3`, `filter.anyTags`, `after`). Variables that do not coerce are left to execution, which
 * names them with graphql-js's own words.
 */
export function inputError(
  schema: GraphQLSchema,
  document: DocumentNode,
  {
    variableValues,
    operationName,
    limits,
  }: {
    variableValues: Record<string, unknown> | undefined;
    operationName: string | null | undefined;
    limits: InputLimits;
  },
): UserInputError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  // One error is enough to know that execution will refuse the variables (and name them); more would cost.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}, {
    maxErrors: 1,
  });
  if (coerced.errors) return undefined;
  const variables = coerced.coerced;
  const issues: Issues = {};
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Fragments are visited where they are defined: all are used by the operation (graphql-js's validation).
      OperationDefinition: (node) => (node === operation ? undefined : false),
      Field: (node) => {
        const field = typeInfo.getFieldDef();
        if (!field || field.args.length === 0) return;
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(field, node, variables);
        } catch {
          return; // an argument that does not coerce: execution refuses it by name
        }
        for (const arg of field.args) checkValue(args[arg.name], arg.type, arg.name, limits, issues);
        const connection = getNamedType(field.type).name;
        for (const name of ['after', 'before'] as const) {
          const cursor = args[name];
          if (typeof cursor === 'string' && !issues[name]) {
            const problem = cursorProblem(connection, cursor);
            if (problem) issues[name] = problem;
          }
        }
      },
    }),
  );
  return Object.keys(issues).length > 0 ? new UserInputError(issues) : undefined;
}

/**
 * Every connection of the schema must say what its cursors hold, so that a forged cursor is refused by name
 * instead of reaching Prisma: checked when the server starts, so a new connection cannot be forgotten.
 */
export function assertCursorsKnown(schema: GraphQLSchema): void {
  const unknown = Object.values(schema.getTypeMap())
    .filter((type) => type.name.endsWith('Connection') && !type.name.startsWith('__'))
    .filter((type) => !(type.name in connectionCursors))
    .map((type) => type.name);
  if (unknown.length > 0)
    throw new Error(`Connections without a cursor shape in connectionCursors: ${unknown.join(', ')}`);
}

/**
 * Refuses an HTTP operation whose arguments break a bound with BAD_USER_INPUT (400) before any resolver runs; the
 * verdict is remembered per document, operation and variables (./verdicts.ts): the walk of the document with its
 * types cost the catalog page ~80 us of CPU per request, a remembered verdict ~1 us.
 */
export function inputLimitPlugin(schema: GraphQLSchema, limits: InputLimits): ApolloServerPlugin<Context> {
  assertCursorsKnown(schema);
  const check = rememberedVerdicts((document, request) => inputError(schema, document, { ...request, limits }));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const error = check(document, { variableValues: request.variables, operationName: request.operationName });
          if (error) {
            throw new GraphQLError(error.message, {
              originalError: error,
              extensions: { ...error.extensions, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
