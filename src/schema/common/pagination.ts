import { UserInputError } from '../../errors.js';

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
