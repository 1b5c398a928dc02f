import { errorCodes, errorFields, startTestServer, type TestServer } from '../../helpers/server.js';
import { createCharacter, globalId, validPersonality, admin } from '../../helpers/factories.js';
import {
  CharacterByIdDocument,
  CharacterPersonalityDocument,
  CharactersDocument,
  CharactersWithPersonalityDocument,
  CreateCharacterDocument,
  UpdateCharacterDocument,
  type CharacterFilter,
  type CharacterInput,
} from '../../generated/graphql.js';

const learner = { id: 2 };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const characterCount = () => server.database.prisma.character.count();

let sequence = 0;
function input(overrides: Partial<CharacterInput> = {}): CharacterInput {
  sequence += 1;
  return {
    name: `api_coach_${sequence}`,
    displayName: `API Coach ${sequence}`,
    personalityConfig: validPersonality,
    specialization: 'Tournament play',
    skillLevel: 'INTERMEDIATE',
    conversationStyle: 'ANALYTICAL',
    ...overrides,
  };
}

describe('characters', () => {
  let friendly: number;
  let expert: number;
  let retired: number;

  beforeAll(async () => {
    const prisma = server.database.prisma;
    friendly = (await createCharacter(prisma, { specialization: 'Cash games', conversationStyle: 'friendly' })).id;
    expert = (
      await createCharacter(prisma, {
        specialization: 'Cash games',
        skillLevel: 'expert',
        conversationStyle: 'competitive',
      })
    ).id;
    retired = (await createCharacter(prisma, { specialization: 'Cash games', isActive: false })).id;
  });

  const ids = (...list: number[]) => list.map((id) => globalId('Character', id));

  async function listed(filter: CharacterFilter, as?: typeof learner) {
    const response = await server.graphql(CharactersDocument, { first: 100, filter }, { as });
    expect(response.body.errors).toBeUndefined();
    const { edges, totalCount } = response.body.data!.characters;
    expect(totalCount).toBe(edges.length);
    return edges.map((edge) => edge.node.id);
  }

  it('lists active characters to anyone, filtered by specialization (any case), skill level and style', async () => {
    expect(await listed({ specialization: 'cash GAMES' })).toEqual(ids(friendly, expert));
    expect(await listed({ specialization: 'Cash games', skillLevel: 'EXPERT' }, learner)).toEqual(ids(expert));
    expect(await listed({ specialization: 'Cash games', conversationStyle: 'FRIENDLY' })).toEqual(ids(friendly));
  });

  it('hides inactive characters from learners, not from admins', async () => {
    expect(await listed({ specialization: 'Cash games' }, learner)).not.toContain(ids(retired)[0]);
    const asAdmin = await server.graphql(CharactersDocument, { first: 100 }, { as: admin });
    expect(asAdmin.body.data!.characters.edges.map((edge) => edge.node.id)).toContain(ids(retired)[0]);
    const one = (as?: typeof learner) => server.graphql(CharacterByIdDocument, { id: ids(retired)[0]! }, { as });
    expect((await one(learner)).body.data!.character).toBeNull();
    expect((await one()).body.data!.character).toBeNull();
    expect((await one(admin)).body.data!.character!.isActive).toBe(false);
  });

  it('shows personalityConfig to admins only: FORBIDDEN for learners, UNAUTHENTICATED for anonymous', async () => {
    const id = ids(friendly)[0]!;
    const asAdmin = await server.graphql(CharacterPersonalityDocument, { id }, { as: admin });
    expect(asAdmin.body.data!.character!.personalityConfig).toEqual(validPersonality);

    const asLearner = await server.graphql(CharacterPersonalityDocument, { id }, { as: learner });
    expect(errorCodes(asLearner)).toEqual(['FORBIDDEN']);
    expect(asLearner.body.data!.character).toEqual({ id, personalityConfig: null });

    const anonymous = await server.graphql(CharacterPersonalityDocument, { id });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);

    const list = await server.graphql(CharactersWithPersonalityDocument, { first: 2 }, { as: learner });
    expect(new Set(errorCodes(list))).toEqual(new Set(['FORBIDDEN']));
    expect(list.body.data!.characters.edges.every((edge) => edge.node.personalityConfig === null)).toBe(true);
  });
});

