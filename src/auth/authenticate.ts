import type { PrismaClient } from '../generated/prisma/client.js';
import { bearerToken, cachedTokenVerifier, UserProvisioner, type AuthSettings, type Viewer } from './token.js';

/** The viewer an Authorization header (or a socket's connectionParams) stands for; null for no token. */
export type Authenticate = (authorization: string | undefined | null) => Promise<Viewer | null>;

/** Verifies the bearer token (cached) and provisions its user in the database the first time it is seen. */
export function createAuthenticator(auth: AuthSettings, prisma: PrismaClient): Authenticate {
  const verifyToken = cachedTokenVerifier(auth);
  const provisioner = new UserProvisioner();
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) return null;
    const viewer = await verifyToken(token);
    await provisioner.provision(prisma, viewer);
    return viewer;
  };
}
