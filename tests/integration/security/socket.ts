import WebSocket from 'ws';

/** A graphql-transport-ws socket driven message by message, to see the protocol's close codes and errors. */
export interface RawSocket {
  ws: WebSocket;
  send(message: Record<string, unknown>): void;
  /** The next message from the server (queued if it came already). */
  next(): Promise<Record<string, unknown>>;
  /** Resolves with the close code and reason once the socket has closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends connection_init and waits for the ack. */
  init(payload?: Record<string, unknown>): Promise<void>;
  close(): void;
}

export async function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws', options);
  const queue: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const socket: RawSocket = {
    ws,
    send: (message) => ws.send(JSON.stringify(message)),
    next: () => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        void closed.then(({ code }) => reject(new Error(`socket closed with ${code} before the next message`)));
      });
    },
    closed,
    async init(payload) {
      socket.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
      const ack = await socket.next();
      if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
    },
    close: () => ws.terminate(),
  };
  return socket;
}

/** Subscribes and returns the first message about it: `next`, `error` or `complete`. */
export async function subscribeOnce(
  socket: RawSocket,
  id: string,
  payload: { query: string; variables?: Record<string, unknown>; operationName?: string },
): Promise<Record<string, unknown>> {
  socket.send({ id, type: 'subscribe', payload });
  for (;;) {
    const message = await socket.next();
    if (message.id === id) return message;
  }
}

interface MessageError {
  message?: string;
  extensions?: { code?: unknown };
}

/** The errors of an `error` message (or of a `next` message); none for `complete`. */
export function messageErrors(message: Record<string, unknown>): MessageError[] {
  if (message.type === 'error') return message.payload as MessageError[];
  return (message.payload as { errors?: MessageError[] } | undefined)?.errors ?? [];
}

/** The codes of the errors of an `error` message (or of a `next` message's errors). */
export function messageCodes(message: Record<string, unknown>): unknown[] {
  return messageErrors(message).map((error) => error.extensions?.code);
}
