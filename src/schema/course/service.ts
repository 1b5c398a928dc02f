import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Prisma } from '../../generated/prisma/client.js';

export interface CourseFilterInput {
  level?: string | null;
  tags?: readonly string[] | null;
  anyTags?: readonly string[] | null;
  search?: string | null;
  isActive?: boolean | null;
}

/** Builds the catalog's where clause; learners are held to active courses whatever they ask for. */
export function courseWhere(
  filter: CourseFilterInput | null | undefined,
  canSeeInactive: boolean,
): Prisma.CourseWhereInput {
  const search = filter?.search?.trim();
  const tags: Prisma.StringNullableListFilter = {
    ...(filter?.tags?.length ? { hasEvery: [...filter.tags] } : {}),
    ...(filter?.anyTags?.length ? { hasSome: [...filter.anyTags] } : {}),
  };
  return {
    ...(filter?.level ? { level: filter.level } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(search
      ? {
          OR: [
            { title: { contains: search, mode: 'insensitive' } },
            { description: { contains: search, mode: 'insensitive' } },
          ],
        }
      : {}),
    isActive: canSeeInactive ? (filter?.isActive ?? undefined) : true,
  };
}

const ORDER_COLUMNS = {
  title: 'title',
  created_at: 'createdAt',
  duration: 'durationMinutes',
  level: 'levelRank',
} as const;

export type CourseOrderColumn = keyof typeof ORDER_COLUMNS;

/** Orders by the chosen column with id as the tie-breaker, so cursors are stable. */
export function courseOrderBy(
  order: { field: CourseOrderColumn; direction: 'asc' | 'desc' } | null | undefined,
): Prisma.CourseOrderByWithRelationInput[] {
  if (!order) return [{ id: 'asc' }];
  const column = ORDER_COLUMNS[order.field];
  const direction = order.direction;
  const primary: Prisma.CourseOrderByWithRelationInput =
    column === 'durationMinutes' ? { durationMinutes: { sort: direction, nulls: 'last' } } : { [column]: direction };
  return [primary, { id: direction }];
}

export class ContentPathError extends Error {
  override name = 'ContentPathError';
}

/** Resolves a course's content_path inside the content root, refusing anything that escapes it. */
export function resolveContentPath(contentRoot: string, contentPath: string): string {
  const root = path.resolve(contentRoot);
  const resolved = path.resolve(root, contentPath);
  if (path.isAbsolute(contentPath) || !resolved.startsWith(root + path.sep)) {
    throw new ContentPathError(`content path escapes the content root: ${contentPath}`);
  }
  return resolved;
}

/** The course's Markdown, or null when it has no content file (yet). */
export async function readCourseContent(contentRoot: string, contentPath: string | null): Promise<string | null> {
  if (!contentPath) return null;
  try {
    return await readFile(resolveContentPath(contentRoot, contentPath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
