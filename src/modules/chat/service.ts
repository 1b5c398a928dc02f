import { z } from 'zod';
import type { ChatMessage, PrismaClient } from '../../generated/prisma/client.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import type { PublishedChatMessage, PubSub, Topics } from '../../platform/pubsub.js';
import type { Logger } from '../../platform/logger.js';
import type { ChatReplies } from './replies.js';
import { ConflictError, DomainError, NotFoundError, UserInputError } from '../../platform/errors.js';
import { driverCause } from '../../platform/db/errors.js';
import { parseInput } from '../../platform/input.js';

/** The longest message a learner may send, in characters (after trimming). */
export const MAX_MESSAGE_LENGTH = 4000;
/** Messages read from the database at a time while a subscription replays or catches up. */
const PAGE_SIZE = 100;

export type ChatRole = 'user' | 'character' | 'system';

const sessionName = z.string().trim().min(1, 'must not be blank').max(255, 'must be at most 255 characters');

const messageInput = z.object({
  content: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  clientMessageId: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
});

/** What publishing needs; a failed publish is logged, never the writer's failure (the row is committed). */
interface ChatEvents {
  pubsub: PubSub;
  logger: Logger;
}

function announce(events: ChatEvents, sessionId: number, payload: Topics[`chat:${number}`]): void {
  events.pubsub.publish(`chat:${sessionId}`, payload).catch((error: unknown) => {
    events.logger.warn(
      { err: error, sessionId, seq: payload.seq, ended: payload.ended },
      'chat event not published; subscribers catch up later',
    );
  });
}

function published(message: ChatMessage): PublishedChatMessage {
  return { ...message, id: message.id.toString(), createdAt: message.createdAt.toISOString() };
}

function stored(message: PublishedChatMessage): ChatMessage {
  return {
    ...message,
    id: BigInt(message.id),
    createdAt: new Date(message.createdAt),
    metadata: message.metadata as ChatMessage['metadata'],
  };
}

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

/** Opens a session of the viewer with an active character. */
export async function startChatSession(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { characterId: number; sessionName?: string | null },
): Promise<{ id: number }> {
  const name = parseInput(sessionName.nullish(), input.sessionName, 'sessionName');
  const character = await prisma.character.findFirst({
    where: { id: input.characterId, isActive: true },
    select: { id: true },
  });
  if (!character) throw new NotFoundError('Active character');
  return prisma.chatSession.create({
    data: { userId: viewer.id, characterId: character.id, sessionName: name ?? null },
    select: { id: true },
  });
}

/** Renames one of the viewer's sessions (ended ones too). */
export async function renameChatSession(
  prisma: PrismaClient,
  viewer: Viewer,
  sessionId: number,
  newName: string,
): Promise<void> {
  const name = parseInput(sessionName, newName, 'sessionName');
  await sessionOfViewer(prisma, viewer, sessionId, { admins: false });
  await prisma.chatSession.update({ where: { id: sessionId }, data: { sessionName: name } });
}

/**
 * Ends a session (its owner, or an admin): it takes no more messages, and subscribers complete once they have
 * every message. Ending an ended session changes nothing.
 */
export async function endChatSession(
  prisma: PrismaClient,
  events: ChatEvents,
  viewer: Viewer,
  sessionId: number,
): Promise<void> {
  await sessionOfViewer(prisma, viewer, sessionId, { admins: true });
  // The row lock orders this after any message being appended, so message_count is the final seq.
  const [ended] = await prisma.$queryRaw<{ seq: number }[]>`
    UPDATE chat_sessions SET is_active = false, ended_at = now()
    WHERE id = ${sessionId} AND is_active
    RETURNING message_count AS seq`;
  if (ended) announce(events, sessionId, { seq: ended.seq, ended: true });
}

interface NewMessage {
  sessionId: number;
  role: ChatRole;
  content: string;
  clientMessageId?: string | null;
  metadata?: Record<string, unknown>;
}

interface AppendedMessage {
  message: ChatMessage;
  /** False when clientMessageId named a message that already exists: that one is returned instead. */
  created: boolean;
}

const CLIENT_MESSAGE_ID_KEY = 'chat_messages_session_id_client_message_id_key';

function isClientMessageIdCollision(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    driverCause(error)?.constraint?.index === CLIENT_MESSAGE_ID_KEY
  );
}

async function existingMessage(prisma: PrismaClient, sessionId: number, clientMessageId: string | null) {
  if (!clientMessageId) return null;
  return prisma.chatMessage.findUnique({ where: { sessionId_clientMessageId: { sessionId, clientMessageId } } });
}

/**
 * Appends a message with the session's next seq and announces it. One statement claims the seq (the UPDATE's
 * row lock makes concurrent writers take turns, so seqs follow commit order) and inserts the row: when the
 * insert fails, on a duplicate clientMessageId say, the claim rolls back with it and no seq is lost. A
 * clientMessageId that already exists (a retry) returns that message instead of a copy, also once the
 * session has ended; the unique key finds it, so a first send costs no lookup.
 */
