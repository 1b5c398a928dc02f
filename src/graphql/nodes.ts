import { isObjectType, type GraphQLSchema } from 'graphql';
import { decodeGlobalID, resolveNodes } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { UserInputError } from '../platform/errors.js';

/** The typename and raw id a global id names, or undefined unless it names a node type of the schema. */
function nodeIdOf(value: string, schema: GraphQLSchema): { typename: string; id: string } | undefined {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(value);
  } catch {
    return undefined;
  }
  const type = schema.getType(decoded.typename);
  return isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node') ? decoded : undefined;
}

// The relay plugin's own nodes() parses every id before it resolves any, so one malformed id failed the whole
// list (and, the list being non-null, the whole response). Here each id answers for itself: a node, null when
// it is not there or not visible, or null with a BAD_USER_INPUT error at its index when it names no node.
builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: 'Entities by global id, in the order asked; null for each one not visible.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, context, info) => {
      const decoded = ids.map((id) => nodeIdOf(String(id), info.schema));
      const nodes = await resolveNodes(
        builder,
        context,
        info,
        decoded.map((id) => id ?? null),
      );
      // graphql-js turns an Error in a list into that item's error, at its index.
      return decoded.map(
        (id, index) =>
          nodes[index] ?? (id ? null : new UserInputError({ [`ids.${index}`]: 'is not the id of any node' })),
      ) as never;
    },
  }),
);
