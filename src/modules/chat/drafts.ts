import type { PrismaClient } from '../../generated/prisma/client.js';
import type { ChatReplyDraft, PubSub } from '../../platform/pubsub.js';
import { DomainError } from '../../platform/errors.js';
import type { ChatEvents } from './messages.js';
import { streamControl } from './stream-control.js';

/**
 * A character's reply while it is written: published on `chat-drafts:<sessionId>` as the whole text so far,
 * a few times a second, and read by chatReplyDrafts subscribers. Drafts are not stored: the finished reply is
 * a message, and a late subscriber sees the next draft, which carries everything so far.
 */

export interface DraftPublisher {
  /** The text so far: published at once when the last event is CHAT_DRAFT_INTERVAL_MS old, else then. */
  update(content: string): void;
  /** The finished text, published at once, so that the last draft equals the reply. */
  finish(content: string): void;
  /** Drops a draft not yet published (the reply failed: the SYSTEM message supersedes it). */
  cancel(): void;
}

export function draftPublisher(
  events: ChatEvents,
  sessionId: number,
  inReplyToSeq: number,
  intervalMs: number,
): DraftPublisher {
  let content = '';
  let lastSent = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    timer = undefined;
    lastSent = performance.now();
    events.pubsub.publish(`chat-drafts:${sessionId}`, { inReplyToSeq, content }).catch((error: unknown) => {
      events.logger.warn({ err: error, sessionId, inReplyToSeq }, 'chat reply draft not published');
    });
  };
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    update(next) {
      content = next;
      if (timer) return;
      const wait = lastSent + intervalMs - performance.now();
      if (wait <= 0) send();
      else timer = setTimeout(send, wait);
    },
    finish(final) {
      cancel();
      content = final;
      send();
    },
    cancel,
  };
}

/** Raised into a draft stream whose consumer fell more than maxBehind drafts behind. */
class SlowDraftConsumerError extends DomainError {
  constructor() {
    super('RATE_LIMITED', 'The subscription fell too far behind the drafts; subscribe again');
  }
}

/**
 * The session's reply drafts as they are published, from now on (a draft is not stored: a late subscriber
 * sees the next one, which carries the whole text so far). Like a message stream, it holds at most
 * `maxBehind` drafts for a consumer that does not read them and then drops it with RATE_LIMITED, and it
 * completes once the session has ended.
 */
export async function openDraftStream(
  prisma: PrismaClient,
  pubsub: PubSub,
  sessionId: number,
  { maxBehind }: { maxBehind: number },
): Promise<AsyncIterableIterator<ChatReplyDraft>> {
  const { controller, signal, wake, nextWake, returnable } = streamControl();
  const pending: ChatReplyDraft[] = [];
  let ended = false;
  let overflowed = false;

  try {
    await Promise.all([
      pubsub.subscribe(
        `chat-drafts:${sessionId}`,
        (draft) => {
          pending.push(draft);
          if (pending.length > maxBehind) {
            overflowed = true;
            pending.length = 0;
            controller.abort();
          }
          wake();
        },
        signal,
      ),
      pubsub.subscribe(
        `chat:${sessionId}`,
        (event) => {
          if (!event.ended) return;
          ended = true;
          wake();
        },
        signal,
      ),
    ]);
    const session = await prisma.chatSession.findUniqueOrThrow({
      where: { id: sessionId },
      select: { isActive: true },
    });
    if (!session.isActive) ended = true;
  } catch (error) {
    controller.abort();
    throw error;
  }

  async function* drafts(): AsyncGenerator<ChatReplyDraft> {
    try {
      while (!signal.aborted) {
        // Armed before anything is yielded: a draft arriving meanwhile ends the wait below at once.
        const woken = nextWake();
        const draft = pending.shift();
        if (draft) {
          yield draft;
          continue;
        }
        if (ended) return;
        await woken;
      }
      if (overflowed) throw new SlowDraftConsumerError();
    } finally {
      controller.abort();
    }
  }

  return returnable(drafts());
}
