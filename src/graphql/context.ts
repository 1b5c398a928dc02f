import type { PrismaClient } from '../generated/prisma/client.js';
import type { Viewer } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { PubSub } from '../platform/pubsub.js';
import type { ChatReplies } from '../modules/chat/replies.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { RequestScope } from '../platform/request-scope.js';

/** What every resolver receives: one per HTTP request or per WebSocket operation. */
export interface Context {
  prisma: PrismaClient;
  viewer: Viewer | null;
  loaders: Loaders;
  config: Config;
  logger: Logger;
  pubsub: PubSub;
  chatReplies: ChatReplies;
  requestId: string;
  /** The request this context serves (its address, and what its log line reports). */
  scope: RequestScope;
}

export interface ContextDependencies {
  prisma: PrismaClient;
  config: Config;
  logger: Logger;
  pubsub: PubSub;
  chatReplies: ChatReplies;
}

export function createContext(deps: ContextDependencies, viewer: Viewer | null, scope: RequestScope): Context {
  const { requestId } = scope;
  return {
    ...deps,
    viewer,
    requestId,
    scope,
    logger: deps.logger.child({ requestId }),
    loaders: createLoaders(deps.prisma, viewer),
  };
}
