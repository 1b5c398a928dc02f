import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { parseInput } from '../platform/input.js';

/** Row ids are PostgreSQL SERIAL/INTEGER keys: 1 .. 2^31-1. */
export const MAX_ROW_ID = 2_147_483_647;

/** The row id a node's raw id names, or 0 (which no row has) when it cannot name one, so lookups find nothing. */
export function rowId(raw: string): number {
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : 0;
  return id <= MAX_ROW_ID ? id : 0;
}

/** The typename and raw id a global id carries, or undefined for garbage. */
export function decodedGlobalId(value: string): { typename: string; id: string } | undefined {
  try {
    return decodeGlobalID(value);
  } catch {
    return undefined;
  }
}

/**
 * A global id of the given node type, decoded to its row id. Garbage, another type's id or an id that names
 * no possible row becomes an issue on the field it was given in (so BAD_USER_INPUT names that field).
 */
export function globalIdOf(typename: string) {
  return z.string().transform((value, context) => {
    const decoded = decodedGlobalId(value);
    const id = decoded?.typename === typename ? rowId(decoded.id) : 0;
    if (id === 0) {
      context.addIssue({ code: 'custom', message: `must be a ${typename} id` });
      return z.NEVER;
    }
    return id;
  });
}

/**
 * The one way resolvers decode an id argument: its row id, or BAD_USER_INPUT naming `argument` for garbage
 * and for another type's id. (Arguments inside input objects use globalIdOf in the input's zod schema.)
 */
export function parseGlobalId(value: string | number, typename: string, argument: string): number {
  return parseInput(globalIdOf(typename), String(value), argument);
}
