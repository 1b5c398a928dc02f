import { builder } from '../../../graphql/builder.js';
import { RoleEnum } from '../../../graphql/enums.js';
import { isAdmin } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';

export const UserRef = builder.prismaNode('User', {
  description: 'A PokerIQ Pro account as this platform knows it. Visible to the user themself and to admins.',
  id: { field: 'id' },
  // Another learner's account resolves to null (no row has id 0), through node() and nodes() alike.
  nullable: true,
  findUnique: (id, context) => ({ id: isAdmin(context.viewer) || context.viewer?.id === rowId(id) ? rowId(id) : 0 }),
  fields: (t) => ({
    displayName: t.exposeString('displayName'),
    // Only the user and admins ever reach a User (findUnique here; other domains expose their owner's only).
    email: t.exposeString('email', { nullable: true, description: 'Visible to the user and admins only.' }),
    role: t.expose('role', { type: RoleEnum }),
  }),
});
