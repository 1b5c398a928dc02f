import type { ChatMessage, PrismaClient } from '../../generated/prisma/client.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { PublishedChatMessage, PubSub } from '../../platform/pubsub.js';
import { DomainError } from '../../platform/errors.js';
import { selectsOnlyColumns } from '../../platform/db/selection.js';
import { streamControl } from './stream-control.js';

/** Messages read from the database at a time while a subscription replays or catches up. */
const PAGE_SIZE = 100;

/** What of each message a stream reads: plugin-prisma's select or include for the subscriber's selection. */
export type MessageQuery = Pick<Prisma.ChatMessageFindManyArgs, 'select' | 'include'>;

function stored(message: PublishedChatMessage): ChatMessage {
  return {
    ...message,
    id: BigInt(message.id),
    createdAt: new Date(message.createdAt),
    metadata: message.metadata as ChatMessage['metadata'],
  };
}

function readMessagesAfter(prisma: PrismaClient, sessionId: number, afterSeq: number, query: MessageQuery) {
  return prisma.chatMessage.findMany({
    ...query,
    where: { sessionId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: PAGE_SIZE,
  }) as Promise<ChatMessage[]>;
}

/** True when the selection needs nothing but the message's columns, which a stored or carried row has. */
export function selectsOnlyMessageColumns(query: MessageQuery): boolean {
  return selectsOnlyColumns(query, Prisma.ChatMessageScalarFieldEnum);
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
  const { controller, signal, wake, nextWake, returnable } = streamControl();
  const useCarried = selectsOnlyMessageColumns(query);
  /** Live messages from their events, by seq, until delivered. */
  const carried = new Map<number, PublishedChatMessage>();
  let delivered = Number.POSITIVE_INFINITY;
  /** The seq the session had when the stream started: messages after it are live. */
  let liveFrom = Number.POSITIVE_INFINITY;
  /** The highest seq known to be written (and committed: events follow the commit). */
  let announced = 0;
  let endSeq = Number.POSITIVE_INFINITY;
  let overflowed = false;

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

  return returnable(messages());
}
