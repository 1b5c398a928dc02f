import { GraphQLError, Kind, type FieldNode, type GraphQLFormattedError, type SelectionNode } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { PothosSchemaError, PothosValidationError } from '@pothos/core';
import { ZodError, type z } from 'zod';
import { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../platform/logger.js';

/** The codes of the public contract (`extensions.code`). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'ATTEMPTS_EXHAUSTED'
  | 'PREREQUISITES_NOT_MET'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
};

/** A domain error: its message and extensions are safe to show to clients. */
export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    const status = httpStatusOf[code];
    super(message, { extensions: { code, ...(status ? { http: { status } } : {}), ...extensions } });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Sign in to do this') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, fields?: Record<string, string>) {
    super('CONFLICT', message, fields ? { fields } : {});
  }
}

/** Too many requests: `retryAfter` (seconds) tells when to try again; over HTTP also 429 and Retry-After. */
export class RateLimitedError extends DomainError {
  constructor(retryAfter: number, message = `Too many requests; try again in ${retryAfter} s`) {
    super('RATE_LIMITED', message, {
      retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    });
  }
}

/**
 * How many offending fields one error reports, and how long each path and problem may be: a request with
 * thousands of bad entries (or a 20,000-character JSON key) gets an answer far smaller than itself. The
 * message repeats only the first few; `omittedFields` counts what was left out.
 */
const MAX_REPORTED_FIELDS = 20;
const MAX_FIELDS_IN_MESSAGE = 3;
const MAX_REPORTED_TEXT = 200;

const clip = (text: string) => (text.length > MAX_REPORTED_TEXT ? `${text.slice(0, MAX_REPORTED_TEXT - 1)}…` : text);

/** Bad input: `fields` maps each offending input path to what is wrong with it. */
export class UserInputError extends DomainError {
  constructor(fields: Record<string, string>, message?: string) {
    const entries = Object.entries(fields);
    const reported = entries.slice(0, MAX_REPORTED_FIELDS).map(([field, problem]) => [clip(field), clip(problem)]);
    const omitted = entries.length - reported.length;
    super('BAD_USER_INPUT', message ?? describeFields(reported, entries.length), {
      fields: Object.fromEntries(reported),
      ...(omitted > 0 ? { omittedFields: omitted } : {}),
    });
  }
}

