import type { Prisma, PrismaClient } from '../../src/generated/prisma/client.js';
import { encodeGlobalID } from '@pothos/plugin-relay';

/** Named builders for test data: each fills every required column with valid values unless overridden. */

let counter = 0;
const next = () => ++counter;

export function globalId(type: string, id: number | bigint): string {
  return encodeGlobalID(type, id);
}

export function createUser(prisma: PrismaClient, overrides: Partial<Prisma.UserUncheckedCreateInput> = {}) {
  const n = next();
  return prisma.user.create({ data: { id: 100_000 + n, displayName: `Player ${n}`, ...overrides } });
}

/** Who to sign in as for admin operations (`{ as: admin }`): a token's claims; no users row is needed. */
export const admin = { id: 1, role: 'admin' as const };

/** A new learner: their users row, and who to sign in as (`{ as: await learner(prisma) }`). */
export async function learner(prisma: PrismaClient): Promise<{ id: number; role: 'learner' }> {
  const user = await createUser(prisma);
  return { id: user.id, role: 'learner' };
}

export function createCourse(prisma: PrismaClient, overrides: Partial<Prisma.CourseUncheckedCreateInput> = {}) {
  const n = next();
  return prisma.course.create({ data: { title: `Course ${n}`, level: 'beginner', ...overrides } });
}

export const validPersonality = { systemPrompt: 'You are a patient poker coach.', temperature: 0.7, tone: 'warm' };

export function createCharacter(prisma: PrismaClient, overrides: Partial<Prisma.CharacterUncheckedCreateInput> = {}) {
  const n = next();
  return prisma.character.create({
    data: {
      name: `coach_${n}`,
      displayName: `Coach ${n}`,
      personalityConfig: validPersonality,
      specialization: 'Preflop strategy',
      skillLevel: 'beginner',
      conversationStyle: 'friendly',
      ...overrides,
    },
  });
}

export const sampleQuestions = [
  {
    id: 'q1',
    type: 'SINGLE_CHOICE',
    prompt: 'Which position acts last after the flop?',
    options: [
      { id: 'a', text: 'Small blind' },
      { id: 'b', text: 'Button' },
    ],
    points: 1,
    answer: { optionIds: ['b'], explanation: 'The button acts last on every postflop street.' },
  },
];

export function createAssessment(
  prisma: PrismaClient,
  courseId: number,
  overrides: Partial<Prisma.AssessmentUncheckedCreateInput> = {},
) {
  const n = next();
  return prisma.assessment.create({
    data: { courseId, title: `Assessment ${n}`, difficulty: 'beginner', questions: sampleQuestions, ...overrides },
  });
}
