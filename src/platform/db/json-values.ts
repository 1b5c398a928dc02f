/** Rows read as JSON inside another statement (json_build_object), typed back as the named statements type them. */

/**
 * A timestamptz as JSON: whole milliseconds since the epoch, floored, as pg's parser leaves a Date (it drops the
 * microseconds); null stays null.
 */
export function jsonTimestamp(column: string): string {
  return `floor(extract(epoch FROM ${column}) * 1000)`;
}

/** What jsonTimestamp wrote, as a Date. */
export function dateOf(milliseconds: number): Date {
  return new Date(milliseconds);
}

/** What jsonTimestamp wrote of a nullable column. */
export function dateOrNullOf(milliseconds: number | null): Date | null {
  return milliseconds === null ? null : new Date(milliseconds);
}
