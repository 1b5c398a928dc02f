import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { ConversationStyleEnum, SkillLevelEnum } from '../../../graphql/enums.js';
import { activeUnlessAdmin } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';

export const CharacterRef = builder.prismaNode('Character', {
  description: 'An AI poker coach that learners chat with.',
  ...cacheHints.publicRead,
  id: { field: 'id' },
  // node()/nodes() answer null, not an error, for ids that do not exist or are not visible.
  nullable: true,
  findUnique: (id, context) => ({ id: rowId(id), ...activeUnlessAdmin(context.viewer) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique handle.' }),
    displayName: t.exposeString('displayName'),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    specialization: t.exposeString('specialization'),
    description: t.exposeString('description', { nullable: true }),
    backstory: t.exposeString('backstory', { nullable: true }),
    skillLevel: t.expose('skillLevel', { type: SkillLevelEnum }),
    conversationStyle: t.expose('conversationStyle', { type: ConversationStyleEnum }),
    isActive: t.exposeBoolean('isActive'),
    personalityConfig: t.expose('personalityConfig', {
      type: 'JSON',
      nullable: true,
      description: 'Admins only: the AI parameters (systemPrompt, temperature, tone, ...).',
      authScopes: { admin: true },
      ...cacheHints.viewerSpecific,
    }),
  }),
});

export const CharacterFilterInput = builder.inputType('CharacterFilter', {
  fields: (t) => ({
    specialization: t.string({ description: 'Exact specialization, case-insensitive.' }),
    skillLevel: t.field({ type: SkillLevelEnum }),
    conversationStyle: t.field({ type: ConversationStyleEnum }),
  }),
});
