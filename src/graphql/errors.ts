import { GraphQLError, Kind, type FieldNode, type GraphQLFormattedError, type SelectionNode } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { PothosSchemaError, PothosValidationError } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { DomainError, MAX_REPORTED_FIELDS, UserInputError, type RateLimitedError } from '../platform/errors.js';
import { isDatabaseUnavailable, mapDatabaseError } from '../platform/db/errors.js';
import type { Logger } from '../platform/logger.js';

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
 * The one place that decides what a client sees of an error: domain errors as they are (naming rows by global
 * id), known database failures as domain errors, everything else masked as INTERNAL_SERVER_ERROR with the
 * request id, while the log keeps the full error under the same id.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  { logger, requestId }: { logger: Logger; requestId?: string },
): GraphQLFormattedError {
  const original = rootCause(error);
  // Clients know rows by their global ids; services raise errors naming row ids.
  const domainError = (
    original instanceof DomainError ? original : (mapDatabaseError(original) ?? mapArgumentError(error, original))
  )?.namingRowsBy(encodeGlobalID);
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
  // Apollo's persisted-query refusals (a hash that is not the document's, an unknown version) carry no code
  // either, so Apollo calls them internal; they are Apollo's own GraphQLErrors, never a wrapped throw.
  const apolloRefusal = original instanceof GraphQLError && original.originalError == null;
  if (apolloRefusal && PERSISTED_QUERY_REFUSALS.has(formatted.message)) {
    return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
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
const PERSISTED_QUERY_REFUSALS = new Set(['provided sha does not match query', 'Unsupported persisted query version']);

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
 * For a request that cannot start without the database (the token's user is provisioned first): HTTP 503 and
 * Retry-After instead of Apollo's 500, with the same masked INTERNAL_SERVER_ERROR and the same log.
 */
export function asServiceUnavailable(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  return new GraphQLError('Database unavailable', {
    originalError: error as Error,
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      http: retryAfterHead(503, 1),
    },
  });
}

function publicExtensions(error: GraphQLError): Record<string, unknown> {
  const { http: _http, ...rest } = error.extensions as Record<string, unknown>;
  return rest;
}

/** Apollo's http extension of an answer that the client may retry after `seconds`. */
function retryAfterHead(status: number, seconds: number) {
  return { status, headers: new HeaderMap([['retry-after', String(seconds)]]) };
}

/** A rate limit's error as Apollo sends it over HTTP: 429 with the Retry-After its `retryAfter` holds. */
export function withRetryAfter(error: RateLimitedError): RateLimitedError {
  error.extensions.http = retryAfterHead(429, error.retryAfter);
  return error;
}
