import { types } from 'node:util';
import { Prisma } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, UserInputError, type DomainError } from '../errors.js';

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

function driverCause(error: Prisma.PrismaClientKnownRequestError): DriverAdapterCause | undefined {
  return (error.meta?.driverAdapterError as { cause?: DriverAdapterCause } | undefined)?.cause;
}

/** pg's DatabaseError (statements sent outside Prisma) carries the SQLSTATE as `code` and the name as `constraint`. */
function pgErrorFields(error: unknown): { code?: string; constraint?: string } {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    constraint: typeof constraint === 'string' ? constraint : undefined,
  };
}

/** The unique constraint a failed write collided with, from Prisma's error or pg's, if that is what failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    return error.code === 'P2002' ? driverCause(error)?.constraint?.index : undefined;
  }
  const { code, constraint } = pgErrorFields(error);
  return code === UNIQUE_VIOLATION ? constraint : undefined;
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
  const { code, constraint } = pgErrorFields(error);
  return code ? mapSqlState(code, constraint) : undefined;
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
 * What an error wraps: its cause, or the value graphql-js's NonErrorThrown holds, which is how it wraps an
 * error of another realm (node's own socket errors, as pg rethrows them, are one under a test runner's VM
 * sandbox: no `instanceof Error` there, hence isNativeError).
 */
function wrapped(error: Error): unknown {
  return error.cause ?? (error as { thrownValue?: unknown }).thrownValue;
}

/**
 * True when the database could not be reached or had no free connection: the client may retry, so the masked
 * error says so (still INTERNAL_SERVER_ERROR: nothing the client sent was wrong).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    types.isNativeError(current) && depth < 5;
    current = wrapped(current), depth += 1
  ) {
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
