import { print, type ExecutionResult, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { loadConfig, type Config } from '../../src/config.js';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/platform/logger.js';
import { connectDatabase, databaseOptions, withClient, type Database } from '../../src/platform/db/client.js';
import { seedDatabase } from '../../src/platform/db/seed.js';
import type { PubSub } from '../../src/platform/pubsub.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { signToken, type Role } from '../../src/auth/token.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { recordStatements, type StatementLog } from './statements.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

/** Server env that lifts the rate limits, for files whose cases (concurrency) they must not get in the way of. */
export const UNLIMITED = { RATE_LIMIT_MUTATIONS: '100000', RATE_LIMIT_ASSESSMENT_SUBMISSIONS: '100000' };

export interface TestUser {
  id: number;
  role?: Role;
  email?: string;
  name?: string;
}

export interface GraphQLResponse<TData> {
  status: number;
  headers: Headers;
  body: ExecutionResult<TData> & {
    errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
  };
}

export interface TestServer {
  url: string;
  wsUrl: string;
  config: Config;
  app: RunningServer;
  /** The server's database, recording the statements its pool sends. */
  database: Database & StatementLog;
  pubsub: PubSub;
  testDatabase: TestDatabase;
  token(user: TestUser, expiresIn?: string | number): Promise<string>;
  /** POSTs an operation over real HTTP; `as` signs a token for that user. */
  graphql<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
    variables?: TVariables,
    options?: { as?: TestUser; token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<TData>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  seed?: boolean;
  env?: Record<string, string>;
  /** Reuse a database (a second instance on the same data); otherwise a fresh one is made and dropped. */
  testDatabase?: TestDatabase;
  /** Where the server's JSON log lines go (with LOG_LEVEL in `env`); nowhere by default. */
  logDestination?: DestinationStream;
}

/** A real server on a free port over its own database; close() disposes of everything it made. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDatabase = !options.testDatabase;
  const testDatabase = options.testDatabase ?? (await createTestDatabase());
  if (options.seed) await withClient(testDatabase.url, (client) => seedDatabase(client));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabase.url,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  });
  const logger = createLogger(config.LOG_LEVEL, options.logDestination);
  const opened = connectDatabase(testDatabase.url, databaseOptions(config));
  const database = { ...opened, ...recordStatements(opened) };
  const app = await startServer(config, { logger, database });

  const token = (user: TestUser, expiresIn: string | number = '1h') =>
    signToken(app.auth, { sub: user.id, role: user.role ?? 'learner', email: user.email, name: user.name }, expiresIn);

  return {
    url: app.url,
    wsUrl: app.wsUrl,
    config,
    app,
    database,
    pubsub: app.pubsub,
    testDatabase,
    token,
    async graphql(document, variables, { as, token: explicitToken, headers = {} } = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const bearer = explicitToken ?? (as ? await token(as) : undefined);
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLResponse<never>['body'],
      };
    },
    async close() {
      await app.close();
      await database.close();
      if (ownsDatabase) await testDatabase.drop();
    },
  };
}

/** The error codes of a response, in order (handy for `expect(codes(res)).toEqual([...])`). */
export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}

/** The `extensions.fields` of a response's first error (what BAD_USER_INPUT and CONFLICT name). */
export function errorFields(response: GraphQLResponse<unknown>): unknown {
  return response.body.errors?.[0]?.extensions?.fields;
}
