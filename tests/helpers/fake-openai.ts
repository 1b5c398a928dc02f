import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deferred, type Deferred } from './ws-client.js';

/**
 * An OpenAI-compatible chat-completions server for tests (node:http, no network): it streams its answer as
 * server-sent events, a chunk every `chunkDelayMs`, and the learner's question picks what it does:
 * - "[fail]" answers HTTP 500 every time; "[fail N]" the first N times it is asked, then answers;
 * - "[hold]" sends the response headers and then nothing until `release()` (a provider mid-answer);
 * - anything else is answered with `answerFor(question)` in `chunks` chunks.
 */

export interface CompletionRequest {
  url?: string;
  authorization?: string;
  body: { model: string; temperature: number; stream?: boolean; messages: { role: string; content: string }[] };
}

export interface FakeProvider {
  /** The base URL to configure as AI_BASE_URL (ends in /v1/). */
  url: string;
  requests: CompletionRequest[];
  /** Resolves with the next request that arrives. */
  nextRequest(): Promise<CompletionRequest>;
  /** Lets every held answer go on; later ones are not held. */
  release(): void;
  close(): Promise<void>;
}

export interface FakeProviderOptions {
  chunks?: number;
  chunkDelayMs?: number;
}

/** The whole answer the fake gives to a question. */
export function answerFor(question: string): string {
  const topic = question.replace(/\[[^\]]*\]/g, '').trim();
  return `About "${topic}": c-bet when you have the range advantage, check when the board favours the caller, and size small on dry boards.`;
}

/** The answer cut into `count` parts at word boundaries (their concatenation is the answer). */
function partsOf(text: string, count: number): string[] {
  const words = text.split(/(?<= )/);
  const size = Math.ceil(words.length / count);
  return Array.from({ length: count }, (_, index) => words.slice(index * size, (index + 1) * size).join('')).filter(
    Boolean,
  );
}

async function readJson(request: IncomingMessage): Promise<CompletionRequest['body']> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return JSON.parse(text) as CompletionRequest['body'];
}

function event(response: ServerResponse, content: string | null, finish: string | null = null): void {
  const chunk = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'fake',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  };
  response.write(`data: ${JSON.stringify(chunk)}\n\n`);
}

export async function startFakeProvider({
  chunks = 6,
  chunkDelayMs = 40,
}: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: CompletionRequest[] = [];
  const asked = new Map<string, number>();
  const waiting: Deferred<CompletionRequest>[] = [];
  const released = deferred();
  let isReleased = false;
  const server = createServer((request, response) => {
    void readJson(request).then(async (body) => {
      const call = { url: request.url, authorization: request.headers.authorization, body };
      requests.push(call);
      waiting.shift()?.resolve(call);
      const question = body.messages.at(-1)?.content ?? '';
      const times = (asked.get(question) ?? 0) + 1;
      asked.set(question, times);
      const failures = /\[fail(?: (\d+))?\]/.exec(question);
      if (failures && (failures[1] === undefined || times <= Number(failures[1]))) {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      event(response, '');
      if (question.includes('[hold]') && !isReleased) await released.promise;
      for (const part of partsOf(answerFor(question), chunks)) {
        if (response.destroyed) return;
        await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
        event(response, part);
      }
      event(response, null, 'stop');
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`,
    requests,
    nextRequest() {
      const next = deferred<CompletionRequest>();
      waiting.push(next);
      return next.promise;
    },
    release() {
      isReleased = true;
      released.resolve();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
