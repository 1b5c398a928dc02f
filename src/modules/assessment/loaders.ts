import DataLoader from 'dataloader';
import type { Assessment, AssessmentAttempt, PrismaClient } from '../../generated/prisma/client.js';
import type { Viewer } from '../../auth/token.js';
import { isAdmin } from '../../auth/access.js';
import { groupedByKey } from '../../platform/db/keyed-rows.js';
import type { NamedStatement, RowReader } from '../../platform/db/statements.js';
import type { CatalogColumn } from '../course/catalog.js';

/**
 * The columns of an assessment that a course's list of them reads, by Prisma field: what a catalog page shows
 * (and viewerAttemptsRemaining reads). The questions and scoring rules, most of the row's bytes, and the
 * descriptive columns stay out: building them as JSON for every assessment of a page was a third of
 * PostgreSQL's time on the page, for fields a page seldom shows. The fields that show them select those
 * columns, and plugin-prisma loads them (one batched statement) for rows read here.
 */
const LISTING_FIELDS = {
  id: 'id',
  courseId: 'course_id',
  title: 'title',
  maxAttempts: 'max_attempts',
  isActive: 'is_active',
} as const satisfies Partial<Record<keyof Assessment, string>>;

/** An assessment as a course's list of them reads it (LISTING_FIELDS). */
export type AssessmentListing = Pick<Assessment, keyof typeof LISTING_FIELDS>;

/** Batching for a course's assessments and the viewer's attempts (see createLoaders in graphql/context.ts). */
export interface AssessmentLoaders {
  /** A course's assessments the viewer may see (learners: active ones of active courses), in id order. */
  assessmentsByCourse: DataLoader<number, AssessmentListing[]>;
  /** The viewer's own attempts at an assessment, by attempt number; none for anonymous viewers. */
  viewerAttemptsByAssessment: DataLoader<number, AssessmentAttempt[]>;
  /**
   * How many attempts the viewer has made at an assessment (0 for anonymous viewers). assessmentsByCourse
   * primes it, so the catalog's viewerAttemptsRemaining costs no statement of its own.
   */
  viewerAttemptCountByAssessment: DataLoader<number, number>;
  /**
   * The counts assessmentsByCourse came with, at hand without a promise: a resolver answers from them
   * synchronously instead of awaiting the primed loader for a value it already has.
   */
  knownViewerAttemptCounts: ReadonlyMap<number, number>;
  /** A course's assessments at hand without a promise (a catalog page brought them), or undefined. */
  knownAssessments: ReadonlyMap<number, AssessmentListing[]>;
  /** The assessments of each course of a catalog page with the viewer's attempt counts, in the page's statement. */
  assessmentsColumn: CatalogColumn;
}

/** A course's assessments with the viewer's attempt count at each, for the statements below. */
type ListingRow = AssessmentListing & { viewerAttempts: number };

/** The viewer's attempts at assessment `a`; `viewer` is the viewer's id (0 when anonymous: no user has id 0). */
const viewerAttempts = (viewer: string) =>
  `(SELECT count(*)::int FROM assessment_attempts t WHERE t.assessment_id = a.id AND t.user_id = ${viewer})`;

const LISTING_COLUMNS = `${Object.entries(LISTING_FIELDS)
  .map(([field, column]) => (field === column ? `a.${column}` : `a.${column} AS "${field}"`))
  .join(', ')}, ${viewerAttempts('$2')} AS "viewerAttempts"`;

/** An AssessmentListing as JSON and the viewer's attempts, for the catalog's column. */
const LISTING_JSON = `json_build_array(json_build_object(${Object.entries(LISTING_FIELDS)
  .map(([field, column]) => `'${field}', a.${column}`)
  .join(', ')}), ${viewerAttempts('$viewer')})`;

type ListingJson = [listing: AssessmentListing, viewerAttempts: number];

/**
 * The catalog column of a course's assessments as ASSESSMENTS_BY_COURSE reads them. The page's courses are
 * those the viewer may see, so for learners only the assessments' own activity is left to test.
 */
