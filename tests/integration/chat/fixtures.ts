import { decodeGlobalID } from '@pothos/plugin-relay';
import { withClient } from '../../../src/platform/db/client.js';
import type { PrismaClient } from '../../../src/generated/prisma/client.js';
import { createCharacter, globalId } from '../../helpers/factories.js';
import type { TestServer, TestUser } from '../../helpers/server.js';
import { SendChatMessageDocument, StartChatSessionDocument } from '../../generated/graphql.js';

/** A coach whose personality_config has every conversational key the offline coach uses. */
export const coachPersonality = {
  systemPrompt: 'You are Ada, a precise poker math coach. Show the numbers.',
  temperature: 0.3,
  tone: 'precise',
  greeting: "Hi, I'm Ada. Give me the pot and the bet.",
  catchphrases: ["Let's check the arithmetic."],
  signOff: 'Run the numbers, then run good.',
};

/** Re-exported for the chat tests' imports: one definition, in the shared factories. */
export { learner } from '../../helpers/factories.js';

export async function coach(prisma: PrismaClient, overrides: Parameters<typeof createCharacter>[1] = {}) {
  return createCharacter(prisma, {
    personalityConfig: coachPersonality,
    conversationStyle: 'analytical',
    ...overrides,
  });
}

/** Opens a session of `as` with the character over HTTP and returns its global id. */
export async function openSession(server: TestServer, as: TestUser, characterId: number): Promise<string> {
  const response = await server.graphql(
    StartChatSessionDocument,
    { characterId: globalId('Character', characterId) },
    { as },
  );
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.startChatSession.id;
}

export function send(server: TestServer, as: TestUser, sessionId: string, content: string, clientMessageId?: string) {
  return server.graphql(SendChatMessageDocument, { sessionId, content, clientMessageId }, { as });
}

export interface StoredMessage {
  seq: number;
  role: string;
  content: string;
  client_message_id: string | null;
  in_reply_to_seq: number | null;
  metadata: { responder?: string };
}

/**
 * The session's rows as stored, read over a connection of its own (after server.close(), everything the
 * server wrote).
 */
export function storedMessages(databaseUrl: string, sessionId: number) {
  return withClient(databaseUrl, async (client) => {
    const messages = await client.query<StoredMessage>(
      'SELECT seq, role, content, client_message_id, in_reply_to_seq, metadata FROM chat_messages WHERE session_id = $1 ORDER BY seq',
      [sessionId],
    );
    const session = await client.query<{ message_count: number }>(
      'SELECT message_count FROM chat_sessions WHERE id = $1',
      [sessionId],
    );
    return { messages: messages.rows, messageCount: session.rows[0]?.message_count };
  });
}

/** 1, 2, ..., n */
export function seqs(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}

/** The row id behind a global id. */
export function rowIdOf(id: string): number {
  return Number(decodeGlobalID(id).id);
}

/** Stores `count` messages straight into the session (no replies follow), as a long history would be. */
export async function storeHistory(prisma: PrismaClient, sessionId: string, count: number) {
  const id = rowIdOf(sessionId);
  await prisma.chatMessage.createMany({
    data: seqs(count).map((seq) => ({ sessionId: id, seq, role: seq % 2 ? 'user' : 'character', content: `m${seq}` })),
  });
  await prisma.chatSession.update({ where: { id }, data: { messageCount: count } });
}
