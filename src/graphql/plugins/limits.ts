import {
  GraphQLError,
  getOperationAST,
  getVariableValues,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import { costError } from './cost.js';
import { inputError, type InputLimits } from './input.js';

/**
 * The bounds every operation must keep, on HTTP and WebSocket alike. Apollo Server's own settings do not
 * reach graphql-ws, so both transports take their rules from here.
 */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Bounds of every argument value (strings, lists, JSON). */
  input: InputLimits;
  /** Production hides the schema: no introspection, no "Did you mean" suggestions. */
  production: boolean;
}

export function operationLimits(config: Config): OperationLimits {
  return {
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    maxAliases: config.GRAPHQL_MAX_ALIASES,
    maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
    maxTokens: config.GRAPHQL_MAX_TOKENS,
    maxCost: config.GRAPHQL_MAX_COST,
    input: {
      maxStringLength: config.INPUT_MAX_STRING_LENGTH,
      maxListLength: config.INPUT_MAX_LIST_LENGTH,
      maxJsonDepth: config.INPUT_MAX_JSON_DEPTH,
      maxJsonBytes: config.INPUT_MAX_JSON_BYTES,
    },
    production: config.NODE_ENV === 'production',
  };
}

/** Parser options: graphql-js stops lexing past maxTokens, before a huge document costs anything. */
export function parseOptions(limits: OperationLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * The GraphQL Armor rules for the document's shape, each reporting a validation error (armor's default is to
 * throw out of `validate`, which graphql-ws would turn into a 4500 close). The cost depends on the variables
 * too, so it is checked per request (./cost.ts).
 */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  const report = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...report }),
    maxAliasesRule({ n: limits.maxAliases, ...report }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report }),
  ];
}

/** Apollo's "Did you mean ...?" hint names fields the client did not ask for; production drops it. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** graphql-ws's subscribe payload. */
export interface OperationPayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface CheckedOperation {
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown> | undefined;
}

/** A client error with the code Apollo Server gives the same failure over HTTP. */
function clientError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Characters of document text whose parsed and validated documents the WebSocket check keeps, least recently
 * used going first (Apollo Server keeps HTTP's in its documentStore). Apps send a few documents over and over, a
 * socket each: one parsed copy serves them all, where each subscription held its own tree and tokens.
 */
const CHECKED_DOCUMENTS_MAX_CHARS = 2 ** 18;

/**
 * The check of a WebSocket subscribe message: parsed and validated with the HTTP rules (graphql's specified
 * rules, the limits, no introspection in production), subscriptions only: queries and mutations belong on
 * HTTP, where rate limits and the request log see them. The check returns the execution arguments or the
 * errors; its options and rules are built once here, not per message, and a document that passed validation is
 * not parsed or validated again (the variables are checked on every subscribe).
 */
export function subscriptionChecker(
  schema: GraphQLSchema,
  limits: OperationLimits,
): (payload: OperationPayload) => CheckedOperation | GraphQLError[] {
  const parsing = parseOptions(limits);
  const rules = [
    ...specifiedRules,
    ...limitRules(limits),
    ...(limits.production ? [NoSchemaIntrospectionCustomRule] : []),
  ];
  const validDocuments = new LRUCache<string, DocumentNode>({
    maxSize: CHECKED_DOCUMENTS_MAX_CHARS,
    sizeCalculation: (_, query) => Math.max(query.length, 1),
  });
  const validDocument = (query: string): DocumentNode | GraphQLError[] => {
    const known = validDocuments.get(query);
    if (known) return known;
    const checked = parseAndValidate(schema, query, limits, parsing, rules);
    if (!Array.isArray(checked)) validDocuments.set(query, checked);
    return checked;
  };
  return (payload) => {
    const document = validDocument(payload.query);
    return Array.isArray(document) ? document : checkOperation(schema, document, payload, limits);
  };
}

function parseAndValidate(
  schema: GraphQLSchema,
  query: string,
  limits: OperationLimits,
  parsing: ParseOptions,
  rules: readonly ValidationRule[],
): DocumentNode | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, parsing);
  } catch (error) {
    return [clientError((error as Error).message, 'GRAPHQL_PARSE_FAILED')];
  }
  const errors = validate(schema, document, rules);
  if (errors.length === 0) return document;
  return errors.map((error) =>
    clientError(limits.production ? error.message.replace(SUGGESTION, '') : error.message, 'GRAPHQL_VALIDATION_FAILED'),
  );
}

/** What depends on the payload's operation name and variables: their bounds, the cost, and a subscription to run. */
function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  payload: OperationPayload,
  limits: OperationLimits,
): CheckedOperation | GraphQLError[] {
  const operationName = payload.operationName ?? undefined;
  const variableValues = payload.variables ?? undefined;
  const badInput = inputError(schema, document, { variableValues, operationName, limits: limits.input });
  if (badInput) return [badInput];
  const tooCostly = costError(schema, document, { variableValues, operationName, maxCost: limits.maxCost });
  if (tooCostly) return [tooCostly];
  const operation = getOperationAST(document, operationName);
  if (!operation) return [clientError('Unable to identify the operation to run', 'BAD_REQUEST')];
  if (operation.operation !== 'subscription') {
    return [
      clientError(
        `Only subscriptions are served over WebSocket; send ${operation.operation} operations over HTTP`,
        'BAD_REQUEST',
      ),
    ];
  }
  // Coerced here rather than by graphql-js's subscribe, whose variable errors carry no code (Apollo: BAD_USER_INPUT).
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}, {
    maxErrors: 10,
  });
  if (coerced.errors) return coerced.errors.map((error) => clientError(error.message, 'BAD_USER_INPUT'));
  return { document, operationName, variableValues };
}
