import { z } from 'zod';
import { UserInputError } from '../platform/errors.js';
import { MAX_ROW_ID } from './ids.js';

export const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** Connections refuse oversized or negative pages instead of silently clamping them. */
export function assertPageSize(args: { first?: number | null; last?: number | null }): void {
  const fields: Record<string, string> = {};
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value === null || value === undefined) continue;
    if (value < 0) fields[key] = 'must not be negative';
    else if (value > MAX_PAGE_SIZE) fields[key] = `must be at most ${MAX_PAGE_SIZE}`;
  }
  if (Object.keys(fields).length > 0) throw new UserInputError(fields);
}

export const pageSizeOptions = { defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE } as const;

/** A row id as plugin-prisma writes it into a `cursor: 'id'` cursor. */
const rowIdCursor = z.number().int().min(1).max(MAX_ROW_ID);

/**
 * What the cursors of each connection hold (its plugin-prisma `cursor` option), decoded: anything else was not
 * issued by that connection (forged, or another kind of list's) and is refused as BAD_USER_INPUT on after/before
 * (src/security/input.ts) before it can reach Prisma. A message cursor also names its session, which the
 * messages field checks against the session it lists.
 */
export const connectionCursors: Record<string, z.ZodType> = {
  CourseConnection: rowIdCursor,
  CharacterConnection: rowIdCursor,
  ChatSessionConnection: rowIdCursor,
  UserProgressConnection: rowIdCursor,
  ChatMessageConnection: z.tuple([rowIdCursor, rowIdCursor]),
};
