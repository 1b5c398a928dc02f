import { fromPrisma, type JobWithMetadata } from 'pg-boss';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../platform/logger.js';
import type { PubSub } from '../../platform/pubsub.js';
import type { JobQueue } from '../../platform/queue.js';
import type { ReplyObserver, ReplyOutcome, ReplyTracker } from '../../platform/metrics.js';
import { appendMessage, type ChatRole, type ChatTransaction } from './messages.js';
import { CONTEXT_MESSAGES, createChatCompletionsResponder } from './responders/chat-completions.js';
import { createOfflineCoach } from './responders/offline-coach.js';
import { streamInChunks } from './responders/chunked.js';
import { draftPublisher } from './drafts.js';
import { personalitySchema, type StreamingResponder } from './responders/responder.js';

/** The queue of character replies: one job per learner message that wants an answer. */
export const REPLY_QUEUE = 'chat-replies';

interface ReplyJob {
  sessionId: number;
  /** The learner message to answer. */
  seq: number;
}

/** Seconds a reply's lease outlasts AI_TIMEOUT_MS: reading the history and writing the message. */
const LEASE_MARGIN_SECONDS = 5;

/**
 * Character replies as durable jobs: enqueued in the learner message's transaction, written by whichever
 * instance takes the job, streamed to chatReplyDrafts while they are written, stored once.
 */
export interface ChatReplies {
  /** Enqueues the answer to the learner's message `seq`, in the transaction that appends it. */
  enqueue(tx: ChatTransaction, sessionId: number, seq: number): Promise<void>;
  /** Wakes an idle worker of this instance, once the enqueueing transaction has committed. */
  wake(): void;
  /** Cancels the session's replies not yet started (it has ended); one being written finds it ended. */
  cancelPending(sessionId: number): Promise<void>;
  /** Takes no more jobs, lets the running ones finish within SHUTDOWN_GRACE_MS; the rest stay queued. */
  close(): Promise<void>;
}

/**
 * The chat-completions provider when AI_BASE_URL is set, otherwise the offline coach (which reads the lessons'
 * index), in a few chunks.
 */
export function createResponder(config: Config, prisma: PrismaClient): StreamingResponder {
  return config.AI_BASE_URL
    ? createChatCompletionsResponder({
        baseUrl: config.AI_BASE_URL,
        apiKey: config.AI_API_KEY,
        model: config.AI_MODEL,
        timeoutMs: config.AI_TIMEOUT_MS,
      })
    : streamInChunks(createOfflineCoach({ prisma }));
}

interface ChatRepliesDependencies {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  queue: JobQueue;
  responder: StreamingResponder;
  config: Pick<
    Config,
    | 'AI_TIMEOUT_MS'
    | 'CHAT_REPLY_ATTEMPTS'
    | 'CHAT_REPLY_RETRY_DELAY_SECONDS'
    | 'CHAT_REPLY_CONCURRENCY'
    | 'CHAT_REPLY_POLL_INTERVAL_MS'
    | 'CHAT_DRAFT_INTERVAL_MS'
    | 'SHUTDOWN_GRACE_MS'
  >;
  /** Told when each reply is taken, running and settled (metrics); nobody without it. */
  observe?: ReplyObserver;
}

const UNOBSERVED: ReplyTracker = { running: () => undefined, settled: () => undefined };

/** A worker of this instance: pg-boss's id for waking it, and whether it is writing a reply. */
interface WorkerSlot {
  id: string;
  busy: boolean;
}

