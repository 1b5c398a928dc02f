import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** What a check of one operation reads besides its document. */
export interface OperationRequest {
  variableValues: Record<string, unknown> | undefined;
  operationName: string | null | undefined;
}

/** Variables longer than this as JSON are checked on every request instead of making a large cache key. */
const MAX_CACHED_VARIABLES_LENGTH = 1024;

/** The variables as a cache key, or undefined when too long for one or nested too deep to serialize. */
function variablesKey(variableValues: Record<string, unknown> | undefined): string | undefined {
  let variables: string;
  try {
    variables = JSON.stringify(variableValues ?? {});
  } catch {
    return undefined; // JSON.stringify recurses: a hostile depth overflows the stack (the input check names it)
  }
  return variables.length > MAX_CACHED_VARIABLES_LENGTH ? undefined : variables;
}

/**
 * A check of an operation that remembers its verdict (`undefined` for a pass) per document, operation and
 * variables, all it depends on: the document by identity (Apollo hands the same parsed document to every
 * request of the same text), the others as JSON. The catalog's clients send the same few operations with the
 * same few variables, which would otherwise be walked again on every request.
 */
export function rememberedVerdicts<Verdict extends object>(
  check: (document: DocumentNode, request: OperationRequest) => Verdict | undefined,
): (document: DocumentNode, request: OperationRequest) => Verdict | undefined {
  const documentKeys = new WeakMap<DocumentNode, number>();
  let documents = 0;
  const verdicts = new LRUCache<string, { verdict: Verdict | undefined }>({ max: 1000 });
  return (document, request) => {
    const variables = variablesKey(request.variableValues);
    if (variables === undefined) return check(document, request);
    let documentKey = documentKeys.get(document);
    if (documentKey === undefined) documentKeys.set(document, (documentKey = documents += 1));
    const key = `${documentKey}\u0000${request.operationName ?? ''}\u0000${variables}`;
    let remembered = verdicts.get(key);
    if (!remembered) verdicts.set(key, (remembered = { verdict: check(document, request) }));
    return remembered.verdict;
  };
}
