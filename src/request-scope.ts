import { AsyncLocalStorage } from 'node:async_hooks';

/** What error formatting, rate limiting and the request log need to know about the request they serve. */
export interface RequestScope {
  requestId: string;
  /** The peer's address: the rate-limit key of anonymous requests. */
  clientAddress?: string;
  /** The operation Apollo resolved, for the request's log line. */
  operation?: { name: string | null; type: string };
  /** The codes of the errors the response carries, for the request's log line. */
  errorCodes?: string[];
}

export const requestScope = new AsyncLocalStorage<RequestScope>();