/** Creates the queue of replies and starts this instance's workers on it. */
export async function startChatReplies({
  prisma,
  pubsub,
  logger,
  queue,
  responder,
  config,
  observe = () => UNOBSERVED,
}: ChatRepliesDependencies): Promise<ChatReplies> {
  const events = { pubsub, logger };
  const jobOptions = {
    retryLimit: config.CHAT_REPLY_ATTEMPTS - 1,
    retryDelay: config.CHAT_REPLY_RETRY_DELAY_SECONDS,
    retryBackoff: true,
    // The lease: a job still active after it (its process died) is failed by the sweep and taken again.
    expireInSeconds: Math.ceil(config.AI_TIMEOUT_MS / 1000) + LEASE_MARGIN_SECONDS,
  };

  /** Writes the reply, or decides there is none to write; throws to have the queue try again later. */
  async function reply(job: JobWithMetadata<ReplyJob>, tracker: ReplyTracker): Promise<ReplyOutcome> {
    const { sessionId, seq } = job.data;
    const [session, answered] = await Promise.all([
      prisma.chatSession.findUnique({
        where: { id: sessionId },
        select: {
          isActive: true,
          character: { select: { displayName: true, conversationStyle: true, personalityConfig: true } },
        },
      }),
      // An earlier attempt wrote it and stopped before the queue heard.
      prisma.chatMessage.findUnique({
        where: { sessionId_inReplyToSeq: { sessionId, inReplyToSeq: seq } },
        select: { id: true },
      }),
    ]);
    if (!session?.isActive || answered) return 'skipped';
    const recent = await prisma.chatMessage.findMany({
      where: { sessionId, seq: { lte: seq } },
      orderBy: { seq: 'desc' },
      take: CONTEXT_MESSAGES,
      select: { role: true, content: true },
    });
    const { displayName, conversationStyle, personalityConfig } = session.character;
    const drafts = draftPublisher(events, sessionId, seq, config.CHAT_DRAFT_INTERVAL_MS);
    let role: ChatRole = 'character';
    let content = '';
    tracker.running();
    try {
      drafts.update('');
      for await (const chunk of responder.stream({
        character: { displayName, conversationStyle, personality: personalitySchema.parse(personalityConfig ?? {}) },
        history: recent.reverse().map((message) => ({ role: message.role as ChatRole, content: message.content })),
        signal: job.signal,
      })) {
        content += chunk;
        drafts.update(content);
      }
      content = content.trim();
      drafts.finish(content);
    } catch (error) {
      drafts.cancel();
      const lastAttempt = job.retryCount >= job.retryLimit;
      logger.error(
        { err: error, sessionId, seq, responder: responder.name, attempt: job.retryCount + 1, lastAttempt },
        'character reply failed',
      );
      // Stopped by shutdown or an expired lease: not the provider's failure; the job is taken again.
      if (job.signal.aborted || !lastAttempt) throw error;
      role = 'system';
      content = `${displayName} is unavailable right now and could not answer. Please try again in a moment.`;
    }
    const written = await appendMessage(prisma, events, {
      sessionId,
      role,
      content,
      inReplyToSeq: seq,
      metadata: { responder: responder.name },
    }).catch((error: unknown) => {
      // The session ended while the reply was written: it takes no more messages.
      logger.warn({ err: error, sessionId, seq }, 'character reply not written');
      return null;
    });
    if (!written?.created) return 'skipped';
    return role === 'character' ? 'written' : 'failed';
  }

  await queue.createQueue(REPLY_QUEUE);
  // One work() per slot, each one worker, so that an idle one can be woken by its id.
  const slots: WorkerSlot[] = [];
  for (let n = 0; n < config.CHAT_REPLY_CONCURRENCY; n += 1) {
    const slot: WorkerSlot = { id: '', busy: false };
    slot.id = await queue.work(
      REPLY_QUEUE,
      { includeMetadata: true, pollingIntervalSeconds: config.CHAT_REPLY_POLL_INTERVAL_MS / 1000 },
      async ([job]: JobWithMetadata<ReplyJob>[]) => {
        if (!job) return;
        slot.busy = true;
        const tracker = observe();
        try {
          tracker.settled(await reply(job, tracker));
        } catch (error) {
          tracker.settled('failed');
          throw error;
        } finally {
          slot.busy = false;
        }
      },
    );
    slots.push(slot);
  }
  let nextSlot = 0;

  return {
    async enqueue(tx, sessionId, seq) {
      await queue.send(REPLY_QUEUE, { sessionId, seq } satisfies ReplyJob, {
        ...jobOptions,
        db: fromPrisma(tx),
      });
    },
    wake() {
      for (let tried = 0; tried < slots.length; tried += 1) {
        const slot = slots[(nextSlot + tried) % slots.length]!;
        if (slot.busy) continue;
        nextSlot = (nextSlot + tried + 1) % slots.length;
        queue.notifyWorker(slot.id);
        return;
      }
    },
    async cancelPending(sessionId) {
      const pending = await queue.findJobs<ReplyJob>(REPLY_QUEUE, { data: { sessionId }, queued: true });
      if (pending.length > 0)
        await queue.cancel(
          REPLY_QUEUE,
          pending.map((job) => job.id),
        );
    },
    async close() {
      await queue.stop({ graceful: true, timeout: config.SHUTDOWN_GRACE_MS });
    },
  };
}
