import { builder } from '../../../graphql/builder.js';
import { ownedByViewer } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';
import { ChatSessionRef } from './types.js';

builder.queryField('chatSession', (t) =>
  t.prismaField({
    type: ChatSessionRef,
    nullable: true,
    description: "A chat session of the viewer (admins: any); null when it does not exist or is not the viewer's.",
    args: { id: t.arg.globalID({ required: true, for: ChatSessionRef }) },
    resolve: (query, _root, args, context) =>
      context.prisma.chatSession.findFirst({
        ...query,
        where: { id: rowId(args.id.id), ...ownedByViewer(context.viewer) },
      }),
  }),
);