export async function appendMessage(
  prisma: PrismaClient,
  events: ChatEvents,
  message: NewMessage,
): Promise<AppendedMessage> {
  const { sessionId, role, content, clientMessageId = null, metadata = {} } = message;
  let appended: ChatMessage | undefined;
  try {
    // The whole row comes back (every column of chat_messages, as Prisma names them), for the event to carry
    // it to the subscribers and the mutation to answer with it.
    [appended] = await prisma.$queryRaw<ChatMessage[]>`
      WITH claimed AS (
        UPDATE chat_sessions SET message_count = message_count + 1, last_message_at = now()
        WHERE id = ${sessionId} AND is_active
        RETURNING message_count
      )
      INSERT INTO chat_messages (session_id, seq, role, content, client_message_id, metadata)
      SELECT ${sessionId}, message_count, ${role}, ${content}, ${clientMessageId}, ${JSON.stringify(metadata)}::jsonb
      FROM claimed
      RETURNING id, session_id AS "sessionId", seq, role, content, client_message_id AS "clientMessageId", metadata,
        created_at AS "createdAt"`;
  } catch (error) {
    const winner = isClientMessageIdCollision(error) ? await existingMessage(prisma, sessionId, clientMessageId) : null;
    if (winner) return { message: winner, created: false };
    throw error;
  }
  if (!appended) {
    const earlier = await existingMessage(prisma, sessionId, clientMessageId);
    if (earlier) return { message: earlier, created: false };
    throw new ConflictError('This chat session has ended and takes no more messages');
  }
  announce(events, sessionId, { seq: appended.seq, message: published(appended) });
  return { message: appended, created: true };
}

/**
 * Appends a learner's message to one of their sessions, and has the character answer it in the background
 * (not a retry's: that message has its answer already).
 */
export async function sendLearnerMessage(
  prisma: PrismaClient,
  deps: ChatEvents & { chatReplies: ChatReplies },
  viewer: Viewer,
  input: { sessionId: number; content: string; clientMessageId?: string | null },
): Promise<ChatMessage> {
  const { content, clientMessageId } = parseInput(messageInput, input);
  await sessionOfViewer(prisma, viewer, input.sessionId, { admins: false });
  const message = await appendMessage(prisma, deps, {
    sessionId: input.sessionId,
    role: 'user',
    content,
    clientMessageId,
  });
  if (message.created) deps.chatReplies.answer(input.sessionId, message.message.seq);
  return message.message;
}

/** What of each message a stream reads: plugin-prisma's select or include for the subscriber's selection. */
export type MessageQuery = Pick<Prisma.ChatMessageFindManyArgs, 'select' | 'include'>;

/**
 * A page of messages as plugin-prisma plans it: what to read of each message, the cursor's message (to
 * exclude), and how many rows, one more than the page to tell whether another page exists; negative when the
 * page ends at the cursor (last/before).
 */
type MessagePageQuery = MessageQuery & {
  cursor?: { sessionId_seq?: { sessionId: number; seq: number } };
  take: number;
  skip: number;
};

/**
 * One page of the session's messages in seq order, as a keyset query on the (session_id, seq) unique index
 * with LIMIT |take|: the newest page reads 51 rows, not the session. (Prisma pages a relation in memory after
 * reading all of it, and its own cursor costs a subquery to find the cursor's row; seq is the position.)
 */
export async function messagePage(
  prisma: PrismaClient,
  sessionId: number,
  // skip (1 with a cursor, Prisma's way to leave the cursor's row out) is not passed on: the strict bound does it.
  { cursor, take, skip: _skip, ...selection }: MessagePageQuery,
): Promise<ChatMessage[]> {
  const backwards = take < 0;
  // A cursor of another session's messages is well-formed but not one this list issued.
  if (cursor && cursor.sessionId_seq?.sessionId !== sessionId) {
    throw new UserInputError({ [backwards ? 'before' : 'after']: 'is not a cursor of this list' });
  }
  const cursorSeq = cursor?.sessionId_seq?.seq;
  const rows = await prisma.chatMessage.findMany({
    ...selection,
    where: {
      sessionId,
      ...(cursorSeq === undefined ? {} : { seq: backwards ? { lt: cursorSeq } : { gt: cursorSeq } }),
    },
    orderBy: { seq: backwards ? 'desc' : 'asc' },
    take: Math.abs(take),
  });
  return backwards ? rows.reverse() : rows;
}

