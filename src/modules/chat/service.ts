import { z } from 'zod';
import type { ChatMessage, ChatSession, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { NotFoundError } from '../../platform/errors.js';
import { parseInput } from '../../platform/input.js';
import type { ChatReplies } from './replies.js';
import { announce, appendMessage, type ChatEvents, type MessageStore } from './messages.js';
import type { MessageQuery } from './stream.js';

/** The longest message a learner may send, in characters (after trimming). */
export const MAX_MESSAGE_LENGTH = 4000;
const sessionName = z.string().trim().min(1, 'must not be blank').max(255, 'must be at most 255 characters');

const messageInput = z.object({
  content: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  clientMessageId: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
});

/**
 * The session if the viewer may act on it: the owner, and with `admins` also any admin. Anyone else gets
 * NOT_FOUND, exactly as for a session that does not exist, so strangers cannot probe which ids exist.
 */
export async function sessionOfViewer(
  prisma: PrismaClient,
  viewer: Viewer,
  sessionId: number,
  { admins }: { admins: boolean },
) {
  const session = await prisma.chatSession.findUnique({ where: { id: sessionId } });
  if (!session || (session.userId !== viewer.id && !(admins && viewer.role === 'admin'))) {
    throw new NotFoundError('Chat session');
  }
  return session;
}

/** What to read of a returned session: plugin-prisma's select or include for the client's selection. */
export type SessionQuery = Pick<Prisma.ChatSessionFindUniqueArgs, 'select' | 'include'>;

/** Opens a session of the viewer with an active character. */
export async function startChatSession(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { characterId: number; sessionName?: string | null },
  query: SessionQuery = {},
): Promise<ChatSession> {
  const name = parseInput(sessionName.nullish(), input.sessionName, 'sessionName');
  const character = await prisma.character.findFirst({
    where: { id: input.characterId, isActive: true },
    select: { id: true },
  });
  if (!character) throw new NotFoundError('Active character');
  return prisma.chatSession.create({
    ...query,
    data: { userId: viewer.id, characterId: character.id, sessionName: name ?? null },
  });
}

/** Renames one of the viewer's sessions (ended ones too). */
export async function renameChatSession(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { sessionId: number; sessionName: string },
  query: SessionQuery = {},
): Promise<ChatSession> {
  const name = parseInput(sessionName, input.sessionName, 'sessionName');
  await sessionOfViewer(prisma, viewer, input.sessionId, { admins: false });
  return prisma.chatSession.update({ ...query, where: { id: input.sessionId }, data: { sessionName: name } });
}

/** What changing a session's messages needs: the database, where to announce, and who answers. */
export interface ChatDependencies extends ChatEvents, MessageStore {
  replies: ChatReplies;
}

/**
 * Ends a session (its owner, or an admin): it takes no more messages, and subscribers complete once they have
 * every message. Ending an ended session changes nothing.
 */
export async function endChatSession(
  deps: ChatDependencies,
  viewer: Viewer,
  sessionId: number,
  query: SessionQuery = {},
): Promise<ChatSession> {
  const { prisma } = deps;
  await sessionOfViewer(prisma, viewer, sessionId, { admins: true });
  // The row lock orders this after any message being appended, so message_count is the final seq.
  const [ended] = await prisma.$queryRaw<{ seq: number }[]>`
    UPDATE chat_sessions SET is_active = false, ended_at = now()
    WHERE id = ${sessionId} AND is_active
    RETURNING message_count AS seq`;
  if (ended) {
    announce(deps, sessionId, { seq: ended.seq, ended: true });
    // A reply that a worker takes meanwhile finds the session ended and writes nothing.
    await deps.replies.cancelPending(sessionId);
  }
  return prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: sessionId } });
}

/**
 * Appends a learner's message to one of their sessions with the job of the character's answer, in one
 * transaction (not for a retry's message: that one has its job already), and wakes a worker once committed.
 * The insert's claim checks the owner; only a message not appended reads the session, for NOT_FOUND.
 */
export async function sendLearnerMessage(
  deps: ChatDependencies,
  viewer: Viewer,
  input: { sessionId: number; content: string; clientMessageId?: string | null },
): Promise<ChatMessage> {
  const { prisma } = deps;
  const { content, clientMessageId } = parseInput(messageInput, input);
  const message = await appendMessage(
    deps,
    deps,
    { sessionId: input.sessionId, ownerId: viewer.id, role: 'user', content, clientMessageId },
    (tx, appended) => deps.replies.enqueue(tx, input.sessionId, appended.seq),
    () => sessionOfViewer(prisma, viewer, input.sessionId, { admins: false }),
  );
  if (message.created) deps.replies.wake();
  return message.message;
}

/** `limit` messages after afterSeq, or before beforeSeq, or (newest) the last ones of the session. */
export interface MessagePageBounds {
  limit: number;
  afterSeq?: number;
  beforeSeq?: number;
  newest?: boolean;
}

const pageLimit = z.number().int().min(1, 'must be at least 1');
const pageSeq = z.number().int().min(0, 'must not be negative').optional();

/**
 * One page of the session's messages in seq order, as a keyset query on the (session_id, seq) unique index
 * with LIMIT: the newest page reads 51 rows, not the session. (Prisma pages a relation in memory after
 * reading all of it, and its own cursor costs a subquery to find the cursor's row; seq is the position.)
 */
export async function messagePage(
  prisma: PrismaClient,
  sessionId: number,
  page: MessagePageBounds,
  query: MessageQuery = {},
): Promise<ChatMessage[]> {
  const limit = parseInput(pageLimit, page.limit, 'first');
  const afterSeq = parseInput(pageSeq, page.afterSeq, 'after');
  const beforeSeq = parseInput(pageSeq, page.beforeSeq, 'before');
  // From the end backwards: with beforeSeq, or for the newest page (`last` without a cursor).
  const backwards = beforeSeq !== undefined || page.newest === true;
  const rows = await prisma.chatMessage.findMany({
    ...query,
    where: {
      sessionId,
      ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}),
      ...(afterSeq !== undefined ? { seq: { gt: afterSeq } } : {}),
    },
    orderBy: { seq: backwards ? 'desc' : 'asc' },
    take: limit,
  });
  return backwards ? rows.reverse() : rows;
}
