import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from '../../../graphql/builder.js';
import type { Context } from '../../../graphql/context.js';
import { UserInputError } from '../../../platform/errors.js';
import type { ChatMessage } from '../../../generated/prisma/client.js';
import { signedInViewer } from '../../../auth/access.js';
import { parseGlobalId } from '../../../graphql/ids.js';
import { ChatMessageRef, ChatReplyDraftRef } from './types.js';
import { sessionOfViewer } from '../service.js';
import { openMessageStream, type MessageQuery } from '../stream.js';
import { openDraftStream } from '../drafts.js';
import type { ChatReplyDraft } from '../../../platform/pubsub.js';

builder.subscriptionField('chatMessageAdded', (t) =>
  t.field({
    type: ChatMessageRef,
    description:
      'New messages of the session as they are written, in seq order, without gaps or duplicates. With afterSeq,\n' +
      'first every stored message with seq > afterSeq (so a client that reconnects misses nothing), then the new.\n' +
      "Only the session's learner and admins may subscribe (NOT_FOUND for anyone else). The stream completes after " +
      'the last message of an ended session. A subscriber that falls more than CHAT_SUBSCRIPTION_BUFFER live ' +
      'messages behind is dropped with RATE_LIMITED, whose extensions.afterSeq says where to resume.',
    authScopes: { signedIn: true },
    args: {
      sessionId: t.arg.id({ required: true }),
      afterSeq: t.arg.int({ description: 'The last seq the client has; 0 replays the whole session.' }),
    },
    subscribe: async (_root, args, context: Context, info) => {
      const viewer = signedInViewer(context.viewer);
      if (typeof args.afterSeq === 'number' && args.afterSeq < 0) {
        throw new UserInputError({ afterSeq: 'must not be negative' });
      }
      const session = await sessionOfViewer(
        context.prisma,
        viewer,
        parseGlobalId(args.sessionId, 'ChatSession', 'sessionId'),
        {
          admins: true,
        },
      );
      return openMessageStream(context.prisma, context.pubsub, session.id, {
        afterSeq: args.afterSeq ?? null,
        maxBehind: context.config.CHAT_SUBSCRIPTION_BUFFER,
        // Each page of messages is read with what the subscriber selected, relations included.
        query: queryFromInfo({ context, info, typeName: 'ChatMessage' }) as MessageQuery,
      });
    },
    resolve: (message: ChatMessage) => message,
  }),
);

builder.subscriptionField('chatReplyDrafts', (t) =>
  t.field({
    type: ChatReplyDraftRef,
    description:
      "The character's replies of the session while they are being written, for showing an answer as it appears.\n" +
      'Each event carries the whole text so far (the first may be empty: the character has started), at most a few ' +
      'a second (CHAT_DRAFT_INTERVAL_MS). The finished reply arrives once, as a message on chatMessageAdded with ' +
      'inReplyTo set; a draft that stops without one (a provider failure, a restart) is superseded by the message ' +
      "that follows. Only the session's learner and admins may subscribe (NOT_FOUND for anyone else); the stream " +
      'completes when the session ends. A subscriber more than CHAT_SUBSCRIPTION_BUFFER drafts behind is dropped ' +
      'with RATE_LIMITED.',
    authScopes: { signedIn: true },
    args: { sessionId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, context: Context) => {
      const session = await sessionOfViewer(
        context.prisma,
        signedInViewer(context.viewer),
        parseGlobalId(args.sessionId, 'ChatSession', 'sessionId'),
        { admins: true },
      );
      return openDraftStream(context.prisma, context.pubsub, session.id, {
        maxBehind: context.config.CHAT_SUBSCRIPTION_BUFFER,
      });
    },
    resolve: (draft: ChatReplyDraft) => draft,
  }),
);
