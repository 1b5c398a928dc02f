import type { ReplyRequest, Responder, StreamingResponder } from './responder.js';

/** How many chunks at most a whole answer is cut into: enough for a client to see the same flow as a stream. */
const CHUNKS = 4;

/** The answer cut at word boundaries into at most CHUNKS parts of about equal length, spaces kept. */
export function chunksOf(text: string, chunks = CHUNKS): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const target = Math.max(1, Math.ceil(text.length / chunks));
  const parts: string[] = [];
  let current = text.slice(0, text.length - text.trimStart().length);
  for (const word of words) {
    current += word;
    if (current.length >= target && parts.length < chunks - 1) {
      parts.push(current);
      current = '';
    }
  }
  if (current) parts.push(current);
  return parts;
}

/**
 * A responder that answers all at once (the offline coach) as a stream of a few chunks, so that its replies
 * go through drafts like a provider's: the whole answer is ready first, so the chunks follow at once.
 */
export function streamInChunks(responder: Responder): StreamingResponder {
  return {
    name: responder.name,
    async *stream(request: ReplyRequest) {
      yield* chunksOf(await responder.reply(request));
    },
  };
}