function readMessagesAfter(prisma: PrismaClient, sessionId: number, afterSeq: number, query: MessageQuery) {
  return prisma.chatMessage.findMany({
    ...query,
    where: { sessionId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: PAGE_SIZE,
  }) as Promise<ChatMessage[]>;
}

/**
 * True when plugin-prisma's selection reads nothing but the message's own columns, which the stored row
 * carries: no relation in an include, and in a select only scalar fields (a relation there may be `true`).
 */
export function selectsOnlyColumns(query: MessageQuery): boolean {
  return (
    !query.include &&
    Object.entries(query.select ?? {}).every(
      ([field, selected]) => selected === true && field in Prisma.ChatMessageScalarFieldEnum,
    )
  );
}

interface MessageStreamOptions {
  /** Replay the stored messages after this seq first; without it, only messages written from now on. */
  afterSeq: number | null;
  /** Live messages the stream may be behind its consumer by before it gives up on it (slow consumer). */
  maxBehind: number;
  /** What to read of each message (default: the whole row), so that a page is one query with its relations. */
  query?: MessageQuery;
}

/** Raised into a stream whose consumer fell more than maxBehind live messages behind. */
class SlowConsumerError extends DomainError {
  constructor(afterSeq: number) {
    super(
      'RATE_LIMITED',
      `The subscription fell too far behind the live messages; subscribe again with afterSeq ${afterSeq}`,
      { afterSeq },
    );
  }
}

/**
 * The session's messages in seq order, each once: first the stored ones after `afterSeq`, then the live ones.
 * It subscribes to the session's topic before it reads anything, so no message can slip between the stored
 * and the live ones. A live message is delivered as its event carries it when it is the next seq (and the
 * selection needs no relation); anything else the stream knows was written, it reads from the database by seq
 * range: the replay, a seq whose event was lost, late or out of order, an event from before the message
 * carried it. So a lost or late event delays a message until the next event but never drops, repeats or
 * reorders one. Memory per stream is constant: a consumer more than `maxBehind` live messages behind is
 * dropped with SlowConsumerError instead (which also bounds the carried messages held). The stream completes
 * after the last message of an ended session.
 */
export async function openMessageStream(
  prisma: PrismaClient,
  pubsub: PubSub,
  sessionId: number,
  { afterSeq, maxBehind, query = {} }: MessageStreamOptions,
): Promise<AsyncIterableIterator<ChatMessage>> {
  const controller = new AbortController();
  const { signal } = controller;
  const useCarried = selectsOnlyColumns(query);
  /** Live messages from their events, by seq, until delivered. */
  const carried = new Map<number, PublishedChatMessage>();
  let delivered = Number.POSITIVE_INFINITY;
  /** The seq the session had when the stream started: messages after it are live. */
  let liveFrom = Number.POSITIVE_INFINITY;
  /** The highest seq known to be written (and committed: events follow the commit). */
  let announced = 0;
  let endSeq = Number.POSITIVE_INFINITY;
  let overflowed = false;
  let wake = () => {};
  const nextWake = () => new Promise<void>((resolve) => (wake = resolve));
  signal.addEventListener('abort', () => wake(), { once: true });

  try {
    await pubsub.subscribe(
      `chat:${sessionId}`,
      (event) => {
        announced = Math.max(announced, event.seq);
        if (event.ended) endSeq = event.seq;
        if (event.message && useCarried && event.seq > delivered) carried.set(event.seq, event.message);
        if (announced - Math.max(delivered, liveFrom) > maxBehind) {
          overflowed = true;
          controller.abort();
        }
        wake();
      },
      signal,
    );
    const session = await prisma.chatSession.findUniqueOrThrow({
      where: { id: sessionId },
      select: { messageCount: true, isActive: true },
    });
    liveFrom = session.messageCount;
    announced = Math.max(announced, session.messageCount);
    delivered = afterSeq ?? session.messageCount;
    if (!session.isActive) endSeq = session.messageCount;
  } catch (error) {
    controller.abort();
    throw error;
  }

  async function* messages(): AsyncGenerator<ChatMessage> {
    try {
      while (!signal.aborted && delivered < endSeq) {
        // Armed before anything is read or yielded: an event arriving meanwhile ends the wait below at once.
        const woken = nextWake();
        const next = carried.get(delivered + 1);
        if (next) {
          carried.delete(next.seq);
          delivered = next.seq;
          yield stored(next);
          continue;
        }
        if (delivered < announced) {
          const page = await readMessagesAfter(prisma, sessionId, delivered, query);
          for (const message of page) {
            if (signal.aborted) break;
            delivered = message.seq;
            yield message;
          }
          for (const seq of carried.keys()) if (seq <= delivered) carried.delete(seq);
          if (page.length === PAGE_SIZE) continue;
        }
        if (delivered < endSeq) await woken;
      }
      if (overflowed) throw new SlowConsumerError(delivered);
    } finally {
      controller.abort();
    }
  }

  const generator = messages();
  // A generator cannot be returned while it awaits; aborting first wakes it, so return() ends it at once.
  const stream: AsyncIterableIterator<ChatMessage> = {
    next: () => generator.next(),
    return: (value?: unknown) => {
      controller.abort();
      return generator.return(value);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
