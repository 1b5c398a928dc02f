import pg from 'pg';

const parseAnyTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text');

const ZERO = 48;

/** The decimal number of `count` digits at `from`, or NaN if any of them is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = text.charCodeAt(at) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A timestamptz as PostgreSQL writes it with DateStyle ISO, `YYYY-MM-DD HH:MM:SS[.fraction]±HH[:MM[:SS]]`, read
 * at fixed positions: the same Date as pg's own parser (postgres-date, whose regular expressions were 4% of the
 * catalog page's CPU time) to the millisecond, which is as far as a Date goes. What it does not cover (years
 * before 100 or after 9999, BC, infinity) goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const year = digits(text, 0, 4);
  if (
    !(year >= 100) ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== ' ' ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return parseAnyTimestamptz(text);
  }
  let at = 19;
  let milliseconds = 0;
  if (text[at] === '.') {
    at += 1;
    for (let scale = 100; at < text.length; at += 1, scale /= 10) {
      const digit = text.charCodeAt(at) - ZERO;
      if (!(digit >= 0 && digit <= 9)) break;
      if (scale >= 1) milliseconds += digit * scale;
    }
  }
  const sign = text[at] === '+' ? 1 : text[at] === '-' ? -1 : 0;
  let offsetSeconds = digits(text, at + 1, 2) * 3600;
  at += 3;
  if (text[at] === ':') {
    offsetSeconds += digits(text, at + 1, 2) * 60;
    at += 3;
    if (text[at] === ':') {
      offsetSeconds += digits(text, at + 1, 2);
      at += 3;
    }
  }
  const utc = Date.UTC(
    year,
    digits(text, 5, 2) - 1,
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
    milliseconds,
  );
  if (sign === 0 || at !== text.length || Number.isNaN(utc + offsetSeconds)) return parseAnyTimestamptz(text);
  return new Date(utc - sign * offsetSeconds * 1000);
}

/**
 * The types of a RowReader's statements: pg's own, but timestamptz by parseTimestamptz. Per statement, so
 * nothing else in the process (Prisma's adapter, pg-boss) reads dates otherwise.
 */
export const rowTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.TIMESTAMPTZ && format !== 'binary'
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};
