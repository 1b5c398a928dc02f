import { GraphQLError } from 'graphql';

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

/** How a client-facing error names a row: the GraphQL layer names them by global id (src/graphql/errors.ts). */
export type NameRow = (typename: string, id: number) => string;

/** Rows named by their row id: how a domain error reads before the GraphQL layer presents it. */
export const byRowId: NameRow = (_typename, id) => String(id);

/**
 * A domain error: its message and extensions are safe to show to clients. `extensions.http.status` is plain
 * data that Apollo reads as the HTTP status and src/graphql/errors.ts strips from what clients see.
 */
export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    const status = httpStatusOf[code];
    super(message, { extensions: { code, ...(status ? { http: { status } } : {}), ...extensions } });
  }

  /**
   * This error as a client sees it when rows are named by `nameRow`. Services know rows by row id only, so an
   * error whose message or extensions name rows is raised naming them byRowId and overrides this to name them
   * again; every other error is already what the client sees.
   */
  namingRowsBy(_nameRow: NameRow): DomainError {
    return this;
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

/**
 * Too many requests: `retryAfter` (seconds) tells when to try again; over HTTP also 429, and the Retry-After
 * header that src/graphql/errors.ts adds (the header map is Apollo's, which this layer does not know).
 */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfter: number,
    message = `Too many requests; try again in ${retryAfter} s`,
  ) {
    super('RATE_LIMITED', message, { retryAfter });
  }
}

/**
 * How many offending fields one error reports, and how long each path and problem may be: a request with
 * thousands of bad entries (or a 20,000-character JSON key) gets an answer far smaller than itself. The
 * message repeats only the first few; `omittedFields` counts what was left out.
 */
export const MAX_REPORTED_FIELDS = 20;
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
