import { z } from 'zod';
import type { ChatRole } from '../messages.js';

/**
 * What a responder reads of a character's personality_config. Writes are validated strictly (see the
 * character service); reading is lenient, so that a key a responder does not need never costs a reply.
 */
export const personalitySchema = z.looseObject({
  systemPrompt: z.string().catch(''),
  temperature: z.number().min(0).max(2).catch(0.7),
  tone: z.string().catch(''),
  greeting: z.string().trim().min(1).optional().catch(undefined),
  catchphrases: z.array(z.string().trim().min(1)).catch([]),
  signOff: z.string().trim().min(1).optional().catch(undefined),
});

export type Personality = z.infer<typeof personalitySchema>;

export interface ReplyRequest {
  character: {
    displayName: string;
    /** friendly, analytical or competitive (the stored ConversationStyle). */
    conversationStyle: string;
    personality: Personality;
  };
  /** The conversation's recent messages, oldest first; the last one is the learner's message to answer. */
  history: { role: ChatRole; content: string }[];
  /** Aborts when the server shuts down. */
  signal: AbortSignal;
}

/** Writes a character's answer to the learner's latest message, all at once. */
export interface Responder {
  /** Recorded in each reply's metadata. */
  readonly name: string;
  reply(request: ReplyRequest): Promise<string>;
}

/**
 * Writes a character's answer as it is produced: the reply is the concatenation of the chunks. Replies are
 * written through this; a responder that answers all at once is adapted by `streamInChunks`.
 */
export interface StreamingResponder {
  readonly name: string;
  stream(request: ReplyRequest): AsyncIterable<string>;
}
