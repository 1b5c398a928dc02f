import { decodeGlobalID } from '@pothos/plugin-relay';
import { idOf, MAX_ROW_ID, parseInput } from '../platform/input.js';

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
 * The row id a global id of `typename` names, or 0 for garbage, another type's id or an id that names no possible
 * row: services refuse 0 where an id is required (platform/input.ts idOf) and find nothing by it.
 */
export function rowIdIn(globalId: string | number, typename: string): number {
  const decoded = decodedGlobalId(String(globalId));
  return decoded?.typename === typename ? rowId(decoded.id) : 0;
}

/**
 * An input object as services take it: the named id fields (single ids or lists) hold row ids (rowIdIn) instead
 * of global ids; every other field is left for the service to validate.
 */
export function withRowIds<T extends object>(input: T, idFields: { [K in keyof T]?: string }): Record<string, unknown> {
  const decoded: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [field, typename] of Object.entries(idFields) as [string, string][]) {
    const value = decoded[field];
    const toRowId = (id: unknown) => (typeof id === 'string' || typeof id === 'number' ? rowIdIn(id, typename) : id);
    decoded[field] = Array.isArray(value) ? value.map(toRowId) : toRowId(value);
  }
  return decoded;
}

/**
 * The one way resolvers decode an id argument: its row id, or BAD_USER_INPUT naming `argument` for garbage and
 * for another type's id. (An id that is validated with an input passes as rowIdIn to the service that does.)
 */
export function parseGlobalId(value: string | number, typename: string, argument: string): number {
  return parseInput(idOf(typename), rowIdIn(value, typename), argument);
}
