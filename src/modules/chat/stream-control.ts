/**
 * What the session's message and draft streams share: one AbortController that ends the stream and its
 * pub/sub subscriptions, a wake-up for the generator waiting on the next event, and an iterator whose return()
 * ends the stream at once.
 */
export interface StreamControl {
  controller: AbortController;
  signal: AbortSignal;
  /** Ends the current wait (an event arrived, or the stream was aborted). */
  wake(): void;
  /** A wait to arm before reading or yielding, so that an event arriving meanwhile ends it at once. */
  nextWake(): Promise<void>;
  /** The generator as the stream's iterator. */
  returnable<T>(generator: AsyncGenerator<T>): AsyncIterableIterator<T>;
}

export function streamControl(): StreamControl {
  const controller = new AbortController();
  const { signal } = controller;
  let resolveWait = () => {};
  signal.addEventListener('abort', () => resolveWait(), { once: true });
  return {
    controller,
    signal,
    wake: () => resolveWait(),
    nextWake: () => new Promise<void>((resolve) => (resolveWait = resolve)),
    returnable<T>(generator: AsyncGenerator<T>) {
      // A generator cannot be returned while it awaits; aborting first wakes it, so return() ends it at once.
      const stream: AsyncIterableIterator<T> = {
        next: () => generator.next(),
        return: (value?: unknown) => {
          controller.abort();
          return generator.return(value as T);
        },
        [Symbol.asyncIterator]: () => stream,
      };
      return stream;
    },
  };
}