describe('createCharacter', () => {
  it('creates a character that learners can then find', async () => {
    const response = await server.graphql(
      CreateCharacterDocument,
      {
        input: input({
          name: 'river_rita',
          displayName: ' River Rita ',
          avatarUrl: 'https://cdn.example.com/rita.png',
          personalityConfig: { ...validPersonality, catchphrase: 'Ship it.' },
        }),
      },
      { as: admin },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createCharacter).toMatchObject({
      name: 'river_rita',
      displayName: 'River Rita',
      avatarUrl: 'https://cdn.example.com/rita.png',
      skillLevel: 'INTERMEDIATE',
      conversationStyle: 'ANALYTICAL',
      isActive: true,
      personalityConfig: { ...validPersonality, catchphrase: 'Ship it.' },
    });
    const found = await server.graphql(
      CharacterByIdDocument,
      { id: response.body.data!.createCharacter.id },
      { as: learner },
    );
    expect(found.body.data!.character!.name).toBe('river_rita');
  });

  // Each config below breaks character_personality_is_valid(); the API must refuse it first, naming the key.
  it.each<[string, unknown, Record<string, string>]>([
    [
      'not an object',
      ['systemPrompt'],
      { 'input.personalityConfig': 'must be an object with systemPrompt, temperature and tone' },
    ],
    ['a string', 'be nice', { 'input.personalityConfig': 'must be an object with systemPrompt, temperature and tone' }],
    [
      'no systemPrompt',
      { temperature: 1, tone: 'calm' },
      { 'input.personalityConfig.systemPrompt': 'systemPrompt must be a string' },
    ],
    ['a numeric tone', { ...validPersonality, tone: 3 }, { 'input.personalityConfig.tone': 'tone must be a string' }],
    [
      'a string temperature',
      { ...validPersonality, temperature: '0.5' },
      { 'input.personalityConfig.temperature': 'temperature must be a number' },
    ],
    [
      'a temperature above 2',
      { ...validPersonality, temperature: 2.01 },
      { 'input.personalityConfig.temperature': 'temperature must be between 0 and 2' },
    ],
    [
      'a negative temperature',
      { ...validPersonality, temperature: -0.1 },
      { 'input.personalityConfig.temperature': 'temperature must be between 0 and 2' },
    ],
  ])('refuses a personalityConfig with %s, writing nothing', async (_case, personalityConfig, fields) => {
    const before = await characterCount();
    const response = await server.graphql(
      CreateCharacterDocument,
      { input: input({ personalityConfig }) },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual(fields);
    expect(await characterCount()).toBe(before);
  });

  it('accepts the edges of the database rules (temperature 0 and 2)', async () => {
    for (const temperature of [0, 2]) {
      const response = await server.graphql(
        CreateCharacterDocument,
        { input: input({ personalityConfig: { ...validPersonality, temperature } }) },
        { as: admin },
      );
      expect(response.body.errors).toBeUndefined();
    }
  });

  it('validates the other fields per field', async () => {
    const response = await server.graphql(
      CreateCharacterDocument,
      {
        input: input({ name: 'Not A Handle', displayName: ' ', avatarUrl: 'javascript:alert(1)', specialization: '' }),
      },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({
      'input.name': 'may hold lowercase letters, digits and underscores only',
      'input.displayName': 'must not be empty',
      'input.avatarUrl': 'must be an http(s) URL',
      'input.specialization': 'must not be empty',
    });
  });

  it('is a CONFLICT on input.name for a taken name, without database details', async () => {
    await createCharacter(server.database.prisma, { name: 'taken_name' });
    const before = await characterCount();
    const response = await server.graphql(
      CreateCharacterDocument,
      { input: input({ name: 'taken_name' }) },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.body.errors![0]!.message).toBe('A character with this name already exists');
    expect(errorFields(response)).toEqual({ 'input.name': 'is already used by another character' });
    expect(JSON.stringify(response.body)).not.toMatch(/prisma|constraint|characters_name_key/i);
    expect(await characterCount()).toBe(before);
  });

  it('is for admins: learners get FORBIDDEN, anonymous visitors UNAUTHENTICATED', async () => {
    const before = await characterCount();
    expect(errorCodes(await server.graphql(CreateCharacterDocument, { input: input() }, { as: learner }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await server.graphql(CreateCharacterDocument, { input: input() }))).toEqual(['UNAUTHENTICATED']);
    expect(await characterCount()).toBe(before);
  });
});

describe('updateCharacter', () => {
  it('changes only the given fields and retires characters instead of deleting them', async () => {
    const character = await createCharacter(server.database.prisma, { description: 'Old', backstory: 'Long ago' });
    const id = globalId('Character', character.id);
    const response = await server.graphql(
      UpdateCharacterDocument,
      {
        id,
        input: { description: null, personalityConfig: { ...validPersonality, temperature: 1.5 }, isActive: false },
      },
      { as: admin },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.updateCharacter).toMatchObject({
      name: character.name,
      description: null,
      backstory: 'Long ago',
      isActive: false,
      personalityConfig: { ...validPersonality, temperature: 1.5 },
    });
    expect((await server.graphql(CharacterByIdDocument, { id }, { as: learner })).body.data!.character).toBeNull();
  });

  it('refuses an invalid personalityConfig and changes nothing', async () => {
    const character = await createCharacter(server.database.prisma, { displayName: 'Unchanged' });
    const response = await server.graphql(
      UpdateCharacterDocument,
      {
        id: globalId('Character', character.id),
        input: { displayName: 'Changed', personalityConfig: { ...validPersonality, systemPrompt: '  ' } },
      },
      { as: admin },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({
      'input.personalityConfig.systemPrompt': 'systemPrompt must be a non-empty string',
    });
    const stored = await server.database.prisma.character.findUniqueOrThrow({ where: { id: character.id } });
    expect(stored.displayName).toBe('Unchanged');
  });

  it('is NOT_FOUND for an unknown character and BAD_USER_INPUT for an id of another type', async () => {
    const missing = await server.graphql(
      UpdateCharacterDocument,
      { id: globalId('Character', 99_999), input: { displayName: 'Ghost' } },
      { as: admin },
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.body.errors![0]!.message).toBe('Character not found');

    const wrongType = await server.graphql(
      UpdateCharacterDocument,
      { id: globalId('Course', 1), input: { displayName: 'Ghost' } },
      { as: admin },
    );
    expect(errorCodes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(wrongType)).toEqual({ id: 'must be a Character id' });
  });

  it('is for admins: learners get FORBIDDEN, anonymous visitors UNAUTHENTICATED', async () => {
    const character = await createCharacter(server.database.prisma, { displayName: 'Guarded' });
    const variables = { id: globalId('Character', character.id), input: { displayName: 'Hacked' } };
    expect(errorCodes(await server.graphql(UpdateCharacterDocument, variables, { as: learner }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await server.graphql(UpdateCharacterDocument, variables))).toEqual(['UNAUTHENTICATED']);
    const stored = await server.database.prisma.character.findUniqueOrThrow({ where: { id: character.id } });
    expect(stored.displayName).toBe('Guarded');
  });
});
