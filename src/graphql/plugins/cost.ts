import {
  GraphQLError,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isListType,
  Kind,
  validate,
  visit,
  type DocumentNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { createComplexityRule, type FieldComplexityValue } from '@pothos/plugin-complexity';
import type { Context } from '../context.js';
import { DEFAULT_PAGE_SIZE } from '../pagination.js';
import { rememberedVerdicts, VerdictForThisRequest, type OperationRequest } from './verdicts.js';

/** What a connection or list returns when the client names no size: the contract's default page. */
/** A plain list of unknown length (prerequisites, assessments, questions, test scores). */
const DEFAULT_LIST = 10;

/**
 * The cost of one field for @pothos/plugin-complexity: 1, and a multiplier for what it selects below it. A
 * field with a page size (first/last, or the ids of `nodes`) multiplies by that size, as the client asked
 * it; `edges` of a connection then multiplies by 1 (the page already counted); any other list by 10. So
 * nested lists multiply (prerequisites { prerequisites { ... } } grows tenfold a level) where depth alone
 * would not tell a page of 100 from a page of 1.
 */
export function fieldComplexity(
  args: Record<string, unknown>,
  _context: unknown,
  field: Pick<GraphQLField<unknown, unknown>, 'name' | 'type' | 'args'>,
): FieldComplexityValue {
  const size = args.first ?? args.last ?? (Array.isArray(args.ids) ? args.ids.length : undefined);
  if (typeof size === 'number') return { field: 1, multiplier: Math.max(size, 0) };
  if (field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) {
    return { field: 1, multiplier: DEFAULT_PAGE_SIZE };
  }
  if (field.name === 'edges') return { field: 1, multiplier: 1 };
  return isListType(getNullableType(field.type)) ? { field: 1, multiplier: DEFAULT_LIST } : 1;
}

/**
 * The operation's cost with the request's variables (a `$first` counts as much as a literal one); undefined when
 * variables do not coerce, which Apollo and graphql-ws refuse by name before execution. An argument that cannot be
 * read (an explicit null for a defaulted variable in a non-null argument) is refused here: execution would fail
 * that one field and run the rest, uncounted.
 */
function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  { variableValues, operationName }: OperationRequest,
): number | GraphQLError | undefined {
  // The complexity rule would coerce bad variables for every field without an error limit (2.3 s for a list of
  // 5000 nulls).
  const operation = getOperationAST(document, operationName);
  const coerced = operation
    ? getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}, { maxErrors: 1 })
    : { errors: [] };
  if (coerced.errors) return undefined;
  let cost = 0;
  const rule = createComplexityRule({
    context: {},
    variableValues: variableValues ?? {},
    operationName,
    onResult: (result) => {
      cost = Math.max(cost, result.complexity);
    },
  });
  try {
    validate(schema, document, [rule]);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } });
  }
  return cost;
}

function overLimit(cost: number, maxCost: number): GraphQLError | undefined {
  if (cost <= maxCost) return undefined;
  return new GraphQLError(
    `Operation cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages or fewer nested lists`,
    {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost },
    },
  );
}

/** A client error when the operation's cost with the request's variables is above `maxCost` or cannot be told. */
export function costError(
  schema: GraphQLSchema,
  document: DocumentNode,
  { maxCost, ...request }: OperationRequest & { maxCost: number },
): GraphQLError | undefined {
  const cost = operationCost(schema, document, request);
  return typeof cost === 'number' ? overLimit(cost, maxCost) : cost;
}

/** The arguments whose values fieldComplexity reads. */
const SIZE_ARGUMENTS = new Set(['first', 'last', 'ids']);

/**
 * The variables that can change a document's cost: those inside a size argument (fieldComplexity reads no other),
 * and those of directives, in case @include and @skip ever decide what plugin-complexity counts (today it counts
 * skipped fields too). A message's text or a course id cannot.
 */
export function costVariables(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    // graphql-js's ancestors end above the parent.
    Variable(node, _key, parent, _path, ancestors) {
      const counts = [...ancestors, parent].some(
        (ancestor) =>
          !!ancestor &&
          'kind' in ancestor &&
          (ancestor.kind === Kind.DIRECTIVE ||
            (ancestor.kind === Kind.ARGUMENT && SIZE_ARGUMENTS.has(ancestor.name.value))),
      );
      if (counts) names.add(node.name.value);
    },
  });
  return names;
}

/**
 * Refuses an HTTP operation above `maxCost` with 400 before any resolver runs; the verdict is remembered per
 * document, operation and the variables that can change the cost (./verdicts.ts), except when the cost could not be
 * told: that depends on the values of the others. An argument it cannot read is refused with BAD_USER_INPUT.
 */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin<Context> {
  const check = rememberedVerdicts((document, request) => {
    const cost = operationCost(schema, document, request);
    return typeof cost === 'number' ? overLimit(cost, maxCost) : new VerdictForThisRequest(cost);
  }, costVariables);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const error = check(document, { variableValues: request.variables, operationName: request.operationName });
          if (error) {
            throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
          }
        },
      };
    },
  };
}
