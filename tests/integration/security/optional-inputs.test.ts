import { getNullableType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import { schema } from '../../../src/graphql/schema.js';
import { startTestServer, UNLIMITED, type GraphQLResponse, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCourse, createCharacter, globalId, learner, admin } from '../../helpers/factories.js';
import { openSession } from '../chat/fixtures.js';

/**
 * Every optional input, argument or input object field at any depth, found from the schema so that a new one
 * is covered without a new test: sent as null it behaves exactly as when it is left out (many clients send null
 * for variables they did not set), and no answer carries zod's own words ("expected nonoptional, received
 * undefined", found on createAssessment without scoringConfig).
 */

let server: TestServer;
let n = 0;
const unique = (prefix: string) => `${prefix} ${(n += 1)}`;

interface Case {
  mutation: string;
  selection: string;
  /** A fresh, complete, valid set of arguments (every optional field given). */
  args: () => Record<string, unknown>;
  as: { id: number; role?: 'admin' | 'learner' };
}

let cases: Case[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: { ...UNLIMITED, RATE_LIMIT_CHAT_MESSAGES: '100000' } });
  const prisma = server.database.prisma;
  const prerequisite = await createCourse(prisma, { title: 'Optional prerequisite' });
  const course = await createCourse(prisma, { title: 'Optional course' });
  const character = await createCharacter(prisma);
  const assessment = await createAssessment(prisma, course.id);
  const viewer = await learner(prisma);
  const sessionId = await openSession(server, viewer, character.id);
  const courseFields = () => ({
    title: unique('Optional title'),
    description: 'About it',
    contentPath: 'beginner/optional.md',
    videoUrl: 'https://v.example.com/1',
    thumbnailUrl: 'https://v.example.com/1.png',
    durationMinutes: 30,
    tags: ['optional'],
    prerequisiteIds: [globalId('Course', prerequisite.id)],
    isActive: true,
  });
  const characterFields = () => ({
    displayName: 'Optional Coach',
    personalityConfig: { systemPrompt: 'Coach.', temperature: 0.5, tone: 'calm' },
    avatarUrl: 'https://a.example.com/c.png',
    specialization: 'Testing',
    description: 'Tests',
    backstory: 'Born in a test',
    skillLevel: 'BEGINNER',
    conversationStyle: 'FRIENDLY',
    isActive: true,
  });
  const questions = [
    {
      id: 'q1',
      type: 'SINGLE_CHOICE',
      prompt: 'Which?',
      options: [
        { id: 'a', text: 'A' },
        { id: 'b', text: 'B' },
      ],
      points: 2,
      answer: { optionIds: ['b'], explanation: 'B it is' },
    },
    {
      id: 'q2',
      type: 'NUMERIC',
      prompt: 'How many?',
      points: 1,
      answer: { value: 4, tolerance: 0.5, explanation: 'Four' },
    },
  ];
  const assessmentFields = () => ({
    title: unique('Optional assessment'),
    description: 'A quiz',
    difficulty: 'BEGINNER',
    questions,
    scoringConfig: { weights: { q1: 2 }, partialCredit: true },
    passThreshold: 60,
    timeLimitMinutes: null,
    maxAttempts: 100,
    isActive: true,
  });
  cases = [
    {
      mutation: 'createCourse',
      selection: 'id',
      as: admin,
      args: () => ({ input: { ...courseFields(), level: 'BEGINNER' } }),
    },
    {
      mutation: 'updateCourse',
      selection: 'id',
      as: admin,
      args: () => ({ id: globalId('Course', course.id), input: { ...courseFields(), level: 'BEGINNER' } }),
    },
    {
      mutation: 'createCharacter',
      selection: 'id',
      as: admin,
      args: () => ({ input: { ...characterFields(), name: unique('optional').replace(' ', '_') } }),
    },
    {
      mutation: 'updateCharacter',
      selection: 'id',
      as: admin,
      args: () => ({ id: globalId('Character', character.id), input: characterFields() }),
    },
    {
      mutation: 'createAssessment',
      selection: 'id',
      as: admin,
      args: () => ({ input: { ...assessmentFields(), courseId: globalId('Course', course.id) } }),
    },
    {
      mutation: 'updateAssessment',
      selection: 'id',
      as: admin,
      args: () => ({ id: globalId('Assessment', assessment.id), input: assessmentFields() }),
    },
    {
      mutation: 'recordProgress',
      selection: 'id',
      as: viewer,
      args: () => ({
        courseId: globalId('Course', course.id),
        input: { currentSection: 2, completionRate: 40, studyMinutes: 5, reset: false },
      }),
    },
    {
      mutation: 'submitAssessment',
      selection: 'score',
      as: viewer,
      args: () => ({
        assessmentId: globalId('Assessment', assessment.id),
        answers: [{ questionId: 'q1', optionIds: ['b'], value: null }],
      }),
    },
    {
      mutation: 'startChatSession',
      selection: 'id',
      as: viewer,
      args: () => ({ characterId: globalId('Character', character.id), sessionName: 'Named' }),
    },
    {
      mutation: 'sendChatMessage',
      selection: 'seq',
      as: viewer,
      args: () => ({ sessionId, content: 'Hello', clientMessageId: unique('m').replace(' ', '-') }),
    },
  ];
});

