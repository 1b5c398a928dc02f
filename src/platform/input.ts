import { z, type ZodError } from 'zod';
import { UserInputError } from './errors.js';

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

/** Row ids are PostgreSQL SERIAL/INTEGER keys: 1 .. 2^31-1. */
export const MAX_ROW_ID = 2_147_483_647;

/** The most items a page of any list holds (`first`, `last`). */
export const MAX_PAGE_SIZE = 100;

const idSchemas = new Map<string, z.ZodNumber>();

/**
 * The id of a `typename` row in an input. The GraphQL layer hands services the row id a client's global id
 * names, or 0 when it names none of this type (src/graphql/ids.ts), so a bad id is refused here with its
 * field's path, in the same BAD_USER_INPUT as the input's other mistakes. One schema per typename: building a zod
 * schema costs more than running it, and every id argument of every request runs one.
 */
export function idOf(typename: string): z.ZodNumber {
  let schema = idSchemas.get(typename);
  if (!schema) {
    schema = z
      .number()
      .int(`must be a ${typename} id`)
      .min(1, `must be a ${typename} id`)
      .max(MAX_ROW_ID, `must be a ${typename} id`);
    idSchemas.set(typename, schema);
  }
  return schema;
}

/** Drops repeated values, keeping the first occurrence's position. */
export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a finite number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  date: 'a date',
};

/**
 * The message of a zod issue that its schema did not word itself: zod's defaults ("Invalid input: expected
 * nonoptional, received undefined") name types and internals, not what the client should send.
 */
function issueMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.expected === 'nonoptional'
        ? 'is required'
        : issue.input === null
          ? 'must not be null'
          : `must be ${EXPECTED[issue.expected] ?? `of type ${issue.expected}`}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must hold at most ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`
        : issue.origin === 'array'
          ? `must hold at least ${issue.minimum} items`
          : `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `has keys this object does not take: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return 'is not valid here';
  }
}

/** Turns zod issues into field paths (prefixed with the argument name) and messages, one per path. */
function fieldsFromZod(error: ZodError, prefix?: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || 'input';
    fields[key] ??= issue.message;
  }
  return fields;
}

/** Parses with zod, raising BAD_USER_INPUT that names the offending fields in words of our own. */
export function parseInput<T>(
  schema: {
    safeParse(
      data: unknown,
      params?: { error?: z.core.$ZodErrorMap },
    ): { success: true; data: T } | { success: false; error: ZodError };
  },
  data: unknown,
  prefix?: string,
): T {
  const result = schema.safeParse(data, { error: issueMessage });
  if (!result.success) throw new UserInputError(fieldsFromZod(result.error, prefix));
  return result.data;
}
