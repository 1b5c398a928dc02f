import {
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
} from 'graphql';
import { selectsBeneath } from '../../src/graphql/selection.js';

/** The resolve info of the operation's first root field, as far as selectsBeneath reads it. */
function rootFieldInfo(query: string): GraphQLResolveInfo {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const field = operation.selectionSet.selections[0]!;
  if (field.kind !== Kind.FIELD) throw new Error('the first selection must be a field');
  return { fieldNodes: [field], fragments } as unknown as GraphQLResolveInfo;
}

describe('whether a field selects one of some names beneath it', () => {
  const readsPrerequisites = selectsBeneath(['prerequisites', 'isUnlocked']);

  it.each([
    ['directly, at any depth', '{ courses { edges { node { id prerequisites { id } } } } }', true],
    ['through an inline fragment', '{ courses { nodes { ... on Course { isUnlocked } } } }', true],
    [
      'through a named fragment in a fragment',
      '{ courses { nodes { ...A } } } fragment A on Course { ...B } fragment B on Course { isUnlocked }',
      true,
    ],
    ['not when none is selected', '{ courses { totalCount nodes { id title } } }', false],
    ['not for a name beside it, outside the field', '{ courses { totalCount } prerequisites }', false],
  ])('%s', (_case, query, expected) => {
    const info = rootFieldInfo(query);
    expect(readsPrerequisites(info)).toBe(expected);
    // The remembered verdict for the same document.
    expect(readsPrerequisites(info)).toBe(expected);
  });
});
