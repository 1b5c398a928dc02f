import { z } from 'zod';

/**
 * An optional input for a NOT NULL column: null is treated like leaving the field out (keep the stored value,
 * or the column default on create), since many clients send null for variables they did not set.
 */
export function unsetWhenNull<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined);
}

/** A link shown to users: http(s) only (no javascript: or data: URLs), within the columns' 500 characters. */
export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(500, 'must be at most 500 characters');

/**
 * Prisma matches `contains`, and `equals` with mode 'insensitive', with (I)LIKE, passing wildcards through: a
 * search for "50%" must not match everything, and a trailing backslash must not be an SQL error.
 */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** Drops repeated values, keeping the first occurrence's position. */
export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
