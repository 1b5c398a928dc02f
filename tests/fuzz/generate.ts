import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Random operations over a GraphQLSchema for fuzzing: a root field of Query or Mutation with a random
 * selection below it (a few fields an object, inline fragments on interfaces, at most `depth` levels), every
 * argument passed as a variable whose value comes from a fast-check arbitrary for its input type: mostly
 * well-typed values near the edges (0, 100, 1440, empty and hostile strings, known and forged ids), now and
 * then a null or an ill-typed one, so that coercion, validation and the resolvers' own checks all get their
 * turn.
 */

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

interface ArgValue {
  arg: GraphQLArgument;
  /** undefined: the argument is left out. */
  value: unknown;
}

type Selection =
  | { kind: 'field'; name: string; args: ArgValue[]; children?: Selection[] }
  | { kind: 'fragment'; typeName: string; children: Selection[] };

export interface GeneratorOptions {
  /** Global ids of rows that exist, so that lookups find something now and then. */
  knownIds: string[];
  /** Levels of selection below the root field. */
  depth: number;
}

const hostileStrings = [
  '',
  ' ',
  '   padded   ',
  "'; DROP TABLE courses; --",
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '%_\\',
  'NUL\u0000byte',
  '\uD83C\uDCA1 A\u2660 K\u2665',
  '\uD800',
  'lone \uDC00 low',
  'pair cut \uD83C',
  'x'.repeat(600),
  'y'.repeat(20_001),
];

/**
 * Stands for a number JSON.stringify cannot write (it writes null for Infinity): serializeOperation writes
 * these as 1e309 and -1e309, which JSON.parse reads back as Infinity, as a hostile client would send them.
 */
export const HUGE = Number.POSITIVE_INFINITY;

/** JSON that breaks the input bounds: too deep, too long, numbers JavaScript cannot keep, ill-formed keys. */
function hostileJson(): fc.Arbitrary<unknown> {
  const nested = (depth: number, leaf: unknown) => {
    let value = leaf;
    for (let level = 0; level < depth; level += 1) value = level % 2 ? { deeper: value } : [value];
    return value;
  };
  return fc.constantFrom(
    nested(11, 1),
    nested(2000, 'bottom'),
    Array.from({ length: 201 }, (_, index) => index),
    { big: HUGE },
    { small: -HUGE },
    { unsafe: 2 ** 60 },
    { ['\uD800key']: 1 },
    { text: 'lone \uDFFF' },
    JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    { notes: 'z'.repeat(40_000) },
  );
}

/** Cursors the server never issued: garbage, other kinds, another connection's, numbers out of range. */
const cursorOf = (text: string) => Buffer.from(text).toString('base64');
const forgedCursors = [
  cursorOf('GPC:S:abc'),
  cursorOf('GPC:N:1e+21'),
  cursorOf('GPC:N:-1'),
  cursorOf('GPC:N:2147483648'),
  cursorOf('GPC:N:1.5'),
  cursorOf('GPC:I:99999999999999999999'),
  cursorOf('GPC:O:{"id":1}'),
  cursorOf('GPC:J:[1,"x"]'),
  cursorOf('GPC:J:[1,1]'),
  cursorOf('GPC:T:N:1,N:1'),
  cursorOf('GPC:Z:'),
  cursorOf('GPC:N:1'),
  'GPC:N:1',
  '\uD800',
];

function cursorArbitrary(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...forgedCursors) },
    { weight: 1, arbitrary: fc.string().map((text) => cursorOf(`GPC:${text}`)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
}

/** JSON.stringify, but HUGE is written as 1e309 (JSON.stringify would write null). */
export function serializeOperation(operation: GeneratedOperation): string {
  return JSON.stringify(operation, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) && !Number.isNaN(value)
      ? `__fuzz_${value > 0 ? '' : '-'}huge__`
      : value,
  )
    .replaceAll('"__fuzz_huge__"', '1e309')
    .replaceAll('"__fuzz_-huge__"', '-1e309');
}

function scalarArbitrary(name: string, options: GeneratorOptions): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return fc.oneof(
        fc.integer({ min: -2, max: 120 }),
        fc.constantFrom(0, 1, 20, 100, 101, 1440, 1441, 2_147_483_647, -2_147_483_648),
      );
    case 'Float':
      return fc.oneof(
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.constantFrom(0, 0.5, 99.999, 100, 100.01, -0.01, 1e308, -1.7976931348623157e308, 5e-324, 1e12, HUGE, -HUGE),
      );
    case 'Boolean':
      return fc.boolean();
    case 'ID':
      return fc.oneof(
        { weight: 3, arbitrary: options.knownIds.length ? fc.constantFrom(...options.knownIds) : fc.string() },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom('Course', 'User', 'Character', 'Assessment', 'Nope'),
              fc.integer({ min: -1, max: 5000 }),
            )
            .map(([type, id]) => Buffer.from(`${type}:${id}`).toString('base64')),
        },
      );
    case 'DateTime':
      return fc.oneof(
        fc
          .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        fc.string({ maxLength: 10 }),
      );
    case 'JSON':
      return fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: hostileJson() });
    default:
      return fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...hostileStrings));
  }
}

