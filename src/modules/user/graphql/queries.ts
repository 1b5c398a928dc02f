import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { UserRef } from './types.js';

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user; null when the request carries no valid token.',
    ...cacheHints.viewerSpecific,
    resolve: (query, _parent, _args, context) => {
      // Taken before the anonymous branch, which needs no query, so plugin-prisma's unused-query check
      // only fires for a resolver that really forgets the selection.
      const selection = { ...query };
      return context.viewer ? context.prisma.user.findUnique({ ...selection, where: { id: context.viewer.id } }) : null;
    },
  }),
);
