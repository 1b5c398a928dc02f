import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { CourseLevelEnum, OrderDirectionEnum } from '../../../graphql/enums.js';
import { activeUnlessAdmin } from '../../../auth/access.js';
import { rowId } from '../../../graphql/ids.js';
import { readCourseContent } from '../../../platform/content.js';
import { present } from '../../../platform/db/keyed-rows.js';
import { knownCoursesOf } from '../loaders.js';

// No type-level select: every Course row carries every column (plugin-prisma's include mode, and the course
// module's own statements), so its fields read columns without a field-level select, which would wrap each
// resolver in plugin-prisma's per-row mapping lookup. A type-level select would make those reads type errors.
export const CourseRef = builder.prismaNode('Course', {
  description: 'A lesson of the curriculum, with its Markdown content and its assessments.',
  ...cacheHints.publicRead,
  id: { field: 'id' },
  // node()/nodes() answer null, not an error, for ids that do not exist or are not visible.
  nullable: true,
  findUnique: (id, context) => ({ id: rowId(id), ...activeUnlessAdmin(context.viewer) }),
  fields: (t) => ({
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    level: t.expose('level', { type: CourseLevelEnum }),
    contentPath: t.exposeString('contentPath', {
      nullable: true,
      description: 'Where the Markdown lives, relative to the content root.',
    }),
    content: t.string({
      nullable: true,
      description: "The course's Markdown lesson text, read from contentPath.",
      resolve: (course, _args, context) => readCourseContent(context.config.CONTENT_ROOT, course.contentPath),
    }),
    videoUrl: t.exposeString('videoUrl', { nullable: true }),
    thumbnailUrl: t.exposeString('thumbnailUrl', { nullable: true }),
    durationMinutes: t.exposeInt('durationMinutes', { nullable: true }),
    tags: t.exposeStringList('tags'),
    isActive: t.exposeBoolean('isActive'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField(CourseRef, 'prerequisites', (t) =>
  t.field({
    type: [CourseRef],
    description:
      'Courses to complete first, in the order the course lists them (inactive ones are hidden from learners).',
    resolve: (course, _args, context) =>
      knownCoursesOf(context.loaders, course.prerequisites) ??
      context.loaders.courseById.loadMany(course.prerequisites).then(present),
  }),
);

const CourseOrderFieldEnum = builder.enumType('CourseOrderField', {
  values: {
    TITLE: { value: 'title' },
    CREATED_AT: { value: 'created_at' },
    DURATION: { value: 'duration' },
    LEVEL: { value: 'level', description: 'Beginner first (ascending).' },
  } as const,
});

export const CourseOrderInput = builder.inputType('CourseOrder', {
  fields: (t) => ({
    field: t.field({ type: CourseOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: true }),
  }),
});

export const CourseFilterInput = builder.inputType('CourseFilter', {
  fields: (t) => ({
    level: t.field({ type: CourseLevelEnum }),
    tags: t.stringList({ description: 'Courses carrying every one of these tags (at most 20).' }),
    anyTags: t.stringList({ description: 'Courses carrying at least one of these tags (at most 20).' }),
    search: t.string({ description: 'Case-insensitive match on title and description (at most 200 characters).' }),
    isActive: t.boolean({ description: 'Defaults to true for learners; admins may ask for inactive courses.' }),
  }),
});