/** Values for an input type: well-typed mostly, sometimes null or of the wrong type. */
export function inputArbitrary(type: GraphQLInputType, options: GeneratorOptions, level = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    return fc.oneof({ weight: 30, arbitrary: inputArbitrary(type.ofType, options, level) }, fc.constant(null));
  }
  if (isListType(type)) {
    const item = inputArbitrary(type.ofType, options, level + 1);
    const lists = [{ weight: 10, arbitrary: fc.array(item, { maxLength: level ? 2 : 4 }) }];
    // Past every list bound (21 tags, 201 of anything, 1000), one short leaf value repeated: cheap to generate,
    // and the body stays below the 100 KB request limit so that the list itself is what gets refused.
    if (isLeafType(getNamedType(type.ofType))) {
      const short = item.map((value) => (typeof value === 'string' ? value.slice(0, 60) : value));
      lists.push({
        weight: 1,
        arbitrary: fc.tuple(short, fc.constantFrom(21, 201, 1000)).map(([value, n]) => Array<unknown>(n).fill(value)),
      });
    }
    return fc.oneof(...lists);
  }
  if (isEnumType(type)) {
    return fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) },
      fc.constant('NOT_A_VALUE'),
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const model = Object.fromEntries(
      fields.map((field) => [field.name, inputArbitrary(field.type, options, level + 1)]),
    );
    const requiredKeys = fields.filter((field) => isNonNullType(field.type)).map((field) => field.name);
    return fc.record(model, { requiredKeys });
  }
  return fc.oneof({ weight: 20, arbitrary: scalarArbitrary(type.name, options) }, fc.constantFrom(true, 'text', 7, []));
}

function argsArbitrary(field: GraphQLField<unknown, unknown>, options: GeneratorOptions): fc.Arbitrary<ArgValue[]> {
  return fc.tuple(
    ...field.args.map((arg) => {
      const value =
        arg.name === 'first' || arg.name === 'last'
          ? fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 5 }) }, fc.constantFrom(-1, 100, 101))
          : arg.name === 'after' || arg.name === 'before'
            ? cursorArbitrary()
            : inputArbitrary(arg.type, options);
      const maybe = isNonNullType(arg.type) ? value : fc.option(value, { nil: undefined, freq: 2 });
      return maybe.map((v): ArgValue => ({ arg, value: v }));
    }),
  );
}

function fieldArbitrary(
  schema: GraphQLSchema,
  field: GraphQLField<unknown, unknown>,
  depth: number,
  options: GeneratorOptions,
): fc.Arbitrary<Selection> {
  const named = getNamedType(field.type);
  const children: fc.Arbitrary<Selection[] | undefined> = isLeafType(named)
    ? fc.constant(undefined)
    : compositeArbitrary(schema, named as GraphQLCompositeType, depth - 1, options);
  return fc
    .tuple(argsArbitrary(field, options), children)
    .map(([args, selected]) => ({ kind: 'field', name: field.name, args, children: selected }));
}

function objectArbitrary(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  depth: number,
  options: GeneratorOptions,
): fc.Arbitrary<Selection[]> {
  const fields = Object.values(type.getFields()).filter((field) => depth > 0 || isLeafType(getNamedType(field.type)));
  return fc
    .subarray(fields, { minLength: 1, maxLength: Math.min(3, fields.length) })
    .chain((chosen) => fc.tuple(...chosen.map((field) => fieldArbitrary(schema, field, depth, options))));
}

function compositeArbitrary(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
  depth: number,
  options: GeneratorOptions,
): fc.Arbitrary<Selection[]> {
  if (isObjectType(type)) return objectArbitrary(schema, type, depth, options);
  const possible = isInterfaceType(type) || isUnionType(type) ? schema.getPossibleTypes(type) : [];
  return fc.constantFrom(...possible).chain((concrete) =>
    objectArbitrary(schema, concrete, depth, options).map((children): Selection[] => [
      { kind: 'field', name: '__typename', args: [] },
      { kind: 'fragment', typeName: concrete.name, children },
    ]),
  );
}

/** Prints the selection, turning every argument given into a variable of the argument's type. */
function print(selections: Selection[], variables: Map<string, { type: string; value: unknown }>): string {
  return selections
    .map((selection) => {
      if (selection.kind === 'fragment') {
        return `... on ${selection.typeName} { ${print(selection.children, variables)} }`;
      }
      const args = selection.args
        .filter(({ value }) => value !== undefined)
        .map(({ arg, value }) => {
          const name = `v${variables.size + 1}`;
          variables.set(name, { type: arg.type.toString(), value });
          return `${arg.name}: $${name}`;
        });
      const call = args.length ? `${selection.name}(${args.join(', ')})` : selection.name;
      return selection.children ? `${call} { ${print(selection.children, variables)} }` : call;
    })
    .join(' ');
}

/** An operation on one root field of Query or Mutation, with its variables. */
export function operationArbitrary(
  schema: GraphQLSchema,
  operation: 'query' | 'mutation',
  options: GeneratorOptions,
): fc.Arbitrary<GeneratedOperation> {
  const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const fields = Object.values(root.getFields());
  return fc
    .constantFrom(...fields)
    .chain((field) => fieldArbitrary(schema, field, options.depth, options))
    .map((selection) => {
      const variables = new Map<string, { type: string; value: unknown }>();
      const body = print([selection], variables);
      const definitions = [...variables].map(([name, { type }]) => `$${name}: ${type}`).join(', ');
      return {
        query: `${operation} Fuzz${definitions ? `(${definitions})` : ''} { ${body} }`,
        variables: Object.fromEntries([...variables].map(([name, { value }]) => [name, value])),
      };
    });
}
