import type { Context } from '../../context.js';
import { UnauthenticatedError } from '../../errors.js';

export function isAdmin(context: Context): boolean {
  return context.viewer?.role === 'admin';
}

/** Row filter for content that learners see only while it is active. */
export function activeUnlessAdmin(context: Context): { isActive?: true } {
  return isAdmin(context) ? {} : { isActive: true };
}

/** Row filter for user-owned rows: the viewer's own, or anyone's for admins; nothing for anonymous. */
export function ownedByViewer(context: Context): { userId?: number } {
  if (isAdmin(context)) return {};
  // No user has id 0 (users.id > 0), so anonymous viewers match nothing.
  return { userId: context.viewer?.id ?? 0 };
}

/** The viewer of a field guarded by the signedIn scope (UNAUTHENTICATED if the guard was missed). */
export function signedInViewer(context: Context) {
  if (!context.viewer) throw new UnauthenticatedError();
  return context.viewer;
}
