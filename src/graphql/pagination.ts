import { z } from 'zod';
import { MAX_PAGE_SIZE, MAX_ROW_ID } from '../platform/input.js';

export const DEFAULT_PAGE_SIZE = 20;

/**
 * What is wrong with a page size (`first`, `last`), if anything: pages are refused when oversized or negative
 * instead of silently clamped (as plugin-prisma's maxSize would), on every field that takes one
 * (src/graphql/plugins/page-size.ts).
 */
export function pageSizeProblem(size: number): string | undefined {
  if (size < 0) return 'must not be negative';
  if (size > MAX_PAGE_SIZE) return `must be at most ${MAX_PAGE_SIZE}`;
  return undefined;
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
