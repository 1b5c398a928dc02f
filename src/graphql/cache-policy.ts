import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  typeFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { cacheControlDirective, type CacheControlArgs } from './cache-control.js';

/**
 * The cache policy of an operation from the schema's `@cacheControl` hints (remembered per operation for this
 * schema and default), by the rules of Apollo's
 * cache-control plugin (each field: its type's hint, then its own; a composite field or a root field without a
 * maxAge gets `defaultMaxAge`; `inheritMaxAge` takes the parent's), applied to every field the operation
 * selects instead of every field it resolved. Apollo's plugin learns the hints through willResolveField, called
 * for each of a page's hundreds of fields with a policy object, a closure and, for a field that returns a
 * promise, one more `then` on it; a walk of the document costs once per operation. Selected and not resolved
 * (below a null, in an empty list, in a fragment on another type) can only make the policy stricter, never more
 * cacheable.
 */
export function operationCacheHints(
  schema: GraphQLSchema,
  defaultMaxAge: number,
): (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
) => CacheHint {
  /** Operations whose selection no `@skip`/`@include` variable changes: their hint is the same on every request. */
  const hintsWithoutVariables = new WeakMap<OperationDefinitionNode, CacheHint>();
  return (document, operation, variables) => {
    const cached = hintsWithoutVariables.get(operation);
    if (cached) return cached;
    const fragments = new Map(
      document.definitions.flatMap((definition) =>
        definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
      ),
    );
    const walk = { schema, fragments, variables: variables ?? {}, defaultMaxAge, usesVariables: false };
    const overall: CacheHint = {};
    const root = schema.getRootType(operation.operation);
    if (root) visitSelections(walk, overall, root, operation.selectionSet, true);
    if (!walk.usesVariables) hintsWithoutVariables.set(operation, overall);
    return overall;
  };
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  defaultMaxAge: number;
  usesVariables: boolean;
}

/** What Apollo's CachePolicy.restrict takes. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/** Apollo's CachePolicy.restrict: the smaller maxAge, PRIVATE over PUBLIC. */
function restrict(policy: CacheHint, hint: CacheHint): void {
  if (hint.maxAge !== undefined && (policy.maxAge === undefined || hint.maxAge < policy.maxAge)) {
    policy.maxAge = hint.maxAge;
  }
  if (hint.scope !== undefined && policy.scope !== 'PRIVATE') policy.scope = hint.scope;
}

function visitSelections(
  walk: Walk,
  overall: CacheHint,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  atRoot: boolean,
): void {
  const runtimeTypes = isAbstractType(type) ? walk.schema.getPossibleTypes(type) : [type as GraphQLObjectType];
  for (const runtimeType of runtimeTypes) {
    for (const selection of includedFields(walk, runtimeType, selectionSet.selections)) {
      // Meta fields (__typename, __schema, __type) carry no hint and Apollo's plugin never sees them.
      if (selection.name.value.startsWith('__')) continue;
      const field = runtimeType.getFields()[selection.name.value];
      if (!field) continue;
      restrict(overall, fieldHint(walk, field, atRoot));
      const target = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(target)) {
        visitSelections(walk, overall, target, selection.selectionSet, false);
      }
    }
  }
}

/** A field's own policy, as Apollo's willResolveField builds it before restricting the overall one. */
function fieldHint(walk: Walk, field: GraphQLField<unknown, unknown>, atRoot: boolean): CacheHint {
  const hint: CacheHint = {};
  const target = getNamedType(field.type);
  const composite = isCompositeType(target);
  let inheritMaxAge = false;
  if (composite) {
    const typeHint = annotationOf(target);
    hint.maxAge = typeHint.maxAge;
    hint.scope = typeHint.scope;
    inheritMaxAge = typeHint.inheritMaxAge === true;
  }
  const fieldAnnotation = annotationOf(field);
  if (fieldAnnotation.inheritMaxAge && hint.maxAge === undefined) {
    inheritMaxAge = true;
    if (fieldAnnotation.scope) hint.scope = fieldAnnotation.scope;
  } else {
    if (fieldAnnotation.maxAge !== undefined) hint.maxAge = fieldAnnotation.maxAge;
    if (fieldAnnotation.scope !== undefined) hint.scope = fieldAnnotation.scope;
  }
  if (hint.maxAge === undefined && ((composite && !inheritMaxAge) || atRoot)) hint.maxAge = walk.defaultMaxAge;
  return hint;
}

const annotations = new WeakMap<object, CacheControlArgs>();

/** The `@cacheControl` arguments on a type's or field's AST node (where plugin-directives writes them). */
function annotationOf(definition: GraphQLNamedType | GraphQLField<unknown, unknown>): CacheControlArgs {
  let annotation = annotations.get(definition);
  if (!annotation) {
    const node = definition.astNode;
    const values = node ? getDirectiveValues(cacheControlDirective, node) : undefined;
    annotation = values?.inheritMaxAge
      ? { inheritMaxAge: true, scope: values.scope as CacheControlArgs['scope'] }
      : { maxAge: values?.maxAge as number | undefined, scope: values?.scope as CacheControlArgs['scope'] };
    annotations.set(definition, annotation);
  }
  return annotation;
}

/** The field selections that apply to `runtimeType`, through fragments, as `@skip` and `@include` leave them. */
function* includedFields(
  walk: Walk,
  runtimeType: GraphQLObjectType,
  selections: readonly SelectionNode[],
): Generator<Extract<SelectionNode, { kind: Kind.FIELD }>> {
  for (const selection of selections) {
    if (!isIncluded(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      yield selection;
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : walk.fragments.get(selection.name.value);
    if (!fragment) continue;
    const condition = fragment.typeCondition ? typeFromAST(walk.schema, fragment.typeCondition) : runtimeType;
    const applies =
      condition === runtimeType ||
      (condition !== undefined && isAbstractType(condition) && walk.schema.isSubType(condition, runtimeType));
    if (applies) yield* includedFields(walk, runtimeType, fragment.selectionSet.selections);
  }
}

function isIncluded(walk: Walk, selection: SelectionNode): boolean {
  if (!selection.directives?.length) return true;
  for (const directive of selection.directives) {
    if (directive.arguments?.some((argument) => argument.value.kind === Kind.VARIABLE)) walk.usesVariables = true;
  }
  if (getDirectiveValues(GraphQLSkipDirective, selection, walk.variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, walk.variables)?.if !== false;
}
