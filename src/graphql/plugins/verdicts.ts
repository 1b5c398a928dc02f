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
 * A check's verdict for the request it judged only: it depends on more than the remembered key (variables that did
 * not coerce, say, or the value of one the key leaves out), so it is answered and not remembered.
 */
export class VerdictForThisRequest<Verdict> {
  constructor(readonly verdict: Verdict | undefined) {}
}

/**
 * A check of an operation that remembers its verdict (`undefined` for a pass) per document, operation and
 * variables, all it depends on: the document by identity (Apollo hands the same parsed document to every
 * request of the same text), the others as JSON. The catalog's clients send the same few operations with the
 * same few variables, which would otherwise be walked again on every request. `variablesThatMatter` names the
 * variables a verdict can depend on, when that is fewer than all: a write's text and ids then leave its verdict
 * shared by every request of the document, where each would have missed (and pushed out a remembered one).
 */
export function rememberedVerdicts<Verdict extends object>(
  check: (document: DocumentNode, request: OperationRequest) => Verdict | VerdictForThisRequest<Verdict> | undefined,
  variablesThatMatter?: (document: DocumentNode) => ReadonlySet<string>,
): (document: DocumentNode, request: OperationRequest) => Verdict | undefined {
  const documentKeys = new WeakMap<DocumentNode, { key: number; variables: ReadonlySet<string> | undefined }>();
  let documents = 0;
  const verdicts = new LRUCache<string, { verdict: Verdict | undefined }>({ max: 1000 });
  return (document, request) => {
    let known = documentKeys.get(document);
    if (known === undefined) {
      known = { key: (documents += 1), variables: variablesThatMatter?.(document) };
      documentKeys.set(document, known);
    }
    const variables = variablesKey(narrowed(request.variableValues, known.variables));
    const key =
      variables === undefined ? undefined : `${known.key}\u0000${request.operationName ?? ''}\u0000${variables}`;
    const remembered = key === undefined ? undefined : verdicts.get(key);
    if (remembered) return remembered.verdict;
    const verdict = check(document, request);
    if (verdict instanceof VerdictForThisRequest) return verdict.verdict;
    if (key !== undefined) verdicts.set(key, { verdict });
    return verdict;
  };
}

function narrowed(
  variableValues: Record<string, unknown> | undefined,
  names: ReadonlySet<string> | undefined,
): Record<string, unknown> | undefined {
  if (!names || !variableValues) return variableValues;
  // Entries, not assignments: a variable may be named $__proto__, and an assignment would not keep its value.
  return Object.fromEntries(
    [...names].filter((name) => Object.hasOwn(variableValues, name)).map((name) => [name, variableValues[name]]),
  );
}
