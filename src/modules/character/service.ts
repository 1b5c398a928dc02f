import { z } from 'zod';
import { CONVERSATION_STYLES, SKILL_LEVELS } from '../../platform/db/values.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { activeUnlessAdmin, type Actor } from '../../auth/access.js';
import { NotFoundError } from '../../platform/errors.js';
import { escapeLike, httpUrl, idOf, parseInput, unsetWhenNull } from '../../platform/input.js';

const nonEmptyText = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, `${field} must be a non-empty string`)
    .max(max, `${field} must be at most ${max} characters`);

/**
 * The rules of the database's character_personality_is_valid(), with a message per field (and limits the
 * database does not set): an object with systemPrompt and tone strings and a temperature number 0-2. Other keys
 * are kept as they are.
 */
export const personalityConfigSchema = z
  .looseObject(
    {
      systemPrompt: nonEmptyText('systemPrompt', 4000),
      temperature: z
        .number({ error: 'temperature must be a number' })
        .min(0, 'temperature must be between 0 and 2')
        .max(2, 'temperature must be between 0 and 2'),
      tone: nonEmptyText('tone', 100),
    },
    { error: 'must be an object with systemPrompt, temperature and tone' },
  )
  // The value came in through the JSON scalar, so the kept keys hold JSON too.
  .transform((config) => config as Prisma.InputJsonObject);

const optionalText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullish();

const characterFields = {
  displayName: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  personalityConfig: personalityConfigSchema,
  avatarUrl: httpUrl.nullish(),
  specialization: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  description: optionalText(5000),
  backstory: optionalText(20000),
  skillLevel: z.enum(SKILL_LEVELS),
  conversationStyle: z.enum(CONVERSATION_STYLES),
  isActive: unsetWhenNull(z.boolean()),
};

/** CharacterInput, validated. */
const characterCreateSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .regex(/^[a-z0-9_]+$/, 'may hold lowercase letters, digits and underscores only'),
  ...characterFields,
});

/** CharacterUpdateInput: every field optional; only the given ones change (null on a required one: no change). */
const characterUpdateSchema = z
  .object({
    ...characterFields,
    displayName: unsetWhenNull(characterFields.displayName),
    personalityConfig: unsetWhenNull(characterFields.personalityConfig),
    specialization: unsetWhenNull(characterFields.specialization),
    skillLevel: unsetWhenNull(characterFields.skillLevel),
    conversationStyle: unsetWhenNull(characterFields.conversationStyle),
  })
  .partial();

/** CharacterFilter, validated. */
const characterFilterSchema = z
  .object({
    specialization: z.string().max(100, 'must be at most 100 characters').nullish(),
    skillLevel: z.enum(SKILL_LEVELS).nullish(),
    conversationStyle: z.enum(CONVERSATION_STYLES).nullish(),
  })
  .nullish();

/** The characters a CharacterFilter finds for this actor (or anonymous visitor): active ones unless an admin. */
export function characterWhere(rawFilter: unknown, actor: Actor | null): Prisma.CharacterWhereInput {
  const filter = parseInput(characterFilterSchema, rawFilter, 'filter');
  return {
    ...activeUnlessAdmin(actor),
    ...(filter?.specialization
      ? { specialization: { equals: escapeLike(filter.specialization), mode: 'insensitive' } }
      : {}),
    ...(filter?.skillLevel ? { skillLevel: filter.skillLevel } : {}),
    ...(filter?.conversationStyle ? { conversationStyle: filter.conversationStyle } : {}),
  };
}

/** plugin-prisma's selection for the returned character. */
export type CharacterQuery = { select?: Prisma.CharacterSelect; include?: Prisma.CharacterInclude };

/** Adds a character from a CharacterInput; a taken name is a CONFLICT (the unique index decides, see errors.ts). */
export async function createCharacter(prisma: PrismaClient, input: unknown, query: CharacterQuery = {}) {
  const data = parseInput(characterCreateSchema, input, 'input');
  return prisma.character.create({ ...query, data });
}

/** Changes the given fields of a CharacterUpdateInput. */
export async function updateCharacter(prisma: PrismaClient, id: number, input: unknown, query: CharacterQuery = {}) {
  // Validated together, so that one BAD_USER_INPUT names every mistake.
  const data = parseInput(z.object({ id: idOf('Character'), input: characterUpdateSchema }), { id, input }).input;
  const exists = await prisma.character.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw new NotFoundError('Character');
  return prisma.character.update({ ...query, where: { id }, data });
}
