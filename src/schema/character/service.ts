import { z } from 'zod';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { NotFoundError, parseInput } from '../../errors.js';

/** The same rules as the database's character_personality_is_valid(), with messages per field. */
export const personalityConfigSchema = z.looseObject({
  systemPrompt: z.string().trim().min(1, 'systemPrompt must be a non-empty string').max(4000),
  temperature: z.number().min(0, 'temperature must be between 0 and 2').max(2, 'temperature must be between 0 and 2'),
  tone: z.string().trim().min(1, 'tone must be a non-empty string').max(100),
});

const optionalText = (max: number) => z.string().trim().max(max).nullish();
const url = z.url().max(500).nullish();

const characterFields = {
  displayName: z.string().trim().min(1).max(255),
  personalityConfig: personalityConfigSchema,
  avatarUrl: url,
  specialization: z.string().trim().min(1).max(100),
  description: optionalText(5000),
  backstory: optionalText(20000),
  skillLevel: z.enum(['beginner', 'intermediate', 'expert']),
  conversationStyle: z.enum(['friendly', 'analytical', 'competitive']),
  isActive: z.boolean().nullish(),
};

export const characterCreateSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_]+$/, 'name may hold lowercase letters, digits and underscores only'),
  ...characterFields,
});

export const characterUpdateSchema = z.object(characterFields).partial();

/** Drops keys the client left out or set to null where the column cannot be null. */
function definedOnly<T extends Record<string, unknown>>(values: T, nullable: readonly string[]): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([key, value]) => value !== undefined && (value !== null || nullable.includes(key))),
  ) as Partial<T>;
}

const NULLABLE_COLUMNS = ['avatarUrl', 'description', 'backstory'] as const;

export async function createCharacter(prisma: PrismaClient, input: unknown) {
  const data = parseInput(characterCreateSchema, input, 'input');
  return prisma.character.create({
    data: definedOnly(data, NULLABLE_COLUMNS) as Prisma.CharacterCreateInput,
  });
}

export async function updateCharacter(prisma: PrismaClient, id: number, input: unknown) {
  const data = parseInput(characterUpdateSchema, input, 'input');
  const exists = await prisma.character.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw new NotFoundError('Character');
  return prisma.character.update({
    where: { id },
    data: definedOnly(data, NULLABLE_COLUMNS) as Prisma.CharacterUpdateInput,
  });
}
