import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger.js';

/** What error formatting needs to know about the request it formats for (it gets no context of its own). */
export interface RequestScope {
  requestId: string;
  logger: Logger;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();
