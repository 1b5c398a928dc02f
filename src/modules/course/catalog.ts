import { z } from 'zod';
import { Prisma, type Course, type PrismaClient } from '../../generated/prisma/client.js';
import { COURSE_LEVELS } from '../../platform/db/values.js';
import { escapeLike, MAX_PAGE_SIZE, parseInput } from '../../platform/input.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';
import { selectsOnlyColumns } from '../../platform/db/selection.js';
import {
  CATALOG_COUNT,
  COURSE_COLUMNS,
  courseJson,
  courseOfJson,
  type CourseJson,
  type CourseLoaders,
} from './loaders.js';
import { MAX_SEARCH_LENGTH, tagList, type CourseQuery } from './service.js';
import { courseOrderBy, type CourseOrder } from './order.js';

/** The catalog's reads: its filters, its count and its pages. */

/** CourseFilter, validated: the same tag rules as writes, so a filter costs no more than a course can carry. */
const courseFilterSchema = z
  .object({
    level: z.enum(COURSE_LEVELS).nullish(),
    tags: tagList.nullish(),
    anyTags: tagList.nullish(),
    search: z.string().max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`).nullish(),
    isActive: z.boolean().nullish(),
  })
  .nullish();

type CourseFilter = z.infer<typeof courseFilterSchema>;

/**
 * Builds the catalog's where clause from a validated filter. Learners are held to active courses whatever they
 * ask for (asking for inactive ones finds nothing); admins see both unless they filter on isActive.
 */
export function courseWhere(filter: CourseFilter, canSeeInactive: boolean): Prisma.CourseWhereInput {
  const search = filter?.search?.trim();
  const conditions: Prisma.CourseWhereInput[] = [];
  if (!canSeeInactive) conditions.push({ isActive: true });
  if (typeof filter?.isActive === 'boolean') conditions.push({ isActive: filter.isActive });
  if (filter?.level) conditions.push({ level: filter.level });
  // One condition each: Prisma takes a single operator per list filter.
  if (filter?.tags?.length) conditions.push({ tags: { hasEvery: filter.tags } });
  if (filter?.anyTags?.length) conditions.push({ tags: { hasSome: filter.anyTags } });
  if (search) {
    const contains = escapeLike(search);
    conditions.push({
      OR: [{ title: { contains, mode: 'insensitive' } }, { description: { contains, mode: 'insensitive' } }],
    });
  }
  return { AND: conditions };
}

/** A filter the catalog's named statements answer: a level (null: all) and active or inactive courses (null: both). */
interface PlainFilter {
  level: string | null;
  isActive: boolean | null;
}

/**
 * What a filter asks as a PlainFilter, 'nothing' when it finds no course (learners see active courses only:
 * asking for inactive ones finds none), or undefined when its tags or search need Prisma's where clause.
 */
function plainFilter(filter: CourseFilter, canSeeInactive: boolean): PlainFilter | 'nothing' | undefined {
  if (filter?.tags?.length || filter?.anyTags?.length || filter?.search?.trim()) return undefined;
  if (!canSeeInactive && filter?.isActive === false) return 'nothing';
  return { level: filter?.level ?? null, isActive: canSeeInactive ? (filter?.isActive ?? null) : true };
}

/**
 * How many courses the catalog finds for this filter. For a PlainFilter the answer is the catalogCount loader's
 * (course_counts, which the page's own statement has usually brought already); tags and search are counted on
 * the courses they match.
 */
export async function countCourses(
  { prisma, loaders }: { prisma: PrismaClient; loaders: CourseLoaders },
  rawFilter: unknown,
  canSeeInactive: boolean,
): Promise<number> {
  const filter = parseInput(courseFilterSchema, rawFilter, 'filter');
  const plain = plainFilter(filter, canSeeInactive);
  if (plain === undefined) return prisma.course.count({ where: courseWhere(filter, canSeeInactive) });
  if (plain === 'nothing') return 0;
  return loaders.catalogCount.load(plain);
}

/** plugin-prisma's page of a connection: what to read of each row, and where and how long the page is. */
export type CoursePageQuery = CourseQuery & Pick<Prisma.CourseFindManyArgs, 'cursor'> & { skip: number; take: number };

/** The id a forward page starts after (0: the first page; plugin-prisma skips the cursor's row), if it is one. */
function forwardPageStart({ cursor, skip, take }: CoursePageQuery): number | undefined {
  if (take < 0) return undefined;
  if (!cursor) return skip === 0 ? 0 : undefined;
  return skip === 1 ? cursor.id : undefined;
}

/** The most rows a page's statement reads: a full page and the row plugin-prisma reads to tell hasNextPage. */
const MAX_PAGE_ROWS = MAX_PAGE_SIZE + 1;

/**
 * $1, $2: a PlainFilter, $3: the id the page starts after (0: from the first course), $4: rows to read (at most
 * MAX_PAGE_ROWS). In id order. Every column, named and typed as Prisma's Course (COURSE_COLUMNS), and the
 * filter's count (CATALOG_COUNT, run once per statement) as catalogCount. The literal LIMIT is the planner's:
 * its generic plan takes `LIMIT $4` for a tenth of the courses, which at 10,000 courses priced it above a custom
 * plan, so every execution was planned anew (0.5 ms); bounded by it, the estimate stays flat in catalog size.
 */
const PAGE_ROWS = `SELECT * FROM (SELECT ${COURSE_COLUMNS}, (${CATALOG_COUNT}) AS "catalogCount" FROM courses
    WHERE ($1::text IS NULL OR level = $1) AND ($2::boolean IS NULL OR is_active = $2) AND id > $3
    ORDER BY id LIMIT ${MAX_PAGE_ROWS}) capped ORDER BY id LIMIT $4`;

/**
 * The visible prerequisite courses of the page's courses that are not on it ($5: inactive ones too), after the
 * page's rows: `onPage` tells them apart. Their ids as one array, probed in the primary key: as `id IN (SELECT
 * unnest(...))` the generic plan hashed them against a scan of every course, once any was off the page.
 */
const WITH_PREREQUISITES = `WITH page AS (${PAGE_ROWS})
    SELECT *, true AS "onPage" FROM page
    UNION ALL
    SELECT ${COURSE_COLUMNS}, NULL, false FROM courses
    WHERE id = ANY (ARRAY(SELECT unnest(prerequisites) FROM page EXCEPT SELECT id FROM page))
      AND ($5::boolean OR is_active)`;

/**
 * A value another module reads for each course of a plain catalog page, brought by the page's own statement as
 * a column: the page's fields then answer from what the page brought, with no statement after it, and without
 * waiting. Created per request, since what it takes is the request's.
 */
export interface CatalogColumn {
  /** Part of the statement's name, which must belong to one text. */
  readonly name: string;
  /** The Course fields that read it, at any depth beneath the page: the page brings it when one is selected. */
  readonly fields: readonly string[];
  /** An SQL expression, a value of JSON, over the row's course, `listed`, and the viewer's id, `$viewer`. */
  readonly sql: string;
  /** Takes each course's value, as JSON.parse reads the expression's. */
  take(courseId: number, value: unknown): void;
}

/** The page statements, by name: as many as there are combinations of prerequisites and the modules' columns. */
const pageStatements = new Map<string, NamedStatement>();

/**
 * The statement of a plain page with the prerequisite courses its fields read and the columns they read. It
 * answers one row: the filter's count (null when the page is empty) and the page's courses, then the
 * prerequisite courses, as one JSON value of [course, onPage, columnValues] triples, which pg parses with one
 * JSON.parse where rows of columns cost it a parser per value (two arrays and two timestamps per course).
 */
function pageStatement(withPrerequisites: boolean, columns: readonly CatalogColumn[]): NamedStatement {
  const name = [withPrerequisites ? 'catalog-page-with-prerequisites' : 'catalog-page']
    .concat(columns.map((column) => column.name))
    .join('+');
  let statement = pageStatements.get(name);
  if (!statement) {
    // PostgreSQL cuts names at 63 bytes, and two names cut alike would share one text.
    if (name.length > 63) throw new Error(`catalog statement name too long: ${name}`);
    const viewer = withPrerequisites ? '$6' : '$5';
    const values = columns.map((column) => column.sql.replaceAll('$viewer', viewer));
    statement = {
      name,
      text: `SELECT max("catalogCount") AS "catalogCount", coalesce(json_agg(json_build_array(${courseJson('listed')},
      "onPage", json_build_array(${values.join(', ')})) ORDER BY "onPage" DESC, id), '[]') AS listed
    FROM (${withPrerequisites ? WITH_PREREQUISITES : `SELECT *, true AS "onPage" FROM (${PAGE_ROWS}) page`}) listed`,
    };
    pageStatements.set(name, statement);
  }
  return statement;
}

interface PageStatementRow {
  catalogCount: number | null;
  listed: [course: CourseJson, onPage: boolean, columnValues: unknown[]][];
}

interface CatalogReaders {
  prisma: PrismaClient;
  /** Whose `$viewer` the columns read (0: anonymous, no user's id). */
  viewer: { id: number } | null;
  readRows: RowReader;
  loaders: CourseLoaders;
}

/**
 * A page of the catalog. The plain page every client starts with (no tags, search or orderBy, paging forwards,
 * no relation selected) is one named statement: through Prisma's findMany it cost the page's CPU time for
 * query compilation, result mapping and client promises. It brings the filter's count too, which it leaves in
 * catalogCount for totalCount; when the page's fields read its courses' prerequisites (`withPrerequisites`),
 * it brings those courses and leaves them in courseById, hidden and missing ones as null: no lookup follows;
 * `columns` are the other modules' values its fields read, which it hands to them (see CatalogColumn). Any
 * other page goes through Prisma's where clause. A cursor's page starts after the cursor's id even when
 * that course is gone or hidden, where Prisma's cursor would find nothing.
 */
export async function readCatalogPage(
  { prisma, viewer, readRows, loaders }: CatalogReaders,
  query: CoursePageQuery,
  {
    filter: rawFilter,
    order,
    canSeeInactive,
    withPrerequisites,
    columns = [],
  }: {
    filter: unknown;
    order: CourseOrder | null | undefined;
    canSeeInactive: boolean;
    withPrerequisites: boolean;
    columns?: readonly CatalogColumn[];
  },
): Promise<Course[]> {
  const filter = parseInput(courseFilterSchema, rawFilter, 'filter');
  const plain = order ? undefined : plainFilter(filter, canSeeInactive);
  const startsAfter = forwardPageStart(query);
  const plainPage = startsAfter !== undefined && query.take <= MAX_PAGE_ROWS;
  if (plain === undefined || !plainPage || !selectsOnlyColumns(query, Prisma.CourseScalarFieldEnum)) {
    return prisma.course.findMany({
      ...query,
      where: courseWhere(filter, canSeeInactive),
      orderBy: courseOrderBy(order),
    });
  }
  if (plain === 'nothing') return [];
  const values: unknown[] = [plain.level, plain.isActive, startsAfter, query.take];
  if (withPrerequisites) values.push(canSeeInactive);
  if (columns.length > 0) values.push(viewer?.id ?? 0);
  const [{ catalogCount, listed }] = (await readRows<PageStatementRow>(
    pageStatement(withPrerequisites, columns),
    values,
  )) as [PageStatementRow];
  const page: Course[] = [];
  for (const [json, onPage, columnValues] of listed) {
    const course = courseOfJson(json);
    columns.forEach((column, index) => column.take(course.id, columnValues[index]));
    if (onPage) page.push(course);
    if (withPrerequisites) loaders.primeCourse(course.id, course);
  }
  if (catalogCount !== null) loaders.catalogCount.prime(plain, catalogCount);
  // What the statement did not bring, the viewer may not see (or it is gone): courseById's answer for it.
  if (withPrerequisites) for (const id of page.flatMap((course) => course.prerequisites)) loaders.primeCourse(id, null);
  return page;
}
