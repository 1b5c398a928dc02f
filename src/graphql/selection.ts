import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * A test of whether the field being resolved selects any of `names` at any depth beneath it, through inline and
 * named fragments. `@skip`/`@include` are not evaluated, so a skipped field still answers yes: a resolver may
 * read ahead for a field that is not asked, never miss one that is. Memoised per field node of a parsed
 * document (Apollo keeps the parsed documents), so a repeated operation walks nothing.
 */
export function selectsBeneath(names: readonly string[]): (info: GraphQLResolveInfo) => boolean {
  const wanted = new Set(names);
  const verdicts = new WeakMap<FieldNode, boolean>();
  const inSet = (set: SelectionSetNode | undefined, info: GraphQLResolveInfo, seen: Set<string>): boolean =>
    !!set?.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) {
        return wanted.has(selection.name.value) || inSet(selection.selectionSet, info, seen);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return inSet(selection.selectionSet, info, seen);
      // A fragment spread once is enough (and a cycle, which validation refuses anyway, ends here).
      if (seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      return inSet(info.fragments[selection.name.value]?.selectionSet, info, seen);
    });
  return (info) => {
    // The first node stands for all of them: the nodes merged into one field come from one document.
    const first = info.fieldNodes[0]!;
    let verdict = verdicts.get(first);
    if (verdict === undefined) {
      const seen = new Set<string>();
      verdict = info.fieldNodes.some((node) => inSet(node.selectionSet, info, seen));
      verdicts.set(first, verdict);
    }
    return verdict;
  };
}
