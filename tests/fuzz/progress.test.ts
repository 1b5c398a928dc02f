import fc from 'fast-check';
import { errorCodes, startTestServer, type TestServer } from '../helpers/server.js';
import { createCourse, globalId } from '../helpers/factories.js';

/**
 * A property test on the inputs of a mutation: random sequences of recordProgress inputs, in range and out of
 * it, against a model of the rules. Valid input moves the row as the model says (completion never backwards
 * unless reset, minutes add up, completedAt at 100); invalid input is BAD_USER_INPUT naming exactly the
 * offending fields, and writes nothing (the next valid step shows the row as the model kept it).
 */

const SEQUENCES = Math.max(10, Math.round(Number(process.env.FUZZ_RUNS ?? 300) / 10));
const RECORD = `mutation Record($courseId: ID!, $input: ProgressInput!) {
  recordProgress(courseId: $courseId, input: $input) { completionRate currentSection studyTimeMinutes completedAt }
}`;

interface ProgressInput {
  currentSection?: number;
  completionRate?: number;
  studyMinutes?: number;
  reset?: boolean;
}

const inputArbitrary: fc.Arbitrary<ProgressInput> = fc.record(
  {
    currentSection: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, -1)),
    completionRate: fc.oneof(
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.constantFrom(0, 99.999, 100, 100.01, -0.5),
    ),
    studyMinutes: fc.oneof(fc.integer({ min: 0, max: 1440 }), fc.constantFrom(-1, 1441)),
    reset: fc.boolean(),
  },
  { requiredKeys: [] },
);

function offendingFields(input: ProgressInput): string[] {
  const fields: string[] = [];
  if (input.currentSection !== undefined && input.currentSection < 1) fields.push('input.currentSection');
  if (input.completionRate !== undefined && (input.completionRate < 0 || input.completionRate > 100)) {
    fields.push('input.completionRate');
  }
  if (input.studyMinutes !== undefined && (input.studyMinutes < 0 || input.studyMinutes > 1440)) {
    fields.push('input.studyMinutes');
  }
  return fields;
}

let server: TestServer;
let courseId: string;
let nextUser = 700_000;

beforeAll(async () => {
  server = await startTestServer();
  courseId = globalId('Course', (await createCourse(server.database.prisma)).id);
});

afterAll(async () => {
  await server?.close();
});

it(`keeps the progress rules over ${SEQUENCES} random sequences of inputs`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(inputArbitrary, { minLength: 1, maxLength: 6 }), async (inputs) => {
      const as = { id: (nextUser += 1) };
      const model = { completion: 0, section: 1, minutes: 0, completed: false };
      for (const input of inputs) {
        const response = await server.graphql(RECORD, { courseId, input }, { as });
        const offending = offendingFields(input);
        if (offending.length > 0) {
          expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
          expect(Object.keys(response.body.errors![0]!.extensions!.fields as object).sort()).toEqual(offending.sort());
          continue;
        }
        const rate = input.completionRate === undefined ? 0 : Math.round(input.completionRate * 100) / 100;
        model.completion = input.reset ? rate : Math.max(model.completion, rate);
        model.section = input.currentSection ?? (input.reset ? 1 : model.section);
        model.minutes += input.studyMinutes ?? 0;
        model.completed = model.completion >= 100;
        expect(response.body.errors).toBeUndefined();
        const row = (response.body.data as { recordProgress: Record<string, unknown> }).recordProgress;
        expect(row.completionRate).toBeCloseTo(model.completion, 2);
        expect(row.currentSection).toBe(model.section);
        expect(row.studyTimeMinutes).toBe(model.minutes);
        expect(row.completedAt !== null).toBe(model.completed);
      }
    }),
    { numRuns: SEQUENCES, seed: process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED) },
  );
}, 300_000);
