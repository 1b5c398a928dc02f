import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

/** Output types may tighten a nullable type to non-null; everything else must be the same type. */
function outputTypeFits(contract: GraphQLType, actual: GraphQLType): boolean {
  if (isNonNullType(contract)) return isNonNullType(actual) && outputTypeFits(contract.ofType, actual.ofType);
  if (isNonNullType(actual)) return outputTypeFits(contract, actual.ofType);
  if ('ofType' in contract || 'ofType' in actual) {
    return (
      'ofType' in contract &&
      'ofType' in actual &&
      outputTypeFits(contract.ofType as GraphQLType, actual.ofType as GraphQLType)
    );
  }
  return contract.toString() === actual.toString();
}

/**
 * Lists every way the schema breaks the contract: a missing type, field, argument, enum value or input
 * field, a re-typed one, or a new required argument or input field that existing clients do not send. The
 * contract may come in several documents, the later ones extending the first (`extend type`).
 */
export function contractViolations(contractSdl: string | string[], schema: GraphQLSchema): string[] {
  const contract = buildSchema([contractSdl].flat().join('\n'));
  const problems: string[] = [];
  for (const contractType of Object.values(contract.getTypeMap())) {
    if (contractType.name.startsWith('__')) continue;
    const actual = schema.getType(contractType.name);
    if (!actual) {
      problems.push(`missing type ${contractType.name}`);
      continue;
    }
    if (actual.constructor !== contractType.constructor) {
      problems.push(`${contractType.name} is a different kind of type`);
      continue;
    }
    if (isEnumType(contractType) && isEnumType(actual)) {
      for (const value of contractType.getValues()) {
        if (!actual.getValue(value.name)) problems.push(`missing enum value ${contractType.name}.${value.name}`);
      }
    }
    if (
      (isObjectType(contractType) || isInterfaceType(contractType)) &&
      (isObjectType(actual) || isInterfaceType(actual))
    ) {
      for (const iface of contractType.getInterfaces()) {
        if (!actual.getInterfaces().some((candidate) => candidate.name === iface.name)) {
          problems.push(`${contractType.name} does not implement ${iface.name}`);
        }
      }
      const actualFields = actual.getFields();
      for (const field of Object.values(contractType.getFields())) {
        const actualField = actualFields[field.name];
        const where = `${contractType.name}.${field.name}`;
        if (!actualField) {
          problems.push(`missing field ${where}`);
          continue;
        }
        if (!outputTypeFits(field.type, actualField.type)) {
          problems.push(`${where} is ${actualField.type.toString()}, contract says ${field.type.toString()}`);
        }
        for (const arg of field.args) {
          const actualArg = actualField.args.find((candidate) => candidate.name === arg.name);
          if (!actualArg) problems.push(`missing argument ${where}(${arg.name})`);
          else if (actualArg.type.toString() !== arg.type.toString()) {
            problems.push(
              `${where}(${arg.name}) is ${actualArg.type.toString()}, contract says ${arg.type.toString()}`,
            );
          }
        }
        for (const arg of actualField.args) {
          if (
            isNonNullType(arg.type) &&
            arg.defaultValue === undefined &&
            !field.args.some((a) => a.name === arg.name)
          ) {
            problems.push(`new required argument ${where}(${arg.name})`);
          }
        }
      }
    }
    if (isInputObjectType(contractType) && isInputObjectType(actual)) {
      const actualFields = actual.getFields();
      for (const field of Object.values(contractType.getFields())) {
        const actualField = actualFields[field.name];
        if (!actualField) problems.push(`missing input field ${contractType.name}.${field.name}`);
        else if (actualField.type.toString() !== field.type.toString()) {
          problems.push(
            `${contractType.name}.${field.name} is ${actualField.type.toString()}, contract says ${field.type.toString()}`,
          );
        }
      }
      for (const field of Object.values(actualFields)) {
        if (isNonNullType(field.type) && field.defaultValue === undefined && !contractType.getFields()[field.name]) {
          problems.push(`new required input field ${contractType.name}.${field.name}`);
        }
      }
    }
    if (isUnionType(contractType) && isUnionType(actual)) {
      for (const member of contractType.getTypes()) {
        if (!actual.getTypes().some((candidate) => candidate.name === member.name)) {
          problems.push(`${contractType.name} lacks member ${member.name}`);
        }
      }
    }
  }
  return problems;
}
