import { webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ROLES } from '../platform/db/values.js';
import { ConflictError, UnauthenticatedError } from '../platform/errors.js';
import { mapDatabaseError } from '../platform/db/errors.js';

export type Role = (typeof ROLES)[number];

/** The signed-in user as the token describes them. */
export interface Viewer {
  id: number;
  role: Role;
  email: string | null;
  displayName: string;
  /** Seconds since the epoch after which the token no longer holds (WebSocket re-checks it). */
  expiresAt: number | null;
}

export interface AuthSettings {
  /**
   * The HS256 secret as an HMAC CryptoKey, imported on first use and reused. jose imports raw bytes on every
   * call, and on Node 20 a secret KeyObject too (it exports it back to bytes first): 40-60 µs a request.
   */
  key(): Promise<webcrypto.CryptoKey>;
  issuer?: string;
  audience?: string;
}

/**
 * Control characters (NUL among them, which PostgreSQL cannot store) and lone UTF-16 surrogates: none belongs in
 * a name, and dropping them leaves the rest of it readable.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/gu;
/** users.id is an INTEGER. */
const MAX_USER_ID = 2_147_483_647;

/**
 * The claims this API reads, as the login may send them: what only spoils a name (control characters, lone
 * surrogates) is cleaned away, anything else unusable is refused with a message naming the claim.
 */
const claimsSchema = z.object({
  sub: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'must be a positive integer user id')
    .refine((sub) => Number(sub) <= MAX_USER_ID, 'must be a positive integer user id'),
  role: z.enum(ROLES, `must be one of ${ROLES.join(', ')}`).default('learner'),
  // The login owns the account: a malformed email is left out rather than locking the user out.
  email: z.email().max(255).optional().catch(undefined),
  name: z
    .string('must be a string')
    .max(255, 'must be at most 255 characters')
    .transform((name) => name.replace(UNPRINTABLE, '').trim() || undefined)
    .optional(),
  exp: z.number().optional(),
});

/** Who the claims of a verified token speak for; a claim that cannot be used is UNAUTHENTICATED naming it. */
export function viewerFromClaims(payload: unknown): Viewer {
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UnauthenticatedError(`Token claim "${issue.path.join('.')}" ${issue.message}`);
  }
  const claims = parsed.data;
  const id = Number(claims.sub);
  return {
    id,
    role: claims.role,
    email: claims.email ?? null,
    displayName: claims.name ?? claims.email?.split('@')[0] ?? `Player ${id}`,
    expiresAt: claims.exp ?? null,
  };
}

export function authSettings(secret: string, issuer?: string, audience?: string): AuthSettings {
  let imported: Promise<webcrypto.CryptoKey> | undefined;
  const key = () =>
    (imported ??= webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    ));
  return { key, issuer, audience };
}

/** Longer tokens are refused before they are parsed or verified (Node's own header limit is 16 KB). */
export const MAX_TOKEN_LENGTH = 16_384;
/**
 * Verified tokens are cached by their whole text; longer ones (a PokerIQ Pro token is a few hundred characters)
 * are verified on every request, so the cache holds at most its entry count times this.
 */
const MAX_CACHED_TOKEN_LENGTH = 2048;

/** Reads "Bearer <jwt>"; an absent header means anonymous, a malformed one is an error. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <token>"');
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new UnauthenticatedError(`Token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  return token;
}

/** Verifies an HS256 token from the PokerIQ Pro login and returns who it speaks for. */
export async function verifyToken(token: string, settings: AuthSettings): Promise<Viewer> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await settings.key(), {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.audience,
    }));
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'Token has expired' : 'Token is invalid';
    throw new UnauthenticatedError(reason);
  }
  return viewerFromClaims(payload);
}

/**
 * verifyToken with a memory: a token verified once is answered from a bounded LRU, keyed by the whole token
 * (signature included, so a forged variant is a different key and is verified), until its exp and never
 * longer. A token without exp stays valid for jose too, so it stays cached until evicted.
 */
export function cachedTokenVerifier(settings: AuthSettings, max = 10_000): (token: string) => Promise<Viewer> {
  const verified = new LRUCache<string, Viewer>({ max });
  return async (token) => {
    const cached = verified.get(token);
    if (cached && (cached.expiresAt === null || cached.expiresAt * 1000 > Date.now())) return cached;
    const viewer = Object.freeze(await verifyToken(token, settings));
    const ttl = viewer.expiresAt === null ? 0 : viewer.expiresAt * 1000 - Date.now();
    if (token.length <= MAX_CACHED_TOKEN_LENGTH && (viewer.expiresAt === null || ttl > 0)) {
      verified.set(token, viewer, { ttl });
    }
    return viewer;
  };
}

export async function signToken(
  settings: AuthSettings,
  claims: { sub: number; role?: Role; email?: string; name?: string },
  expiresIn: string | number = '12h',
): Promise<string> {
  let jwt = new SignJWT({ role: claims.role ?? 'learner', email: claims.email, name: claims.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.sub))
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (settings.issuer) jwt = jwt.setIssuer(settings.issuer);
  if (settings.audience) jwt = jwt.setAudience(settings.audience);
  return jwt.sign(await settings.key());
}

/**
 * Just-in-time provisioning: the users row is created or refreshed from the claims the first time this
 * process sees them, so a request with known claims costs no write.
 */
export class UserProvisioner {
  private readonly seen = new LRUCache<string, true>({ max: 10_000 });

  async provision(prisma: PrismaClient, viewer: Viewer): Promise<void> {
    const key = `${viewer.id}\u0000${viewer.role}\u0000${viewer.email ?? ''}\u0000${viewer.displayName}`;
    if (this.seen.has(key)) return;
    try {
      await upsertUser(prisma, viewer);
    } catch (error) {
      // Two accounts claiming one email (changed upstream, or two first sign-ins racing): keep the user
      // signed in and leave the email unset rather than failing the request.
      if (!(mapDatabaseError(error) instanceof ConflictError)) throw error;
      await upsertUser(prisma, { ...viewer, email: null });
    }
    this.seen.set(key, true);
  }
}

function upsertUser(prisma: PrismaClient, viewer: Viewer) {
  return prisma.$executeRaw`
    INSERT INTO users (id, email, display_name, role)
    VALUES (${viewer.id}, (SELECT ${viewer.email}::varchar WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = ${viewer.email} AND id <> ${viewer.id})), ${viewer.displayName}, ${viewer.role})
    ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, role = EXCLUDED.role
    WHERE (users.email, users.display_name, users.role) IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.display_name, EXCLUDED.role)`;
}
