import { builder } from '../../../graphql/builder.js';
import { ownedByViewer } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';
import { pageSizeOptions } from '../../../graphql/pagination.js';
import { UserRef } from '../../user/graphql/types.js';
import { UserInputError } from '../../../platform/errors.js';
import type { ChatRole } from '../messages.js';
import { messagePage, type MessagePageBounds } from '../service.js';
import type { MessageQuery } from '../stream.js';
import type { ChatReplyDraft } from '../../../platform/pubsub.js';

const ChatRoleEnum = builder.enumType('ChatRole', {
  description: 'Who wrote a chat message.',
  values: {
    USER: { value: 'user', description: 'The learner.' },
    CHARACTER: { value: 'character', description: "The session's AI coach." },
    SYSTEM: { value: 'system', description: 'The platform, for example when the coach could not answer.' },
  },
});

/** chat_messages.id is a BIGSERIAL: a raw id that names no possible row becomes 0, which finds nothing. */
function messageRowId(raw: string): bigint {
  const id = /^[1-9]\d{0,18}$/.test(raw) ? BigInt(raw) : 0n;
  return id <= 9_223_372_036_854_775_807n ? id : 0n;
}

/**
 * plugin-prisma's page of a relation (what to read, the cursor's message, how many rows: one more than the
 * page, negative when the page ends at the cursor) as the seq bounds messagePage reads by. skip (1 with a
 * cursor, Prisma's way to leave the cursor's row out) is dropped: the strict bound does it.
 */
function keysetPage(
  {
    cursor,
    take,
    skip: _skip,
    ...query
  }: MessageQuery & { cursor?: { sessionId_seq?: { sessionId: number; seq: number } }; take: number; skip: number },
  sessionId: number,
): [MessagePageBounds, MessageQuery] {
  const backwards = take < 0;
  // A cursor of another session's messages is well-formed but not one this list issued.
  if (cursor && cursor.sessionId_seq?.sessionId !== sessionId) {
    throw new UserInputError({ [backwards ? 'before' : 'after']: 'is not a cursor of this list' });
  }
  const seq = cursor?.sessionId_seq?.seq;
  const limit = Math.abs(take);
  const page = backwards ? { limit, beforeSeq: seq, newest: true } : { limit, afterSeq: seq };
  return [page, query];
}

export const ChatSessionRef = builder.prismaNode('ChatSession', {
  description: 'A conversation of a learner with one AI coach. Visible to the learner and to admins.',
  id: { field: 'id' },
  // A stranger's session resolves to null, through node()/nodes() as through chatSession().
  nullable: true,
  findUnique: (id, context) => ({ id: rowId(id), ...ownedByViewer(context.viewer) }),
  fields: (t) => ({
    user: t.relation('user', { description: 'The learner the session belongs to.' }),
    character: t.relation('character', { description: 'The coach the learner talks to.' }),
    sessionName: t.exposeString('sessionName', { nullable: true, description: "The learner's title for it." }),
    messages: t.prismaConnection(
      {
        type: ChatMessageRef,
        description:
          'Messages in order of seq. The cursor is the seq: `last` with `before` scrolls back through history.',
        cursor: 'sessionId_seq',
        ...pageSizeOptions,
        // seq runs 1..message_count without gaps, so the session row knows the count without counting.
        totalCount: (session) => session.messageCount,
        resolve: (query, session, _args, context) =>
          messagePage(context.prisma, session.id, ...keysetPage(query, session.id)),
      },
      { name: 'ChatMessageConnection' },
      { name: 'ChatMessageEdge' },
    ),
    contextData: t.expose('contextData', {
      type: 'JSON',
      nullable: true,
      description: 'Free-form data the client keeps with the session (an object).',
    }),
    isActive: t.exposeBoolean('isActive', { description: 'False once the session has ended.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    lastMessageAt: t.expose('lastMessageAt', {
      type: 'DateTime',
      description: 'When the newest message was written (startedAt before the first).',
    }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const ChatMessageRef = builder.prismaNode('ChatMessage', {
  description: 'One message of a chat session. Visible to the learner of the session and to admins.',
  id: { field: 'id' },
  // Another learner's message is null through node()/nodes(), not NOT_FOUND for the whole list.
  nullable: true,
  findUnique: (id, context) => ({ id: messageRowId(id), session: ownedByViewer(context.viewer) }),
  fields: (t) => ({
    seq: t.exposeInt('seq', {
      description: '1, 2, 3 ... within its session, without gaps, in the order the server accepted the messages.',
    }),
    // The column's CHECK allows exactly these three values.
    role: t.field({ type: ChatRoleEnum, resolve: (message) => message.role as ChatRole }),
    content: t.exposeString('content'),
    clientMessageId: t.exposeString('clientMessageId', {
      nullable: true,
      description: 'The id the sender gave the message (sendChatMessage), to match it with its optimistic copy.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    session: t.relation('session'),
    // A relation, so a page of messages reads the questions they answer in one query with the page.
    inReplyTo: t.relation('inReplyTo', {
      nullable: true,
      description: "The learner's message that this character or system message answers; null for learner messages.",
    }),
  }),
});

export const ChatReplyDraftRef = builder.objectRef<ChatReplyDraft>('ChatReplyDraft').implement({
  description: "A character's reply while it is written (chatReplyDrafts).",
  fields: (t) => ({
    inReplyToSeq: t.exposeInt('inReplyToSeq', { description: 'The seq of the learner message being answered.' }),
    content: t.exposeString('content', { description: "The reply's text so far." }),
  }),
});

builder.prismaObjectField(UserRef, 'chatSessions', (t) =>
  t.relatedConnection(
    'chatSessions',
    {
      description: "The user's chat sessions, the one with the newest message first.",
      cursor: 'id',
      ...pageSizeOptions,
      totalCount: true,
      args: { isActive: t.arg.boolean({ description: 'Only active (true) or only ended (false) sessions.' }) },
      query: (args, context) => {
        return {
          // The user is visible only to themself and admins already; this keeps it so on every path.
          where: {
            ...ownedByViewer(context.viewer),
            ...(typeof args.isActive === 'boolean' ? { isActive: args.isActive } : {}),
          },
          orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
        };
      },
    },
    { name: 'ChatSessionConnection' },
    { name: 'ChatSessionEdge' },
  ),
);
