import pg from 'pg';
import { authSettings, bearerToken, verifyToken, type Viewer } from '../../src/auth.js';

/**
 * What both baselines share: the environment the runner starts them with (the project server's own
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
