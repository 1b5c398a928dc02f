import { isObjectType, type GraphQLSchema } from 'graphql';
import { resolveNodes } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { UserInputError } from '../platform/errors.js';
import { decodedGlobalId } from './ids.js';

/** The typename and raw id a global id names, or undefined unless it names a node type of the schema. */
function nodeIdOf(value: string, schema: GraphQLSchema): { typename: string; id: string } | undefined {
  const decoded = decodedGlobalId(value);
  const type = decoded && schema.getType(decoded.typename);
  return isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node') ? decoded : undefined;
}

// Our own node(id:) and nodes(ids:) instead of the relay plugin's: those decode ids before any resolver runs and
// throw plain Errors that error formatting had to recognise by their text; here an id that names no node is
// BAD_USER_INPUT on the argument that carried it.
builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Any entity by its global id; null when it does not exist or is not visible to the viewer.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context, info) => {
      const decoded = nodeIdOf(String(id), info.schema);
      if (!decoded) throw new UserInputError({ id: 'is not a valid id of the expected type' });
      const [node] = await resolveNodes(builder, context, info, [decoded]);
      return (node ?? null) as never;
    },
  }),
);

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
