import type { Prisma } from '../generated/prisma/client.js';
import type { Viewer } from './token.js';
import { UnauthenticatedError } from '../platform/errors.js';

/** The viewer who acts; admins may also work on content that learners cannot see. */
export type Actor = Pick<Viewer, 'id' | 'role'>;

export function isAdmin(viewer: Pick<Viewer, 'role'> | null): boolean {
  return viewer?.role === 'admin';
}

/** Row filter for content that learners see only while it is active. */
export function activeUnlessAdmin(viewer: Pick<Viewer, 'role'> | null): { isActive?: true } {
  return isAdmin(viewer) ? {} : { isActive: true };
}

/** Learners see active assessments of active courses; admins see all. */
export function visibleAssessments(
  viewer: Pick<Viewer, 'role'> | null,
): Pick<Prisma.AssessmentWhereInput, 'isActive' | 'course'> {
  return isAdmin(viewer) ? {} : { isActive: true, course: { isActive: true } };
}

/** Row filter for user-owned rows: the viewer's own, or anyone's for admins; nothing for anonymous. */
export function ownedByViewer(viewer: Actor | null): { userId?: number } {
  if (isAdmin(viewer)) return {};
  // No user has id 0 (users.id > 0), so anonymous viewers match nothing.
  return { userId: viewer?.id ?? 0 };
}

/** The viewer of a field guarded by the signedIn scope (UNAUTHENTICATED if the guard was missed). */
export function signedInViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new UnauthenticatedError();
  return viewer;
}
