import { createServer, type IncomingMessage } from 'node:http';
import pg from 'pg';
import { authSettings, bearerToken, verifyToken, type Viewer } from '../../src/auth/token.js';

/**
 * What the baselines share: the environment the runner starts them with (the project server's own
 * variable names), a pg pool of the project's default size, and the project's token check, so that a
 * baseline does the same authentication work per request as the project.
 */
export interface BaselineEnvironment {
  port: number;
  pool: pg.Pool;
  authenticate(authorization: string | undefined): Promise<Viewer | null>;
}

export function baselineEnvironment(env: NodeJS.ProcessEnv = process.env): BaselineEnvironment {
  const { PORT, DATABASE_URL, JWT_SECRET, DATABASE_POOL_SIZE } = env;
  if (!PORT || !DATABASE_URL || !JWT_SECRET) throw new Error('a baseline needs PORT, DATABASE_URL and JWT_SECRET');
  const auth = authSettings(JWT_SECRET);
  return {
    port: Number(PORT),
    pool: new pg.Pool({ connectionString: DATABASE_URL, max: Number(DATABASE_POOL_SIZE ?? 10) }),
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      return token ? verifyToken(token, auth) : null;
    },
  };
}

/** A GraphQL request body as clients POST it. */
export interface GraphQLBody {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A bare node:http server for the baselines without a GraphQL server library: every request is a POSTed
 * GraphQL body, answered with the JSON text `answer` returns; a failure answers 500 with its message.
 */
export function serveGraphQLBodies(
  environment: BaselineEnvironment,
  answer: (body: GraphQLBody, viewer: Viewer | null) => Promise<string>,
): void {
  const server = createServer((request, response) => {
    const respond = async () => {
      const body = JSON.parse(await readBody(request)) as GraphQLBody;
      const json = await answer(body, await environment.authenticate(request.headers.authorization));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(json);
    };
    respond().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  server.listen(environment.port, '127.0.0.1');
}
