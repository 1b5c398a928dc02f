import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../platform/logger.js';
import type { PubSub } from '../../platform/pubsub.js';
import type { ReplyObserver, ReplyOutcome, ReplyTracker } from '../../platform/metrics.js';
import { appendMessage, type ChatRole } from './messages.js';
import { CONTEXT_MESSAGES, createChatCompletionsResponder } from './responders/chat-completions.js';
import { createOfflineCoach } from './responders/offline-coach.js';
import { personalitySchema, type Responder } from './responders/responder.js';

/** Character replies, written in the background after the learner's message has been answered. */
export interface ChatReplies {
  /** Starts the character's answer to the learner's message `seq` of the session; returns at once. */
  answer(sessionId: number, seq: number): void;
  /** Takes no more work, aborts provider calls in flight, and resolves once every started reply has settled. */
  close(): Promise<void>;
}

/** The chat-completions provider when AI_BASE_URL is set, otherwise the offline coach (which reads the lessons' index). */
export function createResponder(config: Config, prisma: PrismaClient): Responder {
  return config.AI_BASE_URL
    ? createChatCompletionsResponder({
        baseUrl: config.AI_BASE_URL,
        apiKey: config.AI_API_KEY,
        model: config.AI_MODEL,
        timeoutMs: config.AI_TIMEOUT_MS,
      })
    : createOfflineCoach({ prisma });
}

interface ChatRepliesDependencies {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  responder: Responder;
  /** Told when each reply is queued, running and settled (metrics); nobody without it. */
  observe?: ReplyObserver;
}

const UNOBSERVED: ReplyTracker = { running: () => undefined, settled: () => undefined };

export function createChatReplies({
  prisma,
  pubsub,
  logger,
  responder,
  observe = () => UNOBSERVED,
}: ChatRepliesDependencies): ChatReplies {
  const shutdown = new AbortController();
  const running = new Set<Promise<void>>();
  const events = { pubsub, logger };

  async function reply(sessionId: number, seq: number, tracker: ReplyTracker): Promise<ReplyOutcome> {
    const session = await prisma.chatSession.findUnique({
      where: { id: sessionId },
      select: {
        isActive: true,
        character: { select: { displayName: true, conversationStyle: true, personalityConfig: true } },
      },
    });
    if (!session?.isActive) return 'skipped';
    const recent = await prisma.chatMessage.findMany({
      where: { sessionId, seq: { lte: seq } },
      orderBy: { seq: 'desc' },
      take: CONTEXT_MESSAGES,
      select: { role: true, content: true },
    });
    const { displayName, conversationStyle, personalityConfig } = session.character;
    let role: ChatRole = 'character';
    let content: string;
    tracker.running();
    try {
      content = await responder.reply({
        character: { displayName, conversationStyle, personality: personalitySchema.parse(personalityConfig ?? {}) },
        history: recent.reverse().map((message) => ({ role: message.role as ChatRole, content: message.content })),
        signal: shutdown.signal,
      });
    } catch (error) {
      logger.error({ err: error, sessionId, seq, responder: responder.name }, 'character reply failed');
      role = 'system';
      content = `${displayName} is unavailable right now and could not answer. Please try again in a moment.`;
    }
    await appendMessage(prisma, events, {
      sessionId,
      role,
      content,
      metadata: { inReplyTo: seq, responder: responder.name },
    });
    return role === 'character' ? 'written' : 'failed';
  }

  return {
    answer(sessionId, seq) {
      if (shutdown.signal.aborted) return;
      const tracker = observe();
      const task: Promise<void> = reply(sessionId, seq, tracker)
        .then((outcome) => tracker.settled(outcome))
        .catch((error: unknown) => {
          tracker.settled('failed');
          // Typically the session ended before the answer was ready: it takes no more messages.
          logger.warn({ err: error, sessionId, seq }, 'character reply not written');
        })
        .finally(() => running.delete(task));
      running.add(task);
    },
    async close() {
      shutdown.abort();
      await Promise.all(running);
    },
  };
}
