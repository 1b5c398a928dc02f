import { getNamedType, isLeafType, isNonNullType, isObjectType } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { errorCodes, errorFields, startTestServer, type TestServer } from '../../helpers/server.js';
import { createAssessment, createCharacter, createCourse, createUser, globalId } from '../../helpers/factories.js';
import { sampleValue } from '../../helpers/samples.js';
import { schema } from '../../../src/graphql/schema.js';
import {
  AnonymousViewerWithProgressDocument,
  ChatSessionByIdDocument,
  CourseByIdDocument,
  EndChatSessionDocument,
  NodeByIdDocument,
  NodesByIdDocument,
  RenameChatSessionDocument,
  SendChatMessageDocument,
  StartChatSessionDocument,
  UpdateCourseDocument,
  UserNodeWithEmailDocument,
  ViewerDocument,
} from '../../generated/graphql.js';

const admin = { id: 1, role: 'admin' as const, email: 'admin@example.com', name: 'Ada Admin' };
const alice = { id: 2, email: 'alice@example.com', name: 'Alice' };
const bob = { id: 3, email: 'bob@example.com', name: 'Bob' };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // Provision every account from its token, as a real first request would.
  for (const user of [admin, alice, bob]) await server.graphql(ViewerDocument, {}, { as: user });
});

afterAll(async () => {
  await server?.close();
});

describe('users', () => {
  it('viewer is the signed-in user with their email, and null for anonymous visitors', async () => {
    const asAlice = await server.graphql(ViewerDocument, {}, { as: alice });
    expect(asAlice.body.data!.viewer).toEqual({
      id: globalId('User', alice.id),
      displayName: 'Alice',
      email: 'alice@example.com',
      role: 'LEARNER',
    });
    const anonymous = await server.graphql(ViewerDocument, {});
    expect(anonymous.body.errors).toBeUndefined();
    expect(anonymous.body.data!.viewer).toBeNull();
  });

  it('viewer with nested selections is null for anonymous visitors, not an error (found by fuzzing)', async () => {
    const anonymous = await server.graphql(AnonymousViewerWithProgressDocument, {});
    expect(anonymous.body.errors).toBeUndefined();
    expect(anonymous.body.data!.viewer).toBeNull();
  });

  it("hides another learner's account through node(), while users see their own and admins see anyone's", async () => {
    const bobId = globalId('User', bob.id);
    const asAlice = await server.graphql(UserNodeWithEmailDocument, { id: bobId }, { as: alice });
    expect(asAlice.body.errors).toBeUndefined();
    expect(asAlice.body.data!.node).toBeNull();
    expect((await server.graphql(UserNodeWithEmailDocument, { id: bobId })).body.data!.node).toBeNull();

    const asBob = await server.graphql(UserNodeWithEmailDocument, { id: bobId }, { as: bob });
    expect(asBob.body.data!.node).toMatchObject({ __typename: 'User', email: 'bob@example.com' });
    const asAdmin = await server.graphql(UserNodeWithEmailDocument, { id: bobId }, { as: admin });
    expect(asAdmin.body.data!.node).toEqual({
      __typename: 'User',
      id: bobId,
      displayName: 'Bob',
      email: 'bob@example.com',
      role: 'LEARNER',
    });
  });

  it('answers nodes() in the order asked, with null for every id the viewer may not see', async () => {
    const prisma = server.database.prisma;
    const [active, inactive, coach, retiredCoach] = await Promise.all([
      createCourse(prisma, { title: 'Visible course' }),
      createCourse(prisma, { title: 'Hidden course', isActive: false }),
      createCharacter(prisma, { name: 'visible_coach' }),
      createCharacter(prisma, { name: 'retired_coach', isActive: false }),
    ]);
    const stranger = await createUser(prisma, { email: 'stranger@example.com' });
    const ids = [
      globalId('User', bob.id),
      globalId('Course', active.id),
      globalId('User', alice.id),
      globalId('Course', inactive.id),
      globalId('Course', 99_999),
      globalId('Character', coach.id),
      globalId('Character', retiredCoach.id),
      globalId('User', stranger.id),
      encodeGlobalID('Course', 'not-a-number'),
    ];
    const asAlice = await server.graphql(NodesByIdDocument, { ids }, { as: alice });
    expect(asAlice.body.errors).toBeUndefined();
    expect(asAlice.body.data!.nodes.map((node) => node && { type: node.__typename, id: node.id })).toEqual([
      null,
      { type: 'Course', id: ids[1] },
      { type: 'User', id: ids[2] },
      null,
      null,
      { type: 'Character', id: ids[5] },
      null,
      null,
      null,
    ]);

    const asAdmin = await server.graphql(NodesByIdDocument, { ids }, { as: admin });
    expect(asAdmin.body.data!.nodes.map((node) => node?.id ?? null)).toEqual([
      ...ids.slice(0, 4),
      null,
      ...ids.slice(5, 8),
      null,
    ]);
    expect(asAdmin.body.data!.nodes[7]).toMatchObject({ email: 'stranger@example.com' });
  });
});

