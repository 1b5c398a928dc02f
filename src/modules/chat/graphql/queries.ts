import { builder } from '../../../graphql/builder.js';
import { ownedByViewer } from '../../../auth/access.js';
import { parseGlobalId } from '../../../graphql/ids.js';
import { ChatSessionRef } from './types.js';

builder.queryField('chatSession', (t) =>
  t.prismaField({
    type: ChatSessionRef,
    nullable: true,
    description: "A chat session of the viewer (admins: any); null when it does not exist or is not the viewer's.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, context) =>
      context.prisma.chatSession.findFirst({
        ...query,
        where: { id: parseGlobalId(args.id, 'ChatSession', 'id'), ...ownedByViewer(context.viewer) },
      }),
  }),
);
