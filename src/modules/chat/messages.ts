import type { ChatMessage, PrismaClient } from '../../generated/prisma/client.js';
import type { PublishedChatMessage, PubSub, Topics } from '../../platform/pubsub.js';
import type { Logger } from '../../platform/logger.js';
import { ConflictError } from '../../platform/errors.js';
import type { Database, Transaction } from '../../platform/db/client.js';
import { violatedUniqueConstraint } from '../../platform/db/errors.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';

/** Who wrote a message (the column's CHECK allows exactly these). */
export type ChatRole = 'user' | 'character' | 'system';

/** What publishing needs; a failed publish is logged, never the writer's failure (the row is committed). */
export interface ChatEvents {
  pubsub: PubSub;
  logger: Logger;
}

export function announce(events: ChatEvents, sessionId: number, payload: Topics[`chat:${number}`]): void {
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

interface NewMessage {
  sessionId: number;
  /** Whose session it must be, when the writer is a learner: the claim then checks it, with no read before. */
  ownerId?: number;
  role: ChatRole;
  content: string;
  clientMessageId?: string | null;
  /** The learner message a character or system message answers; at most one answer each (a unique key). */
  inReplyToSeq?: number | null;
  metadata?: Record<string, unknown>;
}

interface AppendedMessage {
  message: ChatMessage;
  /**
   * False when the message was there already, and that one is returned instead: a clientMessageId that names
   * an existing message (a retry), or a second answer to the same learner message.
   */
  created: boolean;
}

/** The unique keys whose collision means "this message exists already", and how to read that one. */
const DUPLICATE_KEYS = {
  chat_messages_session_id_client_message_id_key: (prisma: PrismaClient, message: NewMessage) =>
    message.clientMessageId
      ? prisma.chatMessage.findUnique({
          where: {
            sessionId_clientMessageId: { sessionId: message.sessionId, clientMessageId: message.clientMessageId },
          },
        })
      : null,
  chat_messages_session_id_in_reply_to_seq_key: (prisma: PrismaClient, message: NewMessage) =>
    message.inReplyToSeq
      ? prisma.chatMessage.findUnique({
          where: { sessionId_inReplyToSeq: { sessionId: message.sessionId, inReplyToSeq: message.inReplyToSeq } },
        })
      : null,
};

function duplicateKeyOf(error: unknown): keyof typeof DUPLICATE_KEYS | null {
  const constraint = violatedUniqueConstraint(error);
  return constraint && constraint in DUPLICATE_KEYS ? (constraint as keyof typeof DUPLICATE_KEYS) : null;
}

/** What writing messages needs: named statements, a transaction for work that commits with one, Prisma for the rest. */
export type MessageStore = Pick<Database, 'prisma' | 'readRows' | 'transaction'>;

/**
 * $1: the session, $2: the owner it must have (null: any), then the message's role, content, clientMessageId,
 * inReplyToSeq and metadata. One statement claims the session's next seq (the UPDATE's row lock makes
 * concurrent writers take turns, so seqs follow commit order) and inserts the row: when the insert fails, on a
 * duplicate key say, the claim rolls back with it and no seq is lost. The whole row comes back (every column of
 * chat_messages, as Prisma names them; the BIGINT id as text), for the event to carry it to the subscribers and
 * the mutation to answer with it.
 */
const APPEND_MESSAGE: NamedStatement = {
  name: 'chat_append_message',
  text: `WITH claimed AS (
      UPDATE chat_sessions SET message_count = message_count + 1, last_message_at = now()
      WHERE id = $1 AND is_active AND ($2::int IS NULL OR user_id = $2::int)
      RETURNING message_count
    )
    INSERT INTO chat_messages (session_id, seq, role, content, client_message_id, in_reply_to_seq, metadata)
    SELECT $1, message_count, $3, $4, $5, $6::int, $7::jsonb
    FROM claimed
    RETURNING id::text, session_id AS "sessionId", seq, role, content, client_message_id AS "clientMessageId",
      metadata, created_at AS "createdAt", in_reply_to_seq AS "inReplyToSeq"`,
};

/** The appended row, or undefined when the session has ended, does not exist or is not `ownerId`'s. */
async function insertMessage(readRows: RowReader, message: NewMessage): Promise<ChatMessage | undefined> {
  const {
    sessionId,
    ownerId = null,
    role,
    content,
    clientMessageId = null,
    inReplyToSeq = null,
    metadata = {},
  } = message;
  const [inserted] = await readRows<Omit<ChatMessage, 'id'> & { id: string }>(APPEND_MESSAGE, [
    sessionId,
    ownerId,
    role,
    content,
    clientMessageId,
    inReplyToSeq,
    JSON.stringify(metadata),
  ]);
  return inserted && { ...inserted, id: BigInt(inserted.id) };
}

/**
 * Appends a message with the session's next seq and announces it once committed. A message that exists
 * already (see AppendedMessage.created) is returned instead of a copy, also once the session has ended; the
 * unique key finds it, so a first send costs no lookup. `alsoInTransaction` runs in the insert's transaction
 * with the new row (enqueueing its reply, say): both commit or neither. `whenNotAppended` runs first when
 * nothing was appended, to refuse with its own error (the owner's check, say) before the ended session's.
 */
export async function appendMessage(
  { prisma, readRows, transaction }: MessageStore,
  events: ChatEvents,
  message: NewMessage,
  alsoInTransaction?: (tx: Transaction, appended: ChatMessage) => Promise<void>,
  whenNotAppended?: () => Promise<unknown>,
): Promise<AppendedMessage> {
  let appended: ChatMessage | undefined;
  try {
    appended = alsoInTransaction
      ? await transaction(async (tx) => {
          const inserted = await insertMessage(tx.readRows, message);
          if (inserted) await alsoInTransaction(tx, inserted);
          return inserted;
        })
      : await insertMessage(readRows, message);
  } catch (error) {
    const key = duplicateKeyOf(error);
    const winner = key ? await DUPLICATE_KEYS[key](prisma, message) : null;
    if (winner) return { message: winner, created: false };
    throw error;
  }
  if (!appended) {
    await whenNotAppended?.();
    const earlier = await DUPLICATE_KEYS.chat_messages_session_id_client_message_id_key(prisma, message);
    if (earlier) return { message: earlier, created: false };
    throw new ConflictError('This chat session has ended and takes no more messages');
  }
  announce(events, message.sessionId, { seq: appended.seq, message: published(appended) });
  return { message: appended, created: true };
}
