import { builder } from '../../../graphql/builder.js';
import { signedInViewer } from '../../../auth/access.js';
import { parseGlobalId } from '../../../graphql/ids.js';
import { ChatMessageRef, ChatSessionRef } from './types.js';
import type { Context } from '../../../graphql/context.js';
import {
  endChatSession,
  MAX_MESSAGE_LENGTH,
  renameChatSession,
  sendLearnerMessage,
  startChatSession,
  type ChatDependencies,
} from '../service.js';
import { selectsOnlyMessageColumns } from '../stream.js';

/** What the request's context gives the writes of a session's messages. */
function chatDependencies({ prisma, readRows, transaction, pubsub, logger, chatReplies }: Context): ChatDependencies {
  return { prisma, readRows, transaction, pubsub, logger, replies: chatReplies };
}

builder.mutationFields((t) => ({
  startChatSession: t.prismaField({
    type: ChatSessionRef,
    description: 'Opens a chat session of the viewer with an active character (NOT_FOUND otherwise).',
    authScopes: { signedIn: true },
    args: {
      characterId: t.arg.id({ required: true }),
      sessionName: t.arg.string({ description: 'Optional title, at most 255 characters.' }),
    },
    resolve: async (query, _root, args, context) => {
      return startChatSession(
        context.prisma,
        signedInViewer(context.viewer),
        { characterId: parseGlobalId(args.characterId, 'Character', 'characterId'), sessionName: args.sessionName },
        query,
      );
    },
  }),
  renameChatSession: t.prismaField({
    type: ChatSessionRef,
    description: "Renames one of the viewer's sessions (NOT_FOUND for anyone else's).",
    authScopes: { signedIn: true },
    args: {
      sessionId: t.arg.id({ required: true }),
      sessionName: t.arg.string({ required: true, description: 'The new title, 1-255 characters.' }),
    },
    resolve: async (query, _root, args, context) => {
      return renameChatSession(
        context.prisma,
        signedInViewer(context.viewer),
        { sessionId: parseGlobalId(args.sessionId, 'ChatSession', 'sessionId'), sessionName: args.sessionName },
        query,
      );
    },
  }),
  sendChatMessage: t.prismaField({
    type: ChatMessageRef,
    description:
      "Appends the viewer's message; a repeated clientMessageId returns the first message instead of a copy.\n" +
      `The character's reply follows as its own message. Content is trimmed and must hold 1-${MAX_MESSAGE_LENGTH} ` +
      "characters (BAD_USER_INPUT); an ended session refuses new messages with CONFLICT; another user's " +
      'session is NOT_FOUND.',
    authScopes: { signedIn: true },
    args: {
      sessionId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      clientMessageId: t.arg.string({
        description: 'An id the client makes up per message (at most 100 characters) so that a retry is safe.',
      }),
    },
    resolve: async (query, _root, args, context) => {
      const message = await sendLearnerMessage(chatDependencies(context), signedInViewer(context.viewer), {
        sessionId: parseGlobalId(args.sessionId, 'ChatSession', 'sessionId'),
        content: args.content,
        clientMessageId: args.clientMessageId,
      });
      // The stored row answers a selection of its own columns; relations are read with it.
      return selectsOnlyMessageColumns(query)
        ? message
        : context.prisma.chatMessage.findUniqueOrThrow({ ...query, where: { id: message.id } });
    },
  }),
  endChatSession: t.prismaField({
    type: ChatSessionRef,
    description:
      'Ends a session (its learner or an admin): it takes no more messages and its subscriptions complete. ' +
      'Ending an ended session changes nothing.',
    authScopes: { signedIn: true },
    args: { sessionId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      const sessionId = parseGlobalId(args.sessionId, 'ChatSession', 'sessionId');
      return endChatSession(chatDependencies(context), signedInViewer(context.viewer), sessionId, query);
    },
  }),
}));
