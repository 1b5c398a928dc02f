import { builder } from '../../builder.js';

/** GraphQL enums whose values are stored lowercase in the database (`BEGINNER` <-> 'beginner'). */
function storedEnum<const Names extends readonly string[]>(name: string, names: Names, description: string) {
  const values = Object.fromEntries(names.map((value) => [value, { value: value.toLowerCase() }])) as {
    [K in Names[number]]: { value: string };
  };
  return builder.enumType(name, { description, values });
}

export const CourseLevelEnum = storedEnum(
  'CourseLevel',
  ['BEGINNER', 'INTERMEDIATE', 'ADVANCED'],
  'How much a course expects a learner to know.',
);
export const DifficultyEnum = storedEnum(
  'Difficulty',
  ['BEGINNER', 'INTERMEDIATE', 'ADVANCED'],
  'How hard an assessment is.',
);
export const SkillLevelEnum = storedEnum(
  'SkillLevel',
  ['BEGINNER', 'INTERMEDIATE', 'EXPERT'],
  'The playing strength a coach teaches at.',
);
export const ConversationStyleEnum = storedEnum(
  'ConversationStyle',
  ['FRIENDLY', 'ANALYTICAL', 'COMPETITIVE'],
  'How a coach talks.',
);
export const RoleEnum = storedEnum(
  'Role',
  ['LEARNER', 'ADMIN'],
  'What a user may do: learners learn, admins also manage content.',
);

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});
