import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Lessons as the offline coach reads them: Markdown files under CONTENT_ROOT, cut into their `## ` sections. */

export interface LessonSection {
  lesson: string;
  heading: string;
  /** The opening of the section as plain text. */
  summary: string;
  headingWords: Set<string>;
  words: Set<string>;
}

const STOPWORDS = new Set(
  (
    'about after again also and any are because been before being but can could did does doing down each for ' +
    'from get got had has have having how into its just like make many more most much need not now off once only ' +
    'other our out over own same should some such than that the their them then there these they this those ' +
    'through too under until very was way were what when where which while who whom why will with would you your ' +
    'yours poker hand hands play playing player players game good best better tell explain mean means key takeaways'
  ).split(' '),
);

/** A crude stem, the same for both sides of a comparison: moving, moves, move -> mov. */
function stem(word: string): string {
  const base = word.length > 4 ? word.replace(/s$/, '').replace(/(ing|ed|e)$/, '') : word;
  return base.length > 3 ? base.replace(/e$/, '') : base;
}

/** Stems of the words of three or more letters, without stopwords. */
export function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9'-]+[a-z0-9]/g) ?? [];
  return new Set(words.filter((word) => !STOPWORDS.has(word)).map(stem));
}

export function normalize(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9+\-]+/g, ' ')
    .trim()} `;
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
  return plainText(lines.join(' ').replace(/^>\s*/, ''));
}

/** The opening of a section as plain text: blocks until there is enough to answer, cut at a sentence end. */
function summarize(body: string, limit = 480): string {
  let text = '';
  for (const block of body.split(/\n\s*\n/).map((part) => part.trim())) {
    if (!block || block.startsWith('#')) continue;
    text = `${text} ${blockText(block)}`.trim();
    if (text.length >= 160) break;
  }
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const end = cut.lastIndexOf('. ');
  return end > 0 ? cut.slice(0, end + 1) : `${cut.trimEnd()}…`;
}

export async function readLessons(
  contentRoot: string,
): Promise<{ lessons: Map<string, string>; sections: LessonSection[] }> {
  const lessons = new Map<string, string>();
  const sections: LessonSection[] = [];
  let files: string[];
  try {
    files = (await readdir(contentRoot, { recursive: true })).filter((file) => file.endsWith('.md')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lessons, sections };
    throw error;
  }
  for (const file of files) {
    const markdown = await readFile(path.join(contentRoot, file), 'utf8');
    const slug = path.basename(file, '.md');
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? slug;
    lessons.set(slug, title);
    for (const part of markdown.split(/^## /m).slice(1)) {
      const newline = part.indexOf('\n');
      const heading = plainText(newline < 0 ? part : part.slice(0, newline));
      const body = newline < 0 ? '' : part.slice(newline + 1);
      const summary = summarize(body);
      if (!summary) continue;
      sections.push({
        lesson: title,
        heading,
        summary,
        headingWords: contentWords(heading),
        words: contentWords(`${heading} ${body}`),
      });
    }
  }
  return { lessons, sections };
}
