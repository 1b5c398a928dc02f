import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Database, Transaction } from '../../platform/db/client.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../platform/logger.js';
import type { PubSub } from '../../platform/pubsub.js';
import type { JobQueue } from '../../platform/queue.js';
import type { ReplyObserver, ReplyOutcome, ReplyTracker } from '../../platform/metrics.js';
import { appendMessage, type ChatRole } from './messages.js';
import { createChatCompletionsResponder } from './responders/chat-completions.js';
import { replyContext } from './reply-context.js';
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

/** Most jobs one worker fetches at once, and writes side by side. */
const REPLY_BATCH = 4;

/** Seconds a reply's lease outlasts AI_TIMEOUT_MS: reading the history and writing the message. */
const LEASE_MARGIN_SECONDS = 5;

/**
 * Character replies as durable jobs: enqueued in the learner message's transaction, written by whichever
 * instance takes the job, streamed to chatReplyDrafts while they are written, stored once.
 */
export interface ChatReplies {
  /** Enqueues the answer to the learner's message `seq`, in the transaction that appends it. */
  enqueue(tx: Transaction, sessionId: number, seq: number): Promise<void>;
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
export function createResponder(config: Config, database: ReplyDatabase): StreamingResponder {
  return config.AI_BASE_URL
    ? createChatCompletionsResponder({
        baseUrl: config.AI_BASE_URL,
        apiKey: config.AI_API_KEY,
        model: config.AI_MODEL,
        timeoutMs: config.AI_TIMEOUT_MS,
      })
    : streamInChunks(createOfflineCoach(database));
}

/** What replies read and write: Prisma, and named statements for the reads and the write each reply repeats. */
type ReplyDatabase = Pick<Database, 'prisma' | 'readRows' | 'transaction'>;

interface ChatRepliesDependencies {
  database: ReplyDatabase;
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

/** A worker of this instance: pg-boss's id for waking it, and whether it is writing replies. */
interface Worker {
  id: string;
  busy: boolean;
}

/** Creates the queue of replies and starts this instance's workers on it. */
export async function startChatReplies({
  database,
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
    const context = await replyContext(database.readRows, sessionId, seq);
    if (!context) return 'skipped';
    const { displayName, conversationStyle, personalityConfig, recent } = context;
    const drafts = draftPublisher(events, sessionId, seq, config.CHAT_DRAFT_INTERVAL_MS);
    let role: ChatRole = 'character';
    let content = '';
    tracker.running();
    try {
      drafts.update('');
      for await (const chunk of responder.stream({
        character: { displayName, conversationStyle, personality: personalitySchema.parse(personalityConfig ?? {}) },
        history: recent,
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
    const written = await appendMessage(database, events, {
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

  /** One job of a batch: completed, or failed for the queue to try again (or to give up on). */
  async function settle(job: JobWithMetadata<ReplyJob>): Promise<JobResult> {
    const tracker = observe();
    try {
      tracker.settled(await reply(job, tracker));
      return { id: job.id, status: 'completed' };
    } catch (error) {
      tracker.settled('failed');
      return { id: job.id, status: 'failed', output: error };
    }
  }

  await queue.createQueue(REPLY_QUEUE);
  // CHAT_REPLY_CONCURRENCY replies at once, in workers of up to REPLY_BATCH: one fetch takes what is queued,
  // up to a batch, and one statement settles the batch's completed jobs. One work() per worker, so that an
  // idle one can be woken by its id.
  const workers: Worker[] = [];
  for (let taken = 0; taken < config.CHAT_REPLY_CONCURRENCY; taken += REPLY_BATCH) {
    const batchSize = Math.min(REPLY_BATCH, config.CHAT_REPLY_CONCURRENCY - taken);
    const worker: Worker = { id: '', busy: false };
    worker.id = await queue.work(
      REPLY_QUEUE,
      {
        includeMetadata: true,
        perJobResults: true,
        batchSize,
        pollingIntervalSeconds: config.CHAT_REPLY_POLL_INTERVAL_MS / 1000,
      },
      async (jobs: JobWithMetadata<ReplyJob>[]) => {
        worker.busy = true;
        try {
          return await Promise.all(jobs.map(settle));
        } finally {
          worker.busy = false;
          // A full batch says more may be queued: fetch again at once rather than after the polling interval
          // (pg-boss's burstWhenBatchFull, which it ignores at a batch of one).
          if (jobs.length === batchSize) queue.notifyWorker(worker.id);
        }
      },
    );
    workers.push(worker);
  }
  let nextWorker = 0;

  return {
    async enqueue(tx, sessionId, seq) {
      await queue.send(REPLY_QUEUE, { sessionId, seq } satisfies ReplyJob, {
        ...jobOptions,
        db: tx,
      });
    },
    wake() {
      // An idle worker fetches at once; when all are busy, the next one fetches as soon as its batch is done.
      const inTurn = workers.map((_, n) => (nextWorker + n) % workers.length);
      const woken = inTurn.find((n) => !workers[n]!.busy) ?? nextWorker;
      nextWorker = (woken + 1) % workers.length;
      queue.notifyWorker(workers[woken]!.id);
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
