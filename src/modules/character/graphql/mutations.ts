import { builder } from '../../../graphql/builder.js';
import { invalidatesPublicReads } from '../../../graphql/cache-control.js';
import { ConversationStyleEnum, SkillLevelEnum } from '../../../graphql/enums.js';
import { rowIdIn } from '../../../graphql/ids.js';
import { CharacterRef } from './types.js';
import { createCharacter, updateCharacter } from '../service.js';

const personalityDescription =
  'An object with systemPrompt (string), temperature (0-2) and tone (string); more keys are kept.';

const CharacterInput = builder.inputType('CharacterInput', {
  description: 'A new AI coach.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: 'Unique handle: lowercase letters, digits, underscores (CONFLICT when taken).',
    }),
    displayName: t.string({ required: true }),
    personalityConfig: t.field({ type: 'JSON', required: true, description: personalityDescription }),
    avatarUrl: t.string({ description: 'http(s) URL, at most 500 characters.' }),
    specialization: t.string({ required: true }),
    description: t.string(),
    backstory: t.string(),
    skillLevel: t.field({ type: SkillLevelEnum, required: true }),
    conversationStyle: t.field({ type: ConversationStyleEnum, required: true }),
    isActive: t.boolean({ description: 'Defaults to true.' }),
  }),
});

const CharacterUpdateInput = builder.inputType('CharacterUpdateInput', {
  description: 'Only the fields given change; set isActive to false to retire a character (it is never deleted).',
  fields: (t) => ({
    displayName: t.string(),
    personalityConfig: t.field({ type: 'JSON', description: personalityDescription }),
    avatarUrl: t.string(),
    specialization: t.string(),
    description: t.string(),
    backstory: t.string(),
    skillLevel: t.field({ type: SkillLevelEnum }),
    conversationStyle: t.field({ type: ConversationStyleEnum }),
    isActive: t.boolean(),
  }),
});

builder.mutationFields((t) => ({
  createCharacter: t.prismaField({
    type: CharacterRef,
    description: 'Admins: adds an AI coach. CONFLICT when the name is taken.',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: { input: t.arg({ type: CharacterInput, required: true }) },
    resolve: (query, _parent, args, context) => createCharacter(context.prisma, args.input, query),
  }),
  updateCharacter: t.prismaField({
    type: CharacterRef,
    description: 'Admins: changes an AI coach. NOT_FOUND for an unknown id.',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: {
      id: t.arg.id({ required: true, description: 'A Character id.' }),
      input: t.arg({ type: CharacterUpdateInput, required: true }),
    },
    resolve: (query, _parent, args, context) =>
      updateCharacter(context.prisma, rowIdIn(args.id, 'Character'), args.input, query),
  }),
}));
