import { builder } from '../../builder.js';
import { UserRef } from './types.js';

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user; null when the request carries no valid token.',
    resolve: (query, _parent, _args, context) =>
      context.viewer ? context.prisma.user.findUnique({ ...query, where: { id: context.viewer.id } }) : null,
  }),
);