function describeFields(reported: string[][], total: number): string {
  const listed = reported.slice(0, MAX_FIELDS_IN_MESSAGE).map(([field, problem]) => `${field}: ${problem}`);
  const more = total - listed.length;
  return `Invalid input: ${listed.join('; ')}${more > 0 ? ` (and ${more} more in extensions.fields)` : ''}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a finite number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  date: 'a date',
};

/**
 * The message of a zod issue that its schema did not word itself: zod's defaults ("Invalid input: expected
 * nonoptional, received undefined") name types and internals, not what the client should send.
 */
function issueMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.expected === 'nonoptional'
        ? 'is required'
        : issue.input === null
          ? 'must not be null'
          : `must be ${EXPECTED[issue.expected] ?? `of type ${issue.expected}`}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must hold at most ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`
        : issue.origin === 'array'
          ? `must hold at least ${issue.minimum} items`
          : `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `has keys this object does not take: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return 'is not valid here';
  }
}

/** Turns zod issues into field paths (prefixed with the argument name) and messages, one per path. */
function fieldsFromZod(error: ZodError, prefix?: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || 'input';
    fields[key] ??= issue.message;
  }
  return fields;
}

/** Parses with zod, raising BAD_USER_INPUT that names the offending fields in words of our own. */
export function parseInput<T>(
  schema: {
    safeParse(
      data: unknown,
      params?: { error?: z.core.$ZodErrorMap },
    ): { success: true; data: T } | { success: false; error: ZodError };
  },
  data: unknown,
  prefix?: string,
): T {
  const result = schema.safeParse(data, { error: issueMessage });
  if (!result.success) throw new UserInputError(fieldsFromZod(result.error, prefix));
  return result.data;
}

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const CHECK_VIOLATION = '23514';
const NOT_NULL_VIOLATION = '23502';
/** Data exceptions a client's value causes: a NUL byte in text, too long a string, a number out of range. */
const UNSTORABLE_VALUE = new Set(['22021', '22P05', '22001', '22003']);

/**
 * Unique constraints whose violation a client can cause, by name (see the migrations): the CONFLICT names the
 * mutation input field that collided. Any other unique violation is still a CONFLICT, without fields.
 */
const uniqueConstraints: Record<string, { message: string; fields: Record<string, string> }> = {
  courses_level_title_key: {
    message: 'A course with this title already exists at this level',
    fields: { 'input.title': 'is already used by another course of this level (ignoring case)' },
  },
  characters_name_key: {
    message: 'A character with this name already exists',
    fields: { 'input.name': 'is already used by another character' },
  },
};

function conflict(constraint: string | undefined): ConflictError {
  const known = constraint ? uniqueConstraints[constraint] : undefined;
  return known
    ? new ConflictError(known.message, known.fields)
    : new ConflictError('A record with these values already exists');
}

/** What @prisma/adapter-pg reports of the driver's error: its kind, the SQLSTATE, the constraint. */
interface DriverAdapterCause {
  kind?: string;
  originalCode?: string;
  constraint?: { index?: string };
}

export function driverCause(error: Prisma.PrismaClientKnownRequestError): DriverAdapterCause | undefined {
  return (error.meta?.driverAdapterError as { cause?: DriverAdapterCause } | undefined)?.cause;
}

/** Maps database failures that a client's input caused to domain errors; anything else is internal. */
export function mapDatabaseError(error: unknown): DomainError | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const cause = driverCause(error);
    if (error.code === 'P2002') return conflict(cause?.constraint?.index);
    if (error.code === 'P2003') return new UserInputError({ input: 'refers to a record that does not exist' });
    if (error.code === 'P2025') return new NotFoundError('Record');
    return cause?.originalCode ? mapSqlState(cause.originalCode, cause.constraint?.index) : undefined;
  }
  // pg's DatabaseError (raw queries outside Prisma) carries the SQLSTATE as `code` and the name as `constraint`.
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return typeof code === 'string'
    ? mapSqlState(code, typeof constraint === 'string' ? constraint : undefined)
    : undefined;
}

function mapSqlState(sqlState: string, constraint: string | undefined): DomainError | undefined {
  switch (sqlState) {
    case UNIQUE_VIOLATION:
      return conflict(constraint);
    case FOREIGN_KEY_VIOLATION:
      return new UserInputError({ input: 'refers to a record that does not exist' });
    case CHECK_VIOLATION:
    case NOT_NULL_VIOLATION:
      return new UserInputError({ input: 'breaks a data rule' });
    default:
      return UNSTORABLE_VALUE.has(sqlState)
        ? new UserInputError({
            input: 'holds a value the database cannot store (a NUL character, or too long or large)',
          })
        : undefined;
  }
}

/**
 * Pothos refuses malformed argument values itself, before our resolvers run: page sizes and cursors of
 * connections, and the global ids of `node`, `nodes` and `t.arg.globalID` arguments (garbage, another type's id,
 * a type that is not a node). Those are the client's mistakes: BAD_USER_INPUT naming the arguments of the failing
 * field that can carry such a value (ids follow the contract's naming: id, ids, *Id, *Ids).
 */
const GLOBAL_ID_REFUSAL =
  /^Invalid global ID: |^ID: .* is not of type: |has not been implemented$|does not support loading by id$/;
const CURSOR_REFUSAL = /^Invalid (offset )?cursor|^Expected compound cursor|^Cursor must be/;

function refusedArguments(message: string, given: string[]): Record<string, string> | undefined {
  // Never an empty map: BAD_USER_INPUT always names something (found by fuzzing a nested connection's pages).
  const fieldsFor = (names: string[], problem: string) =>
    Object.fromEntries(
      (names.length > 0 ? names : given.length > 0 ? given : ['input']).map((name) => [name, problem]),
    );
  if (/^Arguments? "/.test(message)) {
    const named = [...message.matchAll(/"(\w+)"/g)].map((match) => match[1]!);
    return fieldsFor(
      named.filter((name) => given.includes(name)),
      message,
    );
  }
  if (GLOBAL_ID_REFUSAL.test(message)) {
    return fieldsFor(
      given.filter((name) => /^(ids?|\w+Ids?)$/.test(name)),
      'is not a valid id of the expected type',
    );
  }
  if (CURSOR_REFUSAL.test(message)) {
    return fieldsFor(
      given.filter((name) => name === 'after' || name === 'before'),
      'is not a cursor of this list',
    );
  }
  return undefined;
}

function mapArgumentError(error: unknown, original: unknown): UserInputError | undefined {
  if (!(original instanceof PothosValidationError || original instanceof PothosSchemaError)) return undefined;
  const nodes = error instanceof GraphQLError ? (error.nodes ?? []) : [];
  const field = nodes.find((node): node is FieldNode => node.kind === Kind.FIELD);
  const fields = refusedArguments(original.message, field ? argumentNames(field) : []);
  return fields ? new UserInputError(fields) : undefined;
}

/**
 * The arguments of a field and of the fields selected below it: plugin-prisma reads a nested connection's
 * page arguments while resolving the parent (viewer { progress(first: ...) }), so its refusals arrive there.
 */
function argumentNames(field: FieldNode): string[] {
  const names = new Set((field.arguments ?? []).map((argument) => argument.name.value));
  const visit = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD)
        for (const argument of selection.arguments ?? []) names.add(argument.name.value);
      if ('selectionSet' in selection && selection.selectionSet) visit(selection.selectionSet.selections);
    }
  };
  visit(field.selectionSet?.selections ?? []);
  return [...names];
}

/** The request each error arose in: the masked error's requestId, which its log line carries too. */
const requestOfError = new WeakMap<object, string>();

/** Records the request an error arose in (Apollo's formatError is given the error, not the request). */
export function noteRequestOf(error: unknown, requestId: string): void {
  if (typeof error === 'object' && error !== null) requestOfError.set(error, requestId);
}

/** The request id noted for the error or for an error it wraps (Apollo wraps what a context function throws). */
export function requestIdOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const requestId = requestOfError.get(current);
    if (requestId) return requestId;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * The one place that decides what a client sees of an error: domain errors as they are, known database
 * failures as domain errors, everything else masked as INTERNAL_SERVER_ERROR with the request id, while
 * the log keeps the full error under the same id.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  { logger, requestId }: { logger: Logger; requestId?: string },
): GraphQLFormattedError {
  const original = rootCause(error);
  const domainError =
    original instanceof DomainError ? original : (mapDatabaseError(original) ?? mapArgumentError(error, original));
  if (domainError) {
    return {
      message: domainError.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: publicExtensions(domainError),
    };
  }
  // Apollo's and graphql-js's own client errors (parse, validation, variable coercion) carry a client code.
  const code = formatted.extensions?.code;
  // graphql-js ends variable coercion after 50 errors with one more error that carries no code.
  if (code === undefined && TOO_MANY_VARIABLE_ERRORS.test(formatted.message)) {
    return { message: formatted.message, extensions: { code: 'BAD_USER_INPUT' } };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  logger.error({ err: original, requestId, path: formatted.path }, 'internal error');
  return {
    message: isDatabaseUnavailable(original)
      ? 'Service temporarily unavailable; try again shortly'
      : 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

const TOO_MANY_VARIABLE_ERRORS = /^Too many errors processing variables/;

/**
 * At most MAX_REPORTED_FIELDS errors per response, each once (the same message at the same path is one error):
 * graphql-js reports up to 50 variable errors, each quoting the value, so that a request of thousands of bad
 * entries got an answer larger than itself. The last error kept says how many were left out.
 */
export function errorListCapPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const errors = response.body.singleResult.errors;
          const seen = new Set<string>();
          const distinct = errors.filter((error) => {
            const key = JSON.stringify([error.message, error.path]);
            return seen.has(key) ? false : (seen.add(key), true);
          });
          if (distinct.length <= MAX_REPORTED_FIELDS) {
            if (distinct.length < errors.length) response.body.singleResult.errors = distinct;
            return;
          }
          const kept = distinct.slice(0, MAX_REPORTED_FIELDS);
          const last = kept[kept.length - 1]!;
          kept[kept.length - 1] = {
            ...last,
            extensions: { ...last.extensions, omittedErrors: distinct.length - MAX_REPORTED_FIELDS },
          };
          response.body.singleResult.errors = kept;
        },
      };
    },
  };
}

/**
 * The error behind the wrappers: Apollo unwraps resolver errors, but graphql-ws wraps an error raised while a
 * subscription streams into a GraphQLError without a path, which must not hide a domain error.
 */
function rootCause(error: unknown): unknown {
  let current = unwrapResolverError(error);
  while (!(current instanceof DomainError) && current instanceof GraphQLError && current.originalError) {
    current = current.originalError;
  }
  return current;
}

/**
 * Prisma's codes and driver kinds, node's socket codes and the SQLSTATEs of a database that is away, full or
 * too slow (57014: a statement cancelled by statement_timeout).
 */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_DRIVER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08...|57014|57P0[123]|53300)$/;
/** pg's own messages for a dead connection or an exhausted pool, which carry no code. */
const UNAVAILABLE_MESSAGES = /^(timeout exceeded when trying to connect|Connection terminated)/;

/**
 * True when the database could not be reached or had no free connection: the client may retry, so the masked
 * error says so (still INTERNAL_SERVER_ERROR: nothing the client sent was wrong).
 */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      const cause = driverCause(current);
      if (
        UNAVAILABLE_PRISMA_CODES.has(current.code) ||
        (cause?.kind && UNAVAILABLE_DRIVER_KINDS.has(cause.kind)) ||
        (cause?.originalCode && UNAVAILABLE_CODES.test(cause.originalCode))
      ) {
        return true;
      }
    }
    const code = (current as { code?: unknown }).code;
    if ((typeof code === 'string' && UNAVAILABLE_CODES.test(code)) || UNAVAILABLE_MESSAGES.test(current.message)) {
      return true;
    }
  }
  return false;
}

/**
 * For a request that cannot start without the database (the token's user is provisioned first): HTTP 503 and
 * Retry-After instead of Apollo's 500, with the same masked INTERNAL_SERVER_ERROR and the same log.
 */
export function asServiceUnavailable(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  return new GraphQLError('Database unavailable', {
    originalError: error as Error,
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      http: { status: 503, headers: new HeaderMap([['retry-after', '1']]) },
    },
  });
}

function publicExtensions(error: GraphQLError): Record<string, unknown> {
  const { http: _http, ...rest } = error.extensions as Record<string, unknown>;
  return rest;
}
