import type { ClientBase } from 'pg';
import { ContentPathError, readCourseContent } from '../content.js';

/**
 * The lesson index behind the offline coach's full-text search (table lesson_sections): each active course's
 * Markdown cut at its `##` and `###` headings. The seed brings the whole index up to date; a course write that
 * changes what a course's sections are (its content path, activity or title) rewrites that course's rows in
 * its own transaction. Both write through `lessonIndexStatement`, which leaves unchanged rows untouched.
 */

export interface LessonSection {
  /** From 0, in the lesson's order; the opening, before the first heading, has the heading ''. */
  position: number;
  heading: string;
  /** The section as plain text: one paragraph per Markdown block, tables as "cell: cell" rows. */
  body: string;
}

function plainText(markdown: string): string {
  return markdown
    .replace(/\*\*|__|`/g, '')
    .replace(/(^|\s)[*_]([^*_]+)[*_]/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A Markdown block as one line of text: tables become "cell: cell" rows, lists their items, joined by "; ". */
function blockText(block: string): string {
  const lines = block.split('\n').map((line) => line.trim());
  if (lines[0]?.startsWith('|')) {
    const rows = lines
      .slice(2)
      .map((row) =>
        row
          .split('|')
          .map((cell) => plainText(cell))
          .filter(Boolean)
          .join(': '),
      )
      .filter(Boolean);
    return rows.length > 0 ? `${rows.join('; ')}.` : '';
  }
  if (lines.every((line) => /^([-*]|\d+\.)\s/.test(line))) {
    return `${lines.map((line) => plainText(line.replace(/^([-*]|\d+\.)\s+/, '')).replace(/[.;]$/, '')).join('; ')}.`;
  }
  return plainText(lines.map((line) => line.replace(/^>\s?/, '')).join(' '));
}

/** A lesson's sections: its opening, then one per `##` or `###` heading, each with the text up to the next. */
export function lessonSections(markdown: string): LessonSection[] {
  const sections: LessonSection[] = [];
  let heading = '';
  let blocks: string[] = [];
  const close = () => {
    const body = blocks.map(blockText).filter(Boolean).join('\n\n');
    if (body) sections.push({ position: sections.length, heading, body });
    blocks = [];
  };
  for (const block of markdown.split(/\n\s*\n/).map((part) => part.trim())) {
    // A heading may share its block with the text under it when no blank line follows it.
    const [firstLine = '', ...rest] = block.split('\n');
    const title = /^(#{1,3})\s+(.+)$/.exec(firstLine);
    if (title) {
      // The `#` title is the lesson's own (the course title names it); its text is the opening.
      if (title[1] !== '#') {
        close();
        heading = plainText(title[2]!);
      }
      if (rest.length > 0) blocks.push(rest.join('\n'));
    } else if (block) {
      blocks.push(block);
    }
  }
  close();
  return sections;
}

export interface IndexedCourse {
  id: number;
  title: string;
  /** Null when the course is inactive or has no lesson file: it then has no sections. */
  markdown: string | null;
}

/**
 * One statement that makes the course's rows exactly its sections: changed rows are rewritten, unchanged ones
 * left alone (so a second seed changes no row), rows past the lesson's end deleted. Parameters are typed, so
 * pg and Prisma's $executeRawUnsafe run it alike.
 */
export function lessonIndexStatement(course: IndexedCourse): { sql: string; values: [number, string, string] } {
  const sections = course.markdown === null ? [] : lessonSections(course.markdown);
  return {
    sql: `WITH incoming AS (
            SELECT s.position, s.heading, s.body
              FROM jsonb_to_recordset($3::jsonb) AS s(position integer, heading text, body text)
          ), written AS (
            INSERT INTO lesson_sections AS l (course_id, position, lesson_title, heading, body)
            SELECT $1::integer, position, $2::varchar, heading, body FROM incoming
            ON CONFLICT (course_id, position) DO UPDATE SET
              lesson_title = EXCLUDED.lesson_title, heading = EXCLUDED.heading, body = EXCLUDED.body
            WHERE (l.lesson_title, l.heading, l.body)
              IS DISTINCT FROM (EXCLUDED.lesson_title, EXCLUDED.heading, EXCLUDED.body)
          )
          DELETE FROM lesson_sections
           WHERE course_id = $1::integer AND position NOT IN (SELECT position FROM incoming)`,
    values: [course.id, course.title, JSON.stringify(sections)],
  };
}

/** A course's lesson as the index sees it: none when the file is missing or its path leaves the content root. */
export async function readLesson(contentRoot: string, contentPath: string | null): Promise<string | null> {
  try {
    return await readCourseContent(contentRoot, contentPath);
  } catch (error) {
    // Such a path cannot be written through the API; a row written around it only goes unindexed.
    if (error instanceof ContentPathError) return null;
    throw error;
  }
}

/** Brings the index up to date with every course and its lesson file (the caller holds the transaction). */
export async function indexLessons(client: ClientBase, contentRoot: string): Promise<void> {
  const { rows } = await client.query<{ id: number; title: string; content_path: string | null; is_active: boolean }>(
    'SELECT id, title, content_path, is_active FROM courses ORDER BY id',
  );
  for (const course of rows) {
    const markdown = course.is_active ? await readLesson(contentRoot, course.content_path) : null;
    const { sql, values } = lessonIndexStatement({ id: course.id, title: course.title, markdown });
    await client.query(sql, values);
  }
}
