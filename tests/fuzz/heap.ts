import WebSocket from 'ws';
import type { ChildServer } from '../integration/faults/child-server.js';

/** The node flag that lets `heapUsedAfterGc` reach the server's inspector (on loopback, a free port). */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/**
 * The server's heap in MB right after a full garbage collection, through the V8 inspector of a server started
 * with INSPECT_FLAG: unlike RSS, it does not move with when V8 last collected or grew its heap.
 */
export async function heapUsedAfterGc(server: ChildServer): Promise<number> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(server.stderr())?.[1];
  if (!url) throw new Error(`the server was not started with ${INSPECT_FLAG}`);
  const inspector = new WebSocket(url);
  await new Promise((resolve, reject) => inspector.once('open', resolve).once('error', reject));
  let nextId = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<{ result?: { result?: { value?: unknown } } }>((resolve) => {
      const id = (nextId += 1);
      const onMessage = (data: WebSocket.RawData) => {
        const reply = JSON.parse(String(data)) as { id?: number };
        if (reply.id !== id) return;
        inspector.off('message', onMessage);
        resolve(reply as never);
      };
      inspector.on('message', onMessage);
      inspector.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const reply = await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
    return Number(reply.result?.result?.value) / 2 ** 20;
  } finally {
    inspector.close();
  }
}
