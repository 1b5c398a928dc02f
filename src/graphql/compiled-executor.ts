import {
  GraphQLError,
  Kind,
  execute,
  getVariableValues,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { trace } from '@opentelemetry/api';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { Logger } from '../platform/logger.js';
import type { Context } from './context.js';

type Gateway = ApolloServerOptionsWithGateway<Context>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/** What a document and operation compile to: graphql-jit's function, or graphql-js when jit cannot compile it. */
type Compiled = { query: CompiledQuery['query'] } | { interpreted: true };

// graphql-instrumentation's execute span is graphql-js's; compiled operations get one of their own.
const tracer = trace.getTracer('dezhoumama-api');

/**
 * Runs Apollo Server's operations compiled by graphql-jit: Apollo keeps the request pipeline (parsing,
 * validation, plugins, APQ, error formatting) and hands each operation to this executor, as it would to a
 * federation gateway. Each document and operation is compiled once and kept in a bounded LRU; what graphql-jit
 * cannot compile (it says so in the log, once per document) and subscriptions sent over HTTP run on graphql-js.
 * Variables are coerced by graphql-js first, so that their errors are graphql-js's (Apollo recognises those
 * as BAD_USER_INPUT), and errors from execution become graphql-js errors with their field nodes (formatError
 * and Apollo read `nodes` and `extensions`, which graphql-jit's errors lack).
 */
export function compiledExecutionGateway(
  schema: GraphQLSchema,
  { logger, maxDocuments }: { logger: Logger; maxDocuments: number },
): Gateway {
  const compiled = new LRUCache<string, Compiled>({ max: maxDocuments });
  const compile = (document: DocumentNode, operation: OperationDefinitionNode, key: string): Compiled => {
    let entry = compiled.get(key);
    if (entry) return entry;
    if (operation.operation === 'subscription') {
      entry = { interpreted: true };
    } else {
      const result = compileQuery(schema, document, operation.name?.value, { disablingCapturingStackErrors: true });
      if (isCompiledQuery(result)) {
        entry = { query: result.query };
      } else {
        logger.warn(
          { operationName: operation.name?.value ?? null, errors: result.errors?.map((error) => error.message) },
          'graphql-jit cannot compile this operation; it runs on graphql-js',
        );
        entry = { interpreted: true };
      }
    }
    compiled.set(key, entry);
    return entry;
  };

  const executor: GatewayExecutor = async ({ document, operation, queryHash, request, context }) => {
    const entry = compile(document, operation, `${queryHash}\u0000${operation.name?.value ?? ''}`);
    if ('interpreted' in entry) {
      return execute({
        schema,
        document,
        contextValue: context,
        variableValues: request.variables,
        operationName: request.operationName,
      }) as Promise<ExecutionResult>;
    }
    // The limit graphql-js's execute uses.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, {
      maxErrors: 50,
    });
    if (coerced.errors) return { errors: coerced.errors };
    return tracer.startActiveSpan(
      'graphql.execute',
      {
        attributes: { 'graphql.operation.type': operation.operation, 'graphql.operation.name': operation.name?.value },
      },
      async (span) => {
        try {
          const result = await entry.query(undefined, context, request.variables);
          return result.errors
            ? { ...result, errors: result.errors.map((error) => located(error, document, operation)) }
            : result;
        } finally {
          span.end();
        }
      },
    );
  };

  let announce: Parameters<Gateway['onSchemaLoadOrUpdate']>[0] | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      announce = callback;
      return () => {
        announce = undefined;
      };
    },
    async load() {
      announce?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { executor };
    },
    async stop() {
      compiled.clear();
    },
  };
}

/**
 * A graphql-jit error as graphql-js's execute reports it (locatedError): the resolver's own GraphQLError when
 * it already has a path, otherwise a GraphQLError with the field nodes of its path and the thrown error.
 */
function located(error: GraphQLError, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError {
  const original = error.originalError;
  if (original instanceof GraphQLError && Array.isArray(original.path)) return original;
  return new GraphQLError(error.message, {
    nodes: error.path ? fieldNodesAt(document, operation, error.path) : undefined,
    path: error.path,
    originalError: original ?? undefined,
  });
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
