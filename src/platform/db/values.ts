/**
 * The values the database's CHECK constraints allow in its text columns (see the migrations): the API's
 * enums, its input validation and the seed all take them from here.
 */
export const COURSE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;
export const SKILL_LEVELS = ['beginner', 'intermediate', 'expert'] as const;
export const CONVERSATION_STYLES = ['friendly', 'analytical', 'competitive'] as const;
export const ROLES = ['learner', 'admin'] as const;
