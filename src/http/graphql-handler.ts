import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLServer } from '../graphql/apollo.js';
import type { Context } from '../graphql/context.js';
import type { Authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/token.js';
import type { RequestScope } from '../platform/request-scope.js';
import { sendRequestError } from './respond.js';

/** Larger bodies are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 100 * 1024;

export class PayloadTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Headers that decide who the user is or how the body is read. Node keeps the first of two and drops the other,
 * while a proxy in front may honour the second: a request carrying either twice is refused. (Node itself
 * refuses two Content-Length or Transfer-Encoding headers, and both together.)
 */
const SINGLE_VALUED_HEADERS = ['authorization', 'content-type', 'host'] as const;

function duplicatedHeader(request: IncomingMessage): string | undefined {
  return SINGLE_VALUED_HEADERS.find((name) => (request.headersDistinct[name]?.length ?? 0) > 1);
}

/** The codes of a request Apollo refuses before executing it: its document or variables are wrong. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * GraphQL over HTTP asks 200 for every well-formed request of a client that accepts only `application/json`
 * (one written before `application/graphql-response+json`), errors in the body; Apollo answers parse,
 * validation and variable errors with 400 whatever the client accepts. Returns the status to send.
 */
function statusForAccept(status: number, accept: string | undefined, body: string): number {
  if (status !== 400) return status;
  const accepted = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (!accepted.every((type) => type === 'application/json')) return status;
  try {
    const { errors } = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const requestError =
      errors?.length && errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions?.code)));
    return requestError ? 200 : status;
  } catch {
    return status;
  }
}

/**
 * The schema's cache hints give every response a Cache-Control; only a GET can be cached by a CDN or a
 * browser, so a POST's is dropped. A cacheable GET varies with the token: a learner's private answer must
 * not be served to another, nor the anonymous one stand in for an admin's (who sees inactive content).
 */
function keepCachingToGet(method: string | undefined, response: ServerResponse): void {
  const cacheControl = response.getHeader('cache-control');
  if (cacheControl === undefined) return;
  if (method !== 'GET') {
    response.removeHeader('cache-control');
    return;
  }
  if (String(cacheControl) === 'no-store') return;
  const vary = response.getHeader('vary');
  response.setHeader('vary', vary === undefined ? 'authorization' : `${String(vary)}, authorization`);
}

export interface GraphQLHandlerDependencies {
  graphql: Pick<GraphQLServer, 'executeHttp'>;
  authenticate: Authenticate;
  contextFor(viewer: Viewer | null, scope: RequestScope): Context;
}

export type GraphQLHandler = (request: IncomingMessage, response: ServerResponse, scope: RequestScope) => Promise<void>;

/** Serves POST and GET /graphql: reads and parses the body, executes it, and writes the response. */
export function createGraphQLHandler({
  graphql,
  authenticate,
  contextFor,
}: GraphQLHandlerDependencies): GraphQLHandler {
  return async (request, response, scope) => {
    const { requestId } = scope;
    const duplicated = duplicatedHeader(request);
    if (duplicated) {
      sendRequestError(response, 400, 'BAD_REQUEST', `Send the ${duplicated} header once`);
      return;
    }
    const rawBody = request.method === 'POST' ? await readBody(request) : '';
    let body: unknown = rawBody;
    if (rawBody && request.headers['content-type']?.includes('json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        sendRequestError(response, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
        return;
      }
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const result = await graphql.executeHttp({
      method: request.method ?? 'GET',
      headers: request.headers,
      search: url.search,
      body,
      requestId,
      context: async () => contextFor(await authenticate(request.headers.authorization), scope),
    });
    for (const [key, value] of result.headers) response.setHeader(key, value);
    keepCachingToGet(request.method, response);
    response.setHeader('x-request-id', requestId);
    response.statusCode = result.status;
    if (typeof result.body === 'string') {
      response.statusCode = statusForAccept(response.statusCode, request.headers.accept, result.body);
      response.end(result.body);
      return;
    }
    for await (const chunk of result.body) response.write(chunk);
    response.end();
  };
}
