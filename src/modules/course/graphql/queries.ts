import { builder } from '../../../graphql/builder.js';
import { cacheHints } from '../../../graphql/cache-control.js';
import { activeUnlessAdmin, isAdmin } from '../../../auth/access.js';
import { pageSizeOptions } from '../../../graphql/pagination.js';
import { parseGlobalId } from '../../../graphql/ids.js';
import { CourseFilterInput, CourseOrderInput, CourseRef } from './types.js';
import { countCourses, readCatalogPage, type CatalogColumn } from '../catalog.js';
import type { GraphQLResolveInfo } from 'graphql';
import { selectsBeneath } from '../../../graphql/selection.js';

/** The Course fields that read a course's prerequisite courses (through courseById). */
const readsPrerequisites = selectsBeneath(['prerequisites', 'isUnlocked']);

/** Whether a page's selection reads a CatalogColumn, by the column's name (its fields are the same for a name). */
const columnTests = new Map<string, ReturnType<typeof selectsBeneath>>();
function readsColumn(column: CatalogColumn, info: GraphQLResolveInfo): boolean {
  let test = columnTests.get(column.name);
  if (!test) {
    test = selectsBeneath(column.fields);
    columnTests.set(column.name, test);
  }
  return test(info);
}

builder.queryFields((t) => ({
  courses: t.prismaConnection(
    {
      type: CourseRef,
      cursor: 'id',
      ...pageSizeOptions,
      description: 'The catalog: active courses (admins may include inactive ones), filtered and ordered.',
      ...cacheHints.publicRead,
      args: {
        filter: t.arg({ type: CourseFilterInput }),
        orderBy: t.arg({ type: CourseOrderInput }),
      },
      totalCount: (_connection, args, context) => {
        return countCourses(context, args.filter, isAdmin(context.viewer));
      },
      resolve: (query, _parent, args, context, info) =>
        readCatalogPage(context, query, {
          filter: args.filter,
          order: args.orderBy,
          canSeeInactive: isAdmin(context.viewer),
          withPrerequisites: readsPrerequisites(info),
          columns: context.loaders.catalogColumns.filter((column) => readsColumn(column, info)),
        }),
    },
    { name: 'CourseConnection' },
    { name: 'CourseEdge' },
  ),
  course: t.prismaField({
    type: CourseRef,
    nullable: true,
    description: 'A course by id; null when it does not exist or is inactive (learners).',
    ...cacheHints.publicRead,
    args: { id: t.arg.id({ required: true, description: 'A Course id.' }) },
    resolve: (query, _parent, args, context) =>
      context.prisma.course.findFirst({
        ...query,
        where: { id: parseGlobalId(args.id, 'Course', 'id'), ...activeUnlessAdmin(context.viewer) },
      }),
  }),
}));
