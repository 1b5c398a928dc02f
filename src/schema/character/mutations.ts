import { builder } from '../../builder.js';
import { ConversationStyleEnum, SkillLevelEnum } from '../common/enums.js';
import { CharacterRef } from './types.js';
import { createCharacter, updateCharacter } from './service.js';

const personalityDescription =
  'An object with systemPrompt (string), temperature (0-2) and tone (string); more keys are kept.';

const CharacterInput = builder.inputType('CharacterInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique handle: lowercase letters, digits, underscores.' }),
    displayName: t.string({ required: true }),
    personalityConfig: t.field({ type: 'JSON', required: true, description: personalityDescription }),
    avatarUrl: t.string(),
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
  createCharacter: t.field({
    type: CharacterRef,
    description: 'Admins: adds an AI coach.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CharacterInput, required: true }) },
    resolve: (_parent, args, context) => createCharacter(context.prisma, args.input),
  }),
  updateCharacter: t.field({
    type: CharacterRef,
    description: 'Admins: changes an AI coach.',
    authScopes: { admin: true },
    args: {
      id: t.arg.globalID({ required: true, for: CharacterRef }),
      input: t.arg({ type: CharacterUpdateInput, required: true }),
    },
    resolve: (_parent, args, context) => updateCharacter(context.prisma, Number(args.id.id), args.input),
  }),
}));
