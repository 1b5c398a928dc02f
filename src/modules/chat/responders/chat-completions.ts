import { z } from 'zod';
import type { Responder } from './responder.js';

/** How many of the latest messages go to the provider as context (the learner's question included). */
export const CONTEXT_MESSAGES = 20;

interface ChatCompletionsOptions {
  /** e.g. https://api.openai.com/v1: requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Sent as "Authorization: Bearer <apiKey>" when set. */
  apiKey?: string;
  model: string;
  /** A reply that takes longer is abandoned. */
  timeoutMs: number;
}

const completionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }) }))
    .min(1, 'the completion has no choices'),
});

/**
 * An OpenAI-compatible chat-completions provider: the character's systemPrompt as the system message, then
 * the recent conversation (the learner as user, the character as assistant; SYSTEM notices stay out), with
 * the character's temperature. Any failure (status, timeout, malformed body) rejects with the detail.
 */
export function createChatCompletionsResponder(options: ChatCompletionsOptions): Responder {
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    name: 'chat-completions',
    async reply({ character, history, signal }) {
      const messages = [
        { role: 'system', content: character.personality.systemPrompt },
        ...history
          .filter((message) => message.role !== 'system')
          .slice(-CONTEXT_MESSAGES)
          .map((message) => ({ role: message.role === 'user' ? 'user' : 'assistant', content: message.content })),
      ];
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: options.model, messages, temperature: character.personality.temperature }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      if (!response.ok) {
        const detail = (await response.text()).slice(0, 500);
        throw new Error(`${endpoint} answered HTTP ${response.status}: ${detail}`);
      }
      const content = completionSchema.parse(await response.json()).choices[0]?.message.content?.trim();
      if (!content) throw new Error(`${endpoint} returned an empty completion`);
      return content;
    },
  };
}
