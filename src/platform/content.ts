import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The lessons on disk: Markdown files under CONTENT_ROOT, named by courses.content_path. The catalog serves
 * them (Course.content) and the lesson index reads them (db/lesson-index.ts), through the same path check.
 */

export class ContentPathError extends Error {
  override name = 'ContentPathError';
}

/** Resolves a course's content_path inside the content root, refusing anything that escapes it. */
export function resolveContentPath(contentRoot: string, contentPath: string): string {
  const root = path.resolve(contentRoot);
  const resolved = path.resolve(root, contentPath);
  if (path.isAbsolute(contentPath) || !resolved.startsWith(root + path.sep)) {
    throw new ContentPathError(`content path escapes the content root: ${contentPath}`);
  }
  return resolved;
}

/** The course's Markdown, or null when it has no content file (yet). */
export async function readCourseContent(contentRoot: string, contentPath: string | null): Promise<string | null> {
  if (!contentPath) return null;
  try {
    return await readFile(resolveContentPath(contentRoot, contentPath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
