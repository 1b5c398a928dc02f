import type { PrismaClient } from '../generated/prisma/client.js';
import type { Viewer } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { PubSub } from '../platform/pubsub.js';
import type { ChatReplies } from '../modules/chat/replies.js';
import { createAssessmentLoaders, type AssessmentLoaders } from '../modules/assessment/loaders.js';
import { createCourseLoaders, type CourseLoaders } from '../modules/course/loaders.js';
import type { CatalogColumn } from '../modules/course/catalog.js';
import { createProgressLoaders, type ProgressLoaders } from '../modules/progress/loaders.js';
import type { RequestScope } from '../platform/request-scope.js';
import type { Database } from '../platform/db/client.js';
import type { RowReader } from '../platform/db/statements.js';

/**
 * Batching for lookups that plugin-prisma's selections do not cover (prerequisite ids in an array column,
 * the viewer's own progress and attempts, a course's assessments with the viewer's attempt counts), so that
 * a page of courses costs one query per kind, not per course. Created per request: results are the
 * viewer's own and must not outlive the request.
 */
export type Loaders = CourseLoaders &
  ProgressLoaders &
  AssessmentLoaders & {
    /** What the other modules read beside a plain catalog page, in the page's statement (CatalogColumn). */
    catalogColumns: readonly CatalogColumn[];
  };

/** What the loaders read with: Prisma, and the named statements of the catalog's hot lookups. */
export type LoaderDatabase = Pick<Database, 'prisma' | 'readRows'>;

export function createLoaders(database: LoaderDatabase, viewer: Viewer | null): Loaders {
  const progress = createProgressLoaders(database.readRows, viewer);
  const assessments = createAssessmentLoaders(database, viewer);
  return {
    ...createCourseLoaders(database.readRows, viewer),
    ...progress,
    ...assessments,
    catalogColumns: [progress.viewerProgressColumn, assessments.assessmentsColumn].filter((column) => !!column),
  };
}

/** What every resolver receives: one per HTTP request or per WebSocket operation. */
export interface Context {
  prisma: PrismaClient;
  readRows: RowReader;
  transaction: Database['transaction'];
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
  readRows: RowReader;
  transaction: Database['transaction'];
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
    loaders: createLoaders(deps, viewer),
  };
}
