/** Helpers for DataLoader batch functions: rows of one query put back in the order of the keys asked for. */

/** The row of each key, or null for a key without one. */
export function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** Groups rows under their keys, keeping the rows' order; a key without rows gets []. */
export function groupedByKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

/** The found values of a loadMany, in order; a failed lookup fails the caller instead of vanishing. */
export function present<T>(values: (T | null | Error)[]): T[] {
  return values.filter((value): value is T => {
    if (value instanceof Error) throw value;
    return value !== null;
  });
}
