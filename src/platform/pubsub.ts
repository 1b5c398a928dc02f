import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';
import type { ChatMessage } from '../generated/prisma/client.js';

/**
 * A chat message as its event carries it: the stored row, JSON-safe because it crosses Redis (the BIGINT id
 * and the timestamp as strings), so that a subscriber delivers it without reading it back.
 */
export type PublishedChatMessage = Omit<ChatMessage, 'id' | 'createdAt' | 'metadata'> & {
  id: string;
  createdAt: string;
  metadata: unknown;
};

/** A character's reply while it is written: the learner message it answers and the whole text so far. */
export interface ChatReplyDraft {
  inReplyToSeq: number;
  content: string;
}

/**
 * Topics and their payloads. A chat topic is `chat:<sessionId>`; its event names the seq just written and
 * carries that message, and `ended` (without a message) says the session takes no more messages. A drafts
 * topic, `chat-drafts:<sessionId>`, carries the session's replies while they are written.
 */
export interface Topics {
  [topic: `chat:${number}`]: { seq: number; ended?: boolean; message?: PublishedChatMessage };
  [topic: `chat-drafts:${number}`]: ChatReplyDraft;
}

type Topic = keyof Topics;
type Listener<T extends Topic> = (payload: Topics[T]) => void;

/** Publish/subscribe behind one interface: in-process, or across instances over Redis when REDIS_URL is set. */
export interface PubSub {
  /** Hands the payload to every listener of the topic, on every instance. */
  publish<T extends Topic>(topic: T, payload: Topics[T]): Promise<void>;
  /**
   * Calls `listener` with each payload published to `topic` until `signal` aborts. Resolves once the
   * subscription is live: whatever is published after that reaches the listener.
   */
  subscribe<T extends Topic>(topic: T, listener: Listener<T>, signal: AbortSignal): Promise<void>;
  /** False while a connection it needs is down (Redis): other instances' events do not arrive; /readyz says so. */
  isHealthy(): boolean;
  close(): Promise<void>;
}

type AnyListener = (payload: never) => void;

/** The listeners of each topic on this instance: one upstream subscription per topic, however many listen. */
class LocalFanout {
  private readonly listeners = new Map<string, Set<AnyListener>>();

  /** @param onIdle called when a topic's last listener leaves (time to unsubscribe upstream) */
  constructor(private readonly onIdle: (topic: string) => void = () => undefined) {}

  /** Adds `listener` until `signal` aborts; true when it is the topic's first listener. */
  listen(topic: string, listener: AnyListener, signal: AbortSignal): boolean {
    signal.throwIfAborted();
    let listeners = this.listeners.get(topic);
    const first = !listeners;
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(topic, listeners);
    }
    listeners.add(listener);
    signal.addEventListener(
      'abort',
      () => {
        listeners.delete(listener);
        if (listeners.size > 0 || this.listeners.get(topic) !== listeners) return;
        this.listeners.delete(topic);
        this.onIdle(topic);
      },
      { once: true },
    );
    return first;
  }

  deliver(topic: string, payload: unknown): void {
    for (const listener of [...(this.listeners.get(topic) ?? [])]) (listener as (payload: unknown) => void)(payload);
  }

  clear(): void {
    this.listeners.clear();
  }
}

function createInProcessPubSub(): PubSub {
  const fanout = new LocalFanout();
  return {
    async publish(topic, payload) {
      fanout.deliver(topic, payload);
    },
    async subscribe(topic, listener, signal) {
      fanout.listen(topic, listener, signal);
    },
    isHealthy: () => true,
    async close() {
      fanout.clear();
    },
  };
}

/**
 * Redis pub/sub with separate publisher and subscriber connections (a subscribed connection can do nothing
 * else). Each instance delivers its own events to its listeners at once and skips their echo from Redis, so
 * local subscribers keep working while Redis is away; other instances get them through Redis.
 */
function createRedisPubSub(url: string, channelPrefix: string, logger: Logger): PubSub {
  const origin = randomUUID();
  const publisher = new Redis(url);
  const subscriber = new Redis(url);
  const pendingSubscribes = new Map<string, Promise<unknown>>();
  const fanout = new LocalFanout((topic) => {
    pendingSubscribes.delete(topic);
    subscriber.unsubscribe(channelPrefix + topic).catch((error: unknown) => {
      logger.warn({ err: error, topic }, 'redis pub/sub: unsubscribe failed');
    });
  });
  for (const [role, connection] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    connection.on('error', (error: unknown) => logger.warn({ err: error, role }, 'redis pub/sub connection error'));
  }
  subscriber.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    try {
      const event = JSON.parse(message) as { origin: string; payload: unknown };
      if (event.origin !== origin) fanout.deliver(channel.slice(channelPrefix.length), event.payload);
    } catch (error) {
      logger.warn({ err: error, channel }, 'redis pub/sub: unreadable message dropped');
    }
  });

  return {
    async publish(topic, payload) {
      fanout.deliver(topic, payload);
      await publisher.publish(channelPrefix + topic, JSON.stringify({ origin, payload }));
    },
    async subscribe(topic, listener, signal) {
      if (fanout.listen(topic, listener as AnyListener, signal)) {
        pendingSubscribes.set(topic, subscriber.subscribe(channelPrefix + topic));
      }
      await pendingSubscribes.get(topic);
    },
    isHealthy: () => publisher.status === 'ready' && subscriber.status === 'ready',
    async close() {
      fanout.clear();
      await Promise.all([publisher.quit(), subscriber.quit()]);
    },
  };
}

/** The pub/sub for this configuration: Redis fan-out across instances with REDIS_URL, in-process without. */
export async function createPubSub(config: Config, logger: Logger): Promise<PubSub> {
  return config.REDIS_URL
    ? createRedisPubSub(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger)
    : createInProcessPubSub();
}
