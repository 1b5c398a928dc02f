import type { Prisma } from '../../generated/prisma/client.js';

/** The catalog's orders: by which Course field each orderBy field sorts. */
const ORDER_COLUMNS = {
  title: 'title',
  created_at: 'createdAt',
  duration: 'durationMinutes',
  level: 'levelRank',
} as const;

export type CourseOrder = { field: keyof typeof ORDER_COLUMNS; direction: 'asc' | 'desc' };

/** Orders by the chosen column with id as the tie-breaker, so cursors are stable. */
export function courseOrderBy(order: CourseOrder | null | undefined): Prisma.CourseOrderByWithRelationInput[] {
  if (!order) return [{ id: 'asc' }];
  const column = ORDER_COLUMNS[order.field];
  const direction = order.direction;
  const primary: Prisma.CourseOrderByWithRelationInput =
    column === 'durationMinutes' ? { durationMinutes: { sort: direction, nulls: 'last' } } : { [column]: direction };
  return [primary, { id: direction }];
}
