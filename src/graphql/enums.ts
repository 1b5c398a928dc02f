import { builder } from './builder.js';
import { CONVERSATION_STYLES, COURSE_LEVELS, DIFFICULTIES, ROLES, SKILL_LEVELS } from '../platform/db/values.js';

/** GraphQL enums over the values stored lowercase in the database (`BEGINNER` <-> 'beginner'). */
function storedEnum<const Values extends readonly string[]>(name: string, values: Values, description: string) {
  const entries = Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as {
    [K in Values[number] as Uppercase<K>]: { value: string };
  };
  return builder.enumType(name, { description, values: entries });
}

export const CourseLevelEnum = storedEnum('CourseLevel', COURSE_LEVELS, 'How much a course expects a learner to know.');
export const DifficultyEnum = storedEnum('Difficulty', DIFFICULTIES, 'How hard an assessment is.');
export const SkillLevelEnum = storedEnum('SkillLevel', SKILL_LEVELS, 'The playing strength a coach teaches at.');
export const ConversationStyleEnum = storedEnum('ConversationStyle', CONVERSATION_STYLES, 'How a coach talks.');
export const RoleEnum = storedEnum('Role', ROLES, 'What a user may do: learners learn, admins also manage content.');

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});