describe('nodes(ids:) of every node type', () => {
  /** Every type implementing Node: a new one fails this test until it has a visible and a hidden case below. */
  const nodeTypes = Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node'))
    .map((type) => type.name)
    .sort();

  it('answers null for the one id the viewer may not see and the others as asked, whichever type it is', async () => {
    const prisma = server.database.prisma;
    const course = await createCourse(prisma, { title: 'Every node: visible' });
    const hiddenCourse = await createCourse(prisma, { title: 'Every node: hidden', isActive: false });
    const character = await createCharacter(prisma);
    const hiddenCharacter = await createCharacter(prisma, { isActive: false });
    const assessment = await createAssessment(prisma, course.id);
    const hiddenAssessment = await createAssessment(prisma, course.id, { isActive: false });
    const attempt = (userId: number) =>
      prisma.assessmentAttempt.create({ data: { assessmentId: assessment.id, userId, attemptNumber: 1 } });
    const progress = (userId: number) => prisma.userProgress.create({ data: { userId, courseId: course.id } });
    const session = (userId: number) =>
      prisma.chatSession.create({ data: { userId, characterId: character.id, messageCount: 1 } });
    const message = (sessionId: number) =>
      prisma.chatMessage.create({ data: { sessionId, seq: 1, role: 'user', content: 'hello' } });
    const [aliceSession, bobSession] = [await session(alice.id), await session(bob.id)];
    const cases: Record<string, { visible: number | bigint; hidden: number | bigint }> = {
      Assessment: { visible: assessment.id, hidden: hiddenAssessment.id },
      AssessmentAttempt: { visible: (await attempt(alice.id)).id, hidden: (await attempt(bob.id)).id },
      Character: { visible: character.id, hidden: hiddenCharacter.id },
      ChatMessage: { visible: (await message(aliceSession.id)).id, hidden: (await message(bobSession.id)).id },
      ChatSession: { visible: aliceSession.id, hidden: bobSession.id },
      Course: { visible: course.id, hidden: hiddenCourse.id },
      User: { visible: alice.id, hidden: bob.id },
      UserProgress: { visible: (await progress(alice.id)).id, hidden: (await progress(bob.id)).id },
    };
    expect(Object.keys(cases).sort()).toEqual(nodeTypes);

    for (const [type, { visible, hidden }] of Object.entries(cases)) {
      const ids = [globalId(type, visible), globalId(type, hidden), globalId(type, 999_999)];
      const asAlice = await server.graphql(NodesByIdDocument, { ids }, { as: alice });
      expect({ type, errors: asAlice.body.errors }).toEqual({ type, errors: undefined });
      expect(asAlice.body.data!.nodes.map((node) => node?.id ?? null)).toEqual([ids[0], null, null]);
      const asAnonymous = await server.graphql(NodesByIdDocument, { ids });
      expect({ type, errors: asAnonymous.body.errors }).toEqual({ type, errors: undefined });
      const asAdmin = await server.graphql(NodesByIdDocument, { ids }, { as: admin });
      expect(asAdmin.body.data!.nodes.map((node) => node?.id ?? null)).toEqual([ids[0], ids[1], null]);
    }
  });
});

