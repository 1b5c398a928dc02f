import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import { SEED_DATA_DIR } from '../../../platform/db/seed-data.js';

/**
 * The platform's poker glossary (prisma/seed/data/glossary.json) as the offline coach reads it: which terms a
 * question names, whether it asks no more than what they mean, and the lessons that teach them.
 */

const glossarySchema = z.array(
  z.object({
    term: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    definition: z.string().min(1),
    courseSlug: z.string().nullish(),
  }),
);

export interface GlossaryEntry {
  term: string;
  definition: string;
  courseSlug: string | null;
  /** The term and its aliases as they are matched (see `mentions`). */
  names: string[];
}

export async function loadGlossary(): Promise<GlossaryEntry[]> {
  const raw = JSON.parse(await readFile(path.join(SEED_DATA_DIR, 'glossary.json'), 'utf8')) as unknown;
  return glossarySchema.parse(raw).map((entry) => ({
    term: entry.term,
    definition: entry.definition,
    courseSlug: entry.courseSlug ?? null,
    names: [entry.term, ...entry.aliases],
  }));
}

function normalize(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9+\-]+/g, ' ')
    .trim()} `;
}

export interface Mention {
  entry: GlossaryEntry;
  start: number;
  end: number;
}

/**
 * Where the question names glossary terms. Short letter-only names (EV, IP, CO, "out") count only in capitals,
 * so that "figure out" is not a question about outs; longer names match in any case, plurals included.
 */
export function mentions(question: string, glossary: GlossaryEntry[]): Mention[] {
  const lower = normalize(question);
  const original = ` ${question.replace(/[^A-Za-z0-9+\-]+/g, ' ').trim()} `;
  const found: Mention[] = [];
  for (const entry of glossary) {
    for (const name of entry.names) {
      const abbreviation = /^[a-z]{1,3}$/i.test(name);
      const haystack = abbreviation ? original : lower;
      const needle = abbreviation ? name.toUpperCase() : normalize(name).trim();
      for (const form of [needle, `${needle}s`]) {
        const at = haystack.indexOf(` ${form} `);
        if (at >= 0) found.push({ entry, start: at, end: at + form.length });
      }
    }
  }
  // The longest mention wins where mentions overlap ("reverse implied odds" over "implied odds").
  found.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const chosen: Mention[] = [];
  for (const mention of found) {
    const overlaps = chosen.some((other) => mention.start < other.end && other.start < mention.end);
    if (!overlaps && !chosen.some((other) => other.entry === mention.entry)) chosen.push(mention);
  }
  return chosen.slice(0, 2).sort((a, b) => a.start - b.start);
}

/** Words that ask for a definition without saying what about: "what does X mean", "X vs Y?". */
const DEFINITION_WORDS = new Set(
  (
    'what whats is are a an the does do mean means meaning define definition explain exactly actually again ' +
    'tell me about difference between and or vs versus term word in poker called it this that how work works s'
  ).split(' '),
);

/** True when the question names glossary terms and asks nothing else of them. */
export function asksForDefinitions(question: string, found: Mention[]): boolean {
  if (found.length === 0) return false;
  let rest = normalize(question);
  // Longest names first: "reverse implied odds" before the "implied odds" inside it; plurals too.
  const names = found.flatMap(({ entry }) => entry.names.map((name) => normalize(name).trim()));
  for (const name of names.sort((a, b) => b.length - a.length)) {
    rest = rest.replaceAll(` ${name} `, '  ').replaceAll(` ${name}s `, '  ');
  }
  return rest
    .split(' ')
    .every((word) => !word || DEFINITION_WORDS.has(word) || DEFINITION_WORDS.has(word.replace(/s$/, '')));
}

/** The titles of the active courses whose lesson file is `<slug>.md` (the glossary names lessons so). */
export async function lessonTitles(prisma: PrismaClient, slugs: string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const courses = await prisma.course.findMany({
    where: {
      isActive: true,
      OR: slugs.flatMap((slug) => [{ contentPath: `${slug}.md` }, { contentPath: { endsWith: `/${slug}.md` } }]),
    },
    select: { title: true, contentPath: true },
    orderBy: { id: 'asc' },
  });
  const titleOf = (slug: string) =>
    courses.find(({ contentPath }) => contentPath === `${slug}.md` || contentPath?.endsWith(`/${slug}.md`))?.title;
  return [...new Set(slugs.map(titleOf).filter((title): title is string => Boolean(title)))];
}
