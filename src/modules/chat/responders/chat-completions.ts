import OpenAI from 'openai';
import type { StreamingResponder } from './responder.js';

/** How many of the latest messages go to the provider as context (the learner's question included). */
export const CONTEXT_MESSAGES = 20;

interface ChatCompletionsOptions {
  /** e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama): requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Sent as "Authorization: Bearer <apiKey>" when set. */
  apiKey?: string;
  model: string;
  /** A reply that takes longer, its whole stream included, is abandoned. */
  timeoutMs: number;
}

/**
 * An OpenAI-compatible chat-completions provider (OpenAI, Ollama, vLLM, LM Studio) through the `openai`
 * package, streamed: the character's systemPrompt as the system message, then the recent conversation (the
 * learner as user, the character as assistant; SYSTEM notices stay out), with the character's temperature.
 * Any failure (status, timeout, a broken stream, an empty answer) throws with the detail; the reply queue
 * retries, so the client does not (maxRetries 0).
 */
export function createChatCompletionsResponder(options: ChatCompletionsOptions): StreamingResponder {
  const client = new OpenAI({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    // The package refuses to start without a key; local servers (Ollama, LM Studio) take any.
    apiKey: options.apiKey ?? 'unused',
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  return {
    name: 'chat-completions',
    async *stream({ character, history, signal }) {
      const messages = [
        { role: 'system' as const, content: character.personality.systemPrompt },
        ...history
          .filter((message) => message.role !== 'system')
          .slice(-CONTEXT_MESSAGES)
          .map((message) => ({
            role: message.role === 'user' ? ('user' as const) : ('assistant' as const),
            content: message.content,
          })),
      ];
      const stream = await client.chat.completions.create(
        { model: options.model, messages, temperature: character.personality.temperature, stream: true },
        // The client's timeout ends the wait for the response; this one ends a stream that stalls after it.
        { signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) },
      );
      let written = false;
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (!text) continue;
        written ||= text.trim().length > 0;
        yield text;
      }
      if (!written) throw new Error(`${options.baseUrl} returned an empty completion`);
    },
  };
}
