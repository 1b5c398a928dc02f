import type { ChatMessage, PrismaClient } from '../../generated/prisma/client.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { PublishedChatMessage, PubSub, Topics } from '../../platform/pubsub.js';
import type { Logger } from '../../platform/logger.js';
import { ConflictError } from '../../platform/errors.js';
import { driverCause } from '../../platform/db/errors.js';

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