afterAll(async () => {
  await server?.close();
});

type Path = (string | number)[];

/** The paths of every optional value given in `value` (of type `type`), nested ones too. */
function optionalPaths(value: unknown, type: GraphQLInputType, path: Path): Path[] {
  if (value === null || value === undefined) return [];
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return (value as unknown[]).flatMap((item, index) => optionalPaths(item, nullable.ofType, [...path, index]));
  }
  if (!isInputObjectType(nullable)) return [];
  return Object.values(nullable.getFields()).flatMap((field) => {
    const item = (value as Record<string, unknown>)[field.name];
    if (item === undefined) return [];
    const own = isNonNullType(field.type) ? [] : [[...path, field.name]];
    return [...own, ...optionalPaths(item, field.type, [...path, field.name])];
  });
}

function withPath(root: Record<string, unknown>, path: Path, change: 'omit' | 'null'): Record<string, unknown> {
  const copy = structuredClone(root);
  let target = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (change === 'omit') delete target[last];
  else target[last] = null;
  return copy;
}

/** What a response amounts to: success, or each error's code and fields. */
function outcome(response: GraphQLResponse<unknown>) {
  return response.body.errors?.map((error) => [error.extensions?.code, error.extensions?.fields]) ?? 'ok';
}

const ZOD_WORDS = /expected \w+, received|nonoptional|Invalid option|Too (big|small)/i;

it('finds optional fields on every mutation that has them', () => {
  const mutations = schema.getMutationType()!.getFields();
  for (const { mutation, args } of cases) {
    const field = mutations[mutation]!;
    const paths = field.args.flatMap((arg) =>
      optionalPaths(args()[arg.name], arg.type, [arg.name]).concat(isNonNullType(arg.type) ? [] : [[arg.name]]),
    );
    expect([mutation, paths.length > 0]).toEqual([mutation, true]);
  }
});

it('treats every optional input sent as null as left out, in words of our own', async () => {
  const mutations = schema.getMutationType()!.getFields();
  const mismatches: unknown[] = [];
  for (const { mutation, selection, args, as } of cases) {
    const field = mutations[mutation]!;
    const signature = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
    const call = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const document = `mutation (${signature}) { ${mutation}(${call}) { ${selection} } }`;
    const given = args();
    const paths = field.args.flatMap((arg) => [
      ...(isNonNullType(arg.type) ? [] : [[arg.name]]),
      ...optionalPaths(given[arg.name], arg.type, [arg.name]),
    ]);
    for (const path of paths) {
      const [omitted, nulled] = await Promise.all(
        (['omit', 'null'] as const).map((change) => server.graphql(document, withPath(args(), path, change), { as })),
      );
      for (const response of [omitted!, nulled!]) {
        for (const error of response.body.errors ?? []) {
          expect([mutation, path.join('.'), error.message]).not.toEqual([
            mutation,
            path.join('.'),
            expect.stringMatching(ZOD_WORDS),
          ]);
          for (const problem of Object.values((error.extensions?.fields as Record<string, string>) ?? {})) {
            expect(problem).not.toMatch(ZOD_WORDS);
          }
        }
      }
      const left = outcome(omitted!);
      const sent = outcome(nulled!);
      if (JSON.stringify(left) !== JSON.stringify(sent))
        mismatches.push({ mutation, path: path.join('.'), left, sent });
    }
  }
  expect(mismatches).toEqual([]);
});
