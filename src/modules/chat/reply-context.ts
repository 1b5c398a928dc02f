import type { Character, ChatMessage } from '../../generated/prisma/client.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';
import type { ChatRole } from './messages.js';
import { CONTEXT_MESSAGES } from './responders/chat-completions.js';

/** Typed by Prisma's rows, column for column (the statement names them as Prisma does). */
type ReplyContext = Pick<Character, 'displayName' | 'conversationStyle' | 'personalityConfig'> & {
  /** The conversation up to the learner message, oldest first. */
  recent: (Pick<ChatMessage, 'content'> & { role: ChatRole })[];
};

/**
 * What writing the reply to message `seq` reads, in one statement: the character, and the conversation up to
 * that message. None when there is nothing to write: the session has ended (or is gone), or an earlier attempt
 * wrote the reply and stopped before the queue heard.
 */
const REPLY_CONTEXT: NamedStatement = {
  name: 'chat_reply_context',
  text: `SELECT c.display_name AS "displayName", c.conversation_style AS "conversationStyle",
                c.personality_config AS "personalityConfig",
                (SELECT coalesce(json_agg(json_build_object('role', m.role, 'content', m.content) ORDER BY m.seq), '[]')
                   FROM (SELECT seq, role, content FROM chat_messages
                          WHERE session_id = s.id AND seq <= $2
                          ORDER BY seq DESC LIMIT $3) AS m) AS recent
           FROM chat_sessions s JOIN characters c ON c.id = s.character_id
          WHERE s.id = $1 AND s.is_active
            AND NOT EXISTS (SELECT 1 FROM chat_messages a WHERE a.session_id = s.id AND a.in_reply_to_seq = $2)`,
};

export async function replyContext(readRows: RowReader, sessionId: number, seq: number): Promise<ReplyContext | null> {
  const [context] = await readRows<ReplyContext>(REPLY_CONTEXT, [sessionId, seq, CONTEXT_MESSAGES]);
  return context ?? null;
}
