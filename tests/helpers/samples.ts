import { isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputType } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';

/**
 * Sample arguments and variables for operations built or read by a test: values that pass GraphQL's coercion
 * and Pothos's id decoding, so that what the test looks at (authorisation, cost) decides the outcome.
 */

/** The node type an id argument names, by the contract's naming (courseId -> Course, sessionId -> ChatSession). */
export function idType(name: string, returnType: string): string {
  if (name === 'id') return returnType;
  if (name === 'sessionId') return 'ChatSession';
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/Id$/, '');
}

/**
 * A value of the given input type that passes GraphQL's coercion and Pothos's id decoding (ids of the right
 * type, `returnType` being the type of the field the argument belongs to), so that only authorisation can
 * refuse it. Input objects get their required fields only.
 */
export function sampleValue(type: GraphQLInputType, name: string, returnType: string): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType, name, returnType);
  if (isListType(type)) return [sampleValue(type.ofType, name, returnType)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, sampleValue(field.type, field.name, returnType)]),
    );
  }
  const samples: Record<string, unknown> = {
    ID: encodeGlobalID(idType(name, returnType), 1),
    String: 'x',
    Int: 1,
    Float: 1,
    Boolean: true,
    JSON: {},
    DateTime: '2026-01-01T00:00:00Z',
  };
  if (isScalarType(type) && type.name in samples) return samples[type.name];
  throw new Error(`no sample for input type ${String(type)}`);
}
