import { builder } from '../../../graphql/builder.js';
import { invalidatesPublicReads } from '../../../graphql/cache-control.js';
import { CourseLevelEnum } from '../../../graphql/enums.js';
import { rowIdIn, withRowIds } from '../../../graphql/ids.js';
import { CourseRef } from './types.js';
import { createCourse, updateCourse } from '../service.js';

const contentPathDescription =
  'Markdown file relative to the content root, e.g. "beginner/pot-odds.md": normalized, inside the root, ending in .md.';
const tagsDescription = 'At most 20; stored trimmed and lowercase, without repeats; at most 100 characters each.';
const prerequisiteIdsDescription =
  'At most 20 course ids to complete first, in teaching order. Each must exist; a course cannot (directly or through ' +
  'other courses) require itself. Repeats are dropped.';

const CourseInput = builder.inputType('CourseInput', {
  description: 'A new course.',
  fields: (t) => ({
    title: t.string({ required: true, description: '1-255 characters, unique within its level (ignoring case).' }),
    description: t.string(),
    level: t.field({ type: CourseLevelEnum, required: true }),
    contentPath: t.string({ description: contentPathDescription }),
    videoUrl: t.string({ description: 'http(s) URL, at most 500 characters.' }),
    thumbnailUrl: t.string({ description: 'http(s) URL, at most 500 characters.' }),
    durationMinutes: t.int({ description: 'Expected study time, 0-10080 minutes.' }),
    tags: t.stringList({ description: tagsDescription }),
    prerequisiteIds: t.idList({ description: prerequisiteIdsDescription }),
    isActive: t.boolean({ description: 'Defaults to true; inactive courses are hidden from learners.' }),
  }),
});

const CourseUpdateInput = builder.inputType('CourseUpdateInput', {
  description:
    'Only the fields given change (prerequisiteIds replaces the whole list); set isActive to false to retire a ' +
    'course (courses are never deleted).',
  fields: (t) => ({
    title: t.string(),
    description: t.string(),
    level: t.field({ type: CourseLevelEnum }),
    contentPath: t.string({ description: contentPathDescription }),
    videoUrl: t.string(),
    thumbnailUrl: t.string(),
    durationMinutes: t.int(),
    tags: t.stringList({ description: tagsDescription }),
    prerequisiteIds: t.idList({ description: prerequisiteIdsDescription }),
    isActive: t.boolean(),
  }),
});

builder.mutationFields((t) => ({
  createCourse: t.prismaField({
    type: CourseRef,
    description: 'Admins: adds a course. CONFLICT when its level already has a course of that title.',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: { input: t.arg({ type: CourseInput, required: true }) },
    resolve: (query, _parent, args, context) =>
      createCourse(
        context.prisma,
        context.config.CONTENT_ROOT,
        withRowIds(args.input, { prerequisiteIds: 'Course' }),
        query,
      ),
  }),
  updateCourse: t.prismaField({
    type: CourseRef,
    description: 'Admins: changes a course. NOT_FOUND for an unknown id; CONFLICT for a title taken in its level.',
    authScopes: { admin: true },
    ...invalidatesPublicReads,
    args: {
      id: t.arg.id({ required: true, description: 'A Course id.' }),
      input: t.arg({ type: CourseUpdateInput, required: true }),
    },
    resolve: (query, _parent, args, context) =>
      updateCourse(
        context.prisma,
        context.config.CONTENT_ROOT,
        rowIdIn(args.id, 'Course'),
        withRowIds(args.input, { prerequisiteIds: 'Course' }),
        query,
      ),
  }),
}));
