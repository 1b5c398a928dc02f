import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { printSchemaSDL } from '../../src/graphql/print.js';
import { contractViolations } from '../helpers/contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The contract, and the additions an open issue asks for (they join the contract once it is done). */
const CONTRACT_FILES = ['api-contract.graphql', 'contract-additions.graphql'];
const vendored = (file: string) => readFileSync(path.join(root, 'tests/contract', file), 'utf8');

describe('the printed schema', () => {
  it('is committed as schema.graphql exactly as the builder prints it', () => {
    expect(readFileSync(path.join(root, 'schema.graphql'), 'utf8')).toBe(printSchemaSDL());
  });

  it('keeps every name and shape of the public contract and its additions', () => {
    expect(contractViolations(CONTRACT_FILES.map(vendored), schema)).toEqual([]);
  });

  for (const file of CONTRACT_FILES) {
    const shared = path.join(root, '../shared', file);
    // Skipped, not passed, without ../shared: a run that could not compare must not look like one that did.
    (existsSync(shared) ? it : it.skip)(`uses the same ${file} as ../shared when it is beside the repository`, () => {
      expect(readFileSync(shared, 'utf8')).toBe(vendored(file));
    });
  }
});

describe('contractViolations', () => {
  const contract = 'type Query { a: Int b(x: Int): String! } enum E { X Y } input I { f: Int }';

  it('accepts additions and non-null tightening of outputs', () => {
    const actual = buildSchema(
      'type Query { a: Int! b(x: Int, y: Int): String! c: Int } enum E { X Y Z } input I { f: Int g: Int }',
    );
    expect(contractViolations(contract, actual)).toEqual([]);
  });

  it('reports removals, re-typing and new required inputs', () => {
    const actual = buildSchema(
      'type Query { a: String b(x: Int!, z: Int!): String } enum E { X } input I { f: Int! g: Int! }',
    );
    expect(contractViolations(contract, actual).sort()).toEqual(
      [
        'I.f is Int!, contract says Int',
        'Query.a is String, contract says Int',
        'Query.b is String, contract says String!',
        'Query.b(x) is Int!, contract says Int',
        'missing enum value E.Y',
        'new required argument Query.b(z)',
        'new required input field I.g',
      ].sort(),
    );
  });

  it('reads a contract in several documents, the later ones extending the first', () => {
    const additions = 'extend type Query { d: D! } type D { e: Int }';
    const actual = buildSchema(
      'type Query { a: Int b(x: Int): String! d: D } type D { f: Int } enum E { X Y } input I { f: Int }',
    );
    expect(contractViolations([contract, additions], actual).sort()).toEqual(
      ['Query.d is D, contract says D!', 'missing field D.e'].sort(),
    );
  });
});
