import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { activeUnlessAdmin } from '../../../auth/access.js';
import { parseGlobalId } from '../../../graphql/ids.js';
import { pageSizeOptions } from '../../../graphql/pagination.js';
import { CharacterFilterInput, CharacterRef } from './types.js';
import { characterWhere } from '../service.js';

builder.queryFields((t) => ({
  characters: t.prismaConnection(
    {
      type: CharacterRef,
      cursor: 'id',
      ...pageSizeOptions,
      description: 'The active AI coaches (admins also see inactive ones).',
      ...cacheHints.publicRead,
      args: { filter: t.arg({ type: CharacterFilterInput }) },
      totalCount: (_connection, args, context) => {
        return context.prisma.character.count({ where: characterWhere(args.filter, context.viewer) });
      },
      resolve: (query, _parent, args, context) => {
        return context.prisma.character.findMany({
          ...query,
          where: characterWhere(args.filter, context.viewer),
          orderBy: { id: 'asc' },
        });
      },
    },
    { name: 'CharacterConnection' },
    { name: 'CharacterEdge' },
  ),
  character: t.prismaField({
    type: CharacterRef,
    nullable: true,
    description: 'A coach by id; null when it does not exist or is inactive (learners).',
    ...cacheHints.publicRead,
    args: { id: t.arg.id({ required: true, description: 'A Character id.' }) },
    resolve: (query, _parent, args, context) =>
      context.prisma.character.findFirst({
        ...query,
        where: { id: parseGlobalId(args.id, 'Character', 'id'), ...activeUnlessAdmin(context.viewer) },
      }),
  }),
}));
