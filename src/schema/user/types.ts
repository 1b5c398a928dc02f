import { builder } from '../../builder.js';
import { RoleEnum } from '../common/enums.js';
import { isAdmin } from '../common/access.js';

export const UserRef = builder.prismaNode('User', {
  description: 'A PokerIQ Pro account as this platform knows it. Visible to the user themself and to admins.',
  id: { field: 'id' },
  // Another learner's account resolves to null, through node() as anywhere else.
  findUnique: (id, context) => ({ id: isAdmin(context) || context.viewer?.id === Number(id) ? Number(id) : 0 }),
  fields: (t) => ({
    displayName: t.exposeString('displayName'),
    email: t.exposeString('email', { nullable: true, description: 'Visible to the user and admins only.' }),
    role: t.expose('role', { type: RoleEnum }),
  }),
});
