import { readFileSync } from 'node:fs';
import { print, type DocumentNode } from 'graphql';
import { sha256Hex } from '../../../src/graphql/trusted-documents.js';

const manifest = JSON.parse(
  readFileSync(new URL('../../generated/persisted-documents.json', import.meta.url), 'utf8'),
) as Record<string, string>;

/**
 * Requests as the apps send them: by GET (what a CDN can cache; Apollo's CSRF prevention wants a preflight
 * header on it), by id or with the document, each answer with its caching headers.
 */
export interface ClientResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

export interface ClientRequest {
  query?: string | DocumentNode;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  documentId?: string;
  token?: string;
}

function textOf(query: string | DocumentNode | undefined): string | undefined {
  return query === undefined || typeof query === 'string' ? query : print(query);
}

/** The manifest id of a typed document (codegen's __meta__.hash), as the apps send it. */
export function documentIdOf(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('the document carries no persisted-document hash: run `npm run codegen`');
  return hash;
}

/** A typed document's text exactly as the manifest holds it. */
export function manifestTextOf(document: DocumentNode): string {
  return manifest[documentIdOf(document)]!;
}

/** Apollo's APQ extension for a document's text. */
export function persistedQueryOf(query: string | DocumentNode) {
  return { persistedQuery: { version: 1, sha256Hash: sha256Hex(textOf(query)!) } };
}

async function answer(response: Response): Promise<ClientResponse> {
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ClientResponse['body'],
  };
}

export async function getGraphQL(url: string, request: ClientRequest): Promise<ClientResponse> {
  const target = new URL(url);
  const query = textOf(request.query);
  if (query !== undefined) target.searchParams.set('query', query);
  if (request.variables) target.searchParams.set('variables', JSON.stringify(request.variables));
  if (request.extensions) target.searchParams.set('extensions', JSON.stringify(request.extensions));
  if (request.documentId) target.searchParams.set('documentId', request.documentId);
  const response = await fetch(target, {
    headers: {
      'apollo-require-preflight': 'true',
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    },
  });
  return answer(response);
}

export async function postGraphQL(url: string, request: ClientRequest): Promise<ClientResponse> {
  const { token, query, ...rest } = request;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ ...rest, query: textOf(query) }),
  });
  return answer(response);
}

export function codesOf(response: ClientResponse): (string | undefined)[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
