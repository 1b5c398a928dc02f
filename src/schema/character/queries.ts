import { builder } from '../../builder.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { activeUnlessAdmin } from '../common/access.js';
import { parseGlobalId } from '../common/ids.js';
import { escapeLike } from '../common/input.js';
import { assertPageSize, pageSizeOptions } from '../common/pagination.js';
import { CharacterFilterInput, CharacterRef } from './types.js';
import type { Context } from '../../context.js';
import { parseInput } from '../../errors.js';
import { characterFilterSchema } from './service.js';

function characterWhere(rawFilter: unknown, context: Context): Prisma.CharacterWhereInput {
  const filter = parseInput(characterFilterSchema, rawFilter, 'filter');
  return {
    ...activeUnlessAdmin(context.viewer),
    ...(filter?.specialization
      ? { specialization: { equals: escapeLike(filter.specialization), mode: 'insensitive' } }
      : {}),
    ...(filter?.skillLevel ? { skillLevel: filter.skillLevel } : {}),
    ...(filter?.conversationStyle ? { conversationStyle: filter.conversationStyle } : {}),
  };
}

builder.queryFields((t) => ({
  characters: t.prismaConnection(
    {
      type: CharacterRef,
      cursor: 'id',
      ...pageSizeOptions,
      description: 'The active AI coaches (admins also see inactive ones).',
      args: { filter: t.arg({ type: CharacterFilterInput }) },
      totalCount: (_connection, args, context) => {
        assertPageSize(args);
        return context.prisma.character.count({ where: characterWhere(args.filter, context) });
      },
      resolve: (query, _parent, args, context) => {
        assertPageSize(args);
        return context.prisma.character.findMany({
          ...query,
          where: characterWhere(args.filter, context),
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
    args: { id: t.arg.id({ required: true, description: 'A Character id.' }) },
    resolve: (query, _parent, args, context) =>
      context.prisma.character.findFirst({
        ...query,
        where: { id: parseGlobalId(args.id, 'Character', 'id'), ...activeUnlessAdmin(context.viewer) },
      }),
  }),
}));
