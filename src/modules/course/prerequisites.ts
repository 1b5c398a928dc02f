import type { Prisma } from '../../generated/prisma/client.js';
import { byRowId, UserInputError, type NameRow } from '../../platform/errors.js';

/** The prerequisite graph of courses: every prerequisite exists, and no course requires itself through others. */

type Transaction = Prisma.TransactionClient;

/** Serialises every change to the prerequisite graph (any constant key shared by its writers would do). */
const PREREQUISITE_GRAPH_LOCK = 7_316_001;

/** Prerequisite ids that name no course, named to the client by the ids it sent (its global ids). */
class UnknownPrerequisitesError extends UserInputError {
  constructor(
    readonly courseIds: readonly number[],
    nameRow: NameRow = byRowId,
  ) {
    const ids = courseIds.map((id) => nameRow('Course', id)).join(', ');
    super({ 'input.prerequisiteIds': `no course has the id ${ids}` });
  }

  override namingRowsBy(nameRow: NameRow): UnknownPrerequisitesError {
    return new UnknownPrerequisitesError(this.courseIds, nameRow);
  }
}

/**
 * Checks a course's new prerequisites: every id names a course, and the graph stays acyclic. Runs inside the
 * writing transaction after taking a transaction-scoped advisory lock, so two concurrent updates (A requires B,
 * B requires A) cannot each pass against the other's old graph: the second one waits and sees the first.
 * A row lock would not do: each of those updates locks a different row.
 */
export async function checkPrerequisites(
  tx: Transaction,
  courseId: number | null,
  prerequisiteIds: number[],
): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PREREQUISITE_GRAPH_LOCK}::bigint)`;
  const courses = await tx.course.findMany({ select: { id: true, title: true, prerequisites: true } });
  const byId = new Map(courses.map((course) => [course.id, course]));
  const missing = prerequisiteIds.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new UnknownPrerequisitesError(missing);
  if (courseId === null) return; // a new course cannot be anyone's prerequisite yet
  const cycle = findCycle(courseId, prerequisiteIds, (id) => byId.get(id)?.prerequisites ?? []);
  if (cycle) {
    const titles = cycle.map((id) => byId.get(id)?.title ?? String(id)).join(' -> ');
    throw new UserInputError(
      { 'input.prerequisiteIds': `would form a cycle: ${titles}` },
      `Prerequisites would form a cycle: ${titles}`,
    );
  }
}

/**
 * The shortest path start -> ... -> start that giving `start` these prerequisites would close, or null.
 * Breadth-first from the new prerequisites through everyone's current ones, looking for `start`.
 */
function findCycle(
  start: number,
  prerequisiteIds: readonly number[],
  prerequisitesOf: (id: number) => readonly number[],
): number[] | null {
  const cameFrom = new Map<number, number>(prerequisiteIds.map((id) => [id, start]));
  const queue = [...prerequisiteIds];
  for (let index = 0; index < queue.length; index += 1) {
    const id = queue[index]!;
    if (id === start) {
      const cycle = [start];
      for (let step = cameFrom.get(start)!; step !== start; step = cameFrom.get(step)!) cycle.unshift(step);
      return [start, ...cycle];
    }
    for (const next of prerequisitesOf(id)) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, id);
        queue.push(next);
      }
    }
  }
  return null;
}
