import {
  BREAK,
  GraphQLError,
  Kind,
  TypeInfo,
  getVariableValues,
  locatedError,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { trace } from '@opentelemetry/api';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { Logger } from '../../platform/logger.js';
import type { Context } from '../context.js';

/**
 * Whether the document selects a field that resolves from plugin-prisma's loader mappings: its relations (and
 * fields with a `select`) find the rows their parent's query preloaded by the identity of graphql-js's
 * `info.path` objects, which graphql-jit builds anew for every resolver call. Compiled, such a field misses the
 * preloaded rows and loads its relation again for every row (the learner dashboard: 11 statements, not 7).
 */
export function readsPrismaLoaderMappings(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let reads = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        if (!typeInfo.getFieldDef()?.extensions?.pothosPrismaSelect) return undefined;
        reads = true;
        return BREAK;
      },
    }),
  );
  return reads;
}

// graphql-instrumentation's execute span is graphql-js's; compiled queries get one of their own.
const tracer = trace.getTracer('dezhoumama-api');

/** The project's formatError for one request (errors.ts), as Apollo calls it with the error it formats. */
type FormatError = (formatted: GraphQLFormattedError, error: unknown, requestId: string) => GraphQLFormattedError;

/**
 * Answers queries with graphql-jit's compiled execution instead of graphql-js's, from Apollo's
 * responseForOperation: Apollo has parsed, validated and admitted the operation (every plugin before this one
 * has seen it, the response cache's hits among them) and still sends the response through willSendResponse.
 * Each document and operation compiles once, on its first request, into a bounded LRU. Variables are coerced
 * by graphql-js first: when they do not fit, Apollo executes the operation itself, so that their errors are
 * graphql-js's and Apollo's (nothing has run yet). Execution errors are formatted here as Apollo formats those
 * of its own execution (executionErrors), since it formats no response a plugin gives.
 *
 * On graphql-js run mutations (serial, with side effects), subscriptions sent over HTTP, documents that read
 * plugin-prisma's loader mappings (readsPrismaLoaderMappings), and what graphql-jit cannot compile (logged once
 * per document).
 *
 * Not Apollo's gateway executor, the interface made for this: under it even graphql-js's own execute promoted
 * 3.1-3.4 MB to the old generation per scavenge against 0.2 MB (the context object Apollo builds for a gateway
 * per request; a smaller one did not), which cost more CPU than compiling saved.
 */
export function compiledQueriesPlugin(
  schema: GraphQLSchema,
  { logger, maxOperations, formatError }: { logger: Logger; maxOperations: number; formatError: FormatError },
): ApolloServerPlugin<Context> {
  // 'interpreted': the operation runs on graphql-js.
  const compiled = new LRUCache<string, CompiledQuery['query'] | 'interpreted'>({ max: maxOperations });
  const compile = (document: DocumentNode, operation: OperationDefinitionNode, key: string) => {
    let query = compiled.get(key);
    if (query) return query;
    if (operation.operation !== 'query' || readsPrismaLoaderMappings(schema, document)) {
      query = 'interpreted';
    } else {
      const result = compileQuery(schema, document, operation.name?.value, { disablingCapturingStackErrors: true });
      if (isCompiledQuery(result)) {
        query = result.query;
      } else {
        logger.warn(
          { operationName: operation.name?.value ?? null, errors: result.errors?.map((error) => error.message) },
          'graphql-jit cannot compile this operation; it runs on graphql-js',
        );
        query = 'interpreted';
      }
    }
    compiled.set(key, query);
    return query;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, queryHash, request, contextValue }) {
          const query = compile(document, operation, `${queryHash}\u0000${operation.name?.value ?? ''}`);
          if (query === 'interpreted') return null;
          // The limit graphql-js's execute uses.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, {
            maxErrors: 50,
          });
          if (variables.errors) return null;
          const result = await tracer.startActiveSpan(
            'graphql.execute',
            { attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': operation.name?.value } },
            async (span) => {
              try {
                return await query(undefined, contextValue, request.variables);
              } finally {
                span.end();
              }
            },
          );
          return executionResponse(
            result,
            (error) => located(error, document, operation),
            (formatted, error) => formatError(formatted, error, contextValue.requestId),
          );
        },
      };
    },
  };
}

/**
 * The response Apollo gives an execution result (requestPipeline and errorNormalize in @apollo/server, which
 * export neither): each error formatted with its code defaulting to INTERNAL_SERVER_ERROR, the HTTP status and
 * headers an error asks for in `extensions.http` taken out of it into the response's, and a formatError that
 * throws answered with the plain internal error.
 */
function executionResponse(
  result: ExecutionResult,
  locate: (error: GraphQLError) => GraphQLError,
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): GraphQLResponse {
  const http = { status: undefined as number | undefined, headers: new HeaderMap() };
  if (!result.errors?.length) return { http, body: { kind: 'single', singleResult: result } };
  const errors = result.errors.map((error) => {
    const graphqlError = locate(error);
    try {
      const { http: asked, ...others } = graphqlError.extensions;
      const head = isHttpHead(asked) ? asked : undefined;
      const extensions = head ? others : graphqlError.extensions;
      http.status = head?.status ?? http.status;
      for (const [name, value] of head?.headers ?? []) http.headers.set(name, value);
      const code = extensions.code ?? 'INTERNAL_SERVER_ERROR';
      return format({ ...graphqlError.toJSON(), extensions: { ...extensions, code } }, graphqlError);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { http, body: { kind: 'single', singleResult: { ...result, errors } } };
}

/** An `extensions.http` Apollo takes into the response: a numeric status, headers as a Map, or both absent. */
function isHttpHead(value: unknown): value is { status?: number; headers?: Map<string, string> } {
  if (!value || typeof value !== 'object') return false;
  const { status, headers } = value as { status?: unknown; headers?: unknown };
  return (status === undefined || typeof status === 'number') && (headers === undefined || headers instanceof Map);
}

/** A graphql-jit error as graphql-js's execute reports it: located at the field nodes of its path. */
function located(error: GraphQLError, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError {
  const nodes = error.path && fieldNodesAt(document, operation, error.path);
  // Without an original error it is graphql-jit's own (a null for a non-null field), which carries no nodes.
  return error.originalError
    ? locatedError(error.originalError, nodes, error.path)
    : new GraphQLError(error.message, { nodes, path: error.path });
}

/** The field nodes that answer a response path, through fragments (an error's nodes, for its locations). */
function fieldNodesAt(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  path: ReadonlyArray<string | number>,
): FieldNode[] {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const withKey = (selections: readonly SelectionNode[], key: string): FieldNode[] =>
    selections.flatMap((selection) => {
      if (selection.kind === Kind.FIELD) return (selection.alias ?? selection.name).value === key ? [selection] : [];
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      return fragment ? withKey(fragment.selectionSet.selections, key) : [];
    });
  let nodes: FieldNode[] = [];
  let selections = operation.selectionSet.selections;
  for (const key of path) {
    if (typeof key === 'number') continue;
    nodes = withKey(selections, key);
    selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
  }
  return nodes;
}
