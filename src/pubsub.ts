import { EventEmitter, on } from 'node:events';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** Topics and their payloads. A chat topic is `chat:<sessionId>`. */
export interface Topics {
  [topic: `chat:${number}`]: { seq: number };
}

/** Publish/subscribe behind one interface: in-process here, Redis when REDIS_URL is set. */
export interface PubSub {
  publish<T extends keyof Topics>(topic: T, payload: Topics[T]): Promise<void>;
  subscribe<T extends keyof Topics>(topic: T, signal: AbortSignal): AsyncIterable<Topics[T]>;
  close(): Promise<void>;
}

export function createInProcessPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(topic, payload) {
      emitter.emit(topic, payload);
    },
    async *subscribe(topic, signal) {
      try {
        for await (const [payload] of on(emitter, topic, { signal })) yield payload;
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** The pub/sub for this configuration (in-process; Redis fan-out arrives with REDIS_URL support). */
export async function createPubSub(_config: Config, _logger: Logger): Promise<PubSub> {
  return createInProcessPubSub();
}
