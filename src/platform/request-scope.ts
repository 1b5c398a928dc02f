/**
 * What error formatting, rate limiting and the request log need to know about the request they serve. It
 * travels in the resolver context (not in AsyncLocalStorage, whose promise hooks cost every promise of the
 * request), and the request's log line reads it when the response has gone out.
 */
export interface RequestScope {
  requestId: string;
  /** The peer's address: the rate-limit key of anonymous requests. */
  clientAddress?: string;
  /** The operation Apollo resolved, for the request's log line. */
  operation?: { name: string | null; type: string };
  /** The codes of the errors the response carries, for the request's log line. */
  errorCodes?: string[];
}