const ASSESSMENTS_COLUMN: Record<'admin' | 'learner', Pick<CatalogColumn, 'name' | 'sql'>> = {
  admin: {
    name: 'assessments',
    sql: `(SELECT coalesce(json_agg(${LISTING_JSON} ORDER BY a.id), '[]') FROM assessments a WHERE a.course_id = listed.id)`,
  },
  learner: {
    name: 'visible-assessments',
    sql: `(SELECT coalesce(json_agg(${LISTING_JSON} ORDER BY a.id), '[]') FROM assessments a
      WHERE a.course_id = listed.id AND a.is_active)`,
  },
};

/**
 * $1: course ids, $2: the viewer (0 when anonymous: no user has id 0). What visibleAssessments allows: admins
 * every assessment, learners the active ones of active courses. In id order.
 */
const ASSESSMENTS_BY_COURSE: Record<'admin' | 'learner', NamedStatement> = {
  admin: {
    name: 'assessments-by-course',
    text: `SELECT ${LISTING_COLUMNS} FROM assessments a WHERE a.course_id = ANY ($1::int[]) ORDER BY a.id`,
  },
  learner: {
    name: 'visible-assessments-by-course',
    text: `SELECT ${LISTING_COLUMNS} FROM assessments a JOIN courses c ON c.id = a.course_id AND c.is_active
      WHERE a.course_id = ANY ($1::int[]) AND a.is_active ORDER BY a.id`,
  },
};

export function createAssessmentLoaders(
  { prisma, readRows }: { prisma: PrismaClient; readRows: RowReader },
  viewer: Viewer | null,
): AssessmentLoaders {
  const viewerAttemptsByAssessment: AssessmentLoaders['viewerAttemptsByAssessment'] = new DataLoader(
    async (assessmentIds) => {
      if (!viewer) return assessmentIds.map(() => []);
      const rows = await prisma.assessmentAttempt.findMany({
        where: { userId: viewer.id, assessmentId: { in: [...assessmentIds] } },
        orderBy: { attemptNumber: 'asc' },
      });
      return groupedByKey(assessmentIds, rows, (attempt) => attempt.assessmentId);
    },
  );
  const viewerAttemptCountByAssessment: AssessmentLoaders['viewerAttemptCountByAssessment'] = new DataLoader(
    async (assessmentIds) =>
      (await viewerAttemptsByAssessment.loadMany(assessmentIds)).map((attempts) =>
        attempts instanceof Error ? attempts : attempts.length,
      ),
  );
  const knownViewerAttemptCounts = new Map<number, number>();
  const knownAssessments = new Map<number, AssessmentListing[]>();
  const access = isAdmin(viewer) ? 'admin' : 'learner';
  // The viewer's attempts are counted in the same statement (anonymous viewers count none).
  const noteViewerAttempts = (assessmentId: number, viewerAttempts: number) => {
    if (!viewer) return;
    viewerAttemptCountByAssessment.prime(assessmentId, viewerAttempts);
    knownViewerAttemptCounts.set(assessmentId, viewerAttempts);
  };
  const listingOf = ({ viewerAttempts, ...assessment }: ListingRow): AssessmentListing => {
    noteViewerAttempts(assessment.id, viewerAttempts);
    return assessment;
  };
  const listingOfJson = ([listing, viewerAttempts]: ListingJson): AssessmentListing => {
    noteViewerAttempts(listing.id, viewerAttempts);
    return listing;
  };
  const assessmentsByCourse: AssessmentLoaders['assessmentsByCourse'] = new DataLoader(async (courseIds) => {
    const rows = await readRows<ListingRow>(ASSESSMENTS_BY_COURSE[access], [courseIds, viewer?.id ?? 0]);
    return groupedByKey(courseIds, rows.map(listingOf), (assessment) => assessment.courseId);
  });
  return {
    assessmentsByCourse,
    viewerAttemptsByAssessment,
    viewerAttemptCountByAssessment,
    knownViewerAttemptCounts,
    knownAssessments,
    assessmentsColumn: {
      ...ASSESSMENTS_COLUMN[access],
      fields: ['assessments'],
      take(courseId, value) {
        const listings = (value as ListingJson[]).map(listingOfJson);
        assessmentsByCourse.prime(courseId, listings);
        knownAssessments.set(courseId, listings);
      },
    },
  };
}