describe('malformed and mistyped ids', () => {
  const garbage = ['garbage', '', encodeGlobalID('Course', 'abc'), encodeGlobalID('Course', '0'), 'Q291cnNl'];

  it.each(garbage)('course(id: %j) is BAD_USER_INPUT on id, not a server error', async (id) => {
    const response = await server.graphql(CourseByIdDocument, { id });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({ id: 'must be a Course id' });
  });

  it('course(id:) with the id of another type is BAD_USER_INPUT', async () => {
    const response = await server.graphql(CourseByIdDocument, { id: globalId('User', alice.id) }, { as: alice });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({ id: 'must be a Course id' });
  });

  it('updateCourse(id:) with garbage or another type is BAD_USER_INPUT on id, and writes nothing', async () => {
    const course = await createCourse(server.database.prisma, { title: 'Not renamed' });
    for (const id of ['garbage', globalId('Character', course.id)]) {
      const response = await server.graphql(UpdateCourseDocument, { id, input: { title: 'Renamed' } }, { as: admin });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(errorFields(response)).toEqual({ id: 'must be a Course id' });
    }
    expect((await server.database.prisma.course.findUniqueOrThrow({ where: { id: course.id } })).title).toBe(
      'Not renamed',
    );
  });

  // The chat arguments decode through graphql/ids.ts like every other id argument: garbage and another type's id
  // are BAD_USER_INPUT naming the argument, before any statement runs.
  it.each([
    ['garbage', 'garbage'],
    ["another type's id", encodeGlobalID('Course', 1)],
  ])('the chat id arguments refuse %s with BAD_USER_INPUT naming the argument', async (_case, id) => {
    const calls = [
      [server.graphql(ChatSessionByIdDocument, { id }, { as: alice }), { id: 'must be a ChatSession id' }],
      [
        server.graphql(StartChatSessionDocument, { characterId: id }, { as: alice }),
        { characterId: 'must be a Character id' },
      ],
      [
        server.graphql(RenameChatSessionDocument, { sessionId: id, sessionName: 'x' }, { as: alice }),
        { sessionId: 'must be a ChatSession id' },
      ],
      [
        server.graphql(SendChatMessageDocument, { sessionId: id, content: 'hi' }, { as: alice }),
        { sessionId: 'must be a ChatSession id' },
      ],
      [
        server.graphql(EndChatSessionDocument, { sessionId: id }, { as: alice }),
        { sessionId: 'must be a ChatSession id' },
      ],
    ] as const;
    for (const [call, fields] of calls) {
      const response = await call;
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(errorFields(response)).toEqual(fields);
    }
  });

  it.each([
    ['garbage', 'garbage'],
    ['a type that does not exist', encodeGlobalID('Nope', 1)],
    ['a type that is not a node', encodeGlobalID('PageInfo', 1)],
  ])('node(id:) with %s is BAD_USER_INPUT on id', async (_case, id) => {
    const response = await server.graphql(NodeByIdDocument, { id });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(errorFields(response)).toEqual({ id: 'is not a valid id of the expected type' });
  });

  it('nodes(ids:) answers every id it can and null with BAD_USER_INPUT at the index of each one naming no node', async () => {
    const ids = [
      globalId('User', alice.id),
      '%%%',
      encodeGlobalID('Nope', 1),
      globalId('Course', 99_999),
      encodeGlobalID('PageInfo', 1),
    ];
    const response = await server.graphql(NodesByIdDocument, { ids }, { as: alice });
    expect(response.body.data!.nodes.map((node) => node?.id ?? null)).toEqual([ids[0], null, null, null, null]);
    expect(
      response.body.errors?.map(({ path, extensions }) => ({
        path,
        code: extensions?.code,
        fields: extensions?.fields,
      })),
    ).toEqual(
      [1, 2, 4].map((index) => ({
        path: ['nodes', index],
        code: 'BAD_USER_INPUT',
        fields: { [`ids.${index}`]: 'is not the id of any node' },
      })),
    );
  });
});

describe('anonymous visitors', () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());

  it.each(mutations.map((field) => [field.name, field] as const))(
    'may not call %s: UNAUTHENTICATED, with no data',
    async (name, field) => {
      const required = field.args.filter((arg) => isNonNullType(arg.type));
      const declarations = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
      const argumentList = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
      const selection = isLeafType(getNamedType(field.type)) ? '' : '{ __typename }';
      const document = `mutation${declarations ? `(${declarations})` : ''} { ${name}${
        argumentList ? `(${argumentList})` : ''
      } ${selection} }`;
      const returnType = getNamedType(field.type).name;
      const variables = Object.fromEntries(
        required.map((arg) => [arg.name, sampleValue(arg.type, arg.name, returnType)]),
      );
      const response = await server.graphql(document, variables);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data ?? null).toBeNull();
    },
  );
});
