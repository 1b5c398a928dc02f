import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import { SEED_DATA_DIR } from '../../../platform/db/seed-data.js';
import type { Personality, ReplyRequest, Responder } from './responder.js';
import {
  correctTypos,
  indexedLessons,
  lessonVocabulary,
  searchSections,
  quote,
  withLessonWords,
  type SectionMatch,
} from './lessons.js';

/**
 * The default responder: a deterministic poker coach that needs no network. It answers from any section of
 * any lesson, found by PostgreSQL full-text search (./lessons.ts), defines the platform's glossary terms
 * (prisma/seed/data/glossary.json), works out pot odds when the learner gives the pot and the bet, names the
 * lesson each answer comes from, speaks in the character's voice (greeting, catchphrases, sign-off,
 * conversation style), and says plainly when nothing in the curriculum covers a question.
 */

const glossarySchema = z.array(
  z.object({
    term: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    definition: z.string().min(1),
    courseSlug: z.string().nullish(),
  }),
);

interface GlossaryEntry {
  term: string;
  definition: string;
  courseSlug: string | null;
  /** The term and its aliases as they are matched (see `mentions`). */
  names: string[];
}

async function loadGlossary(): Promise<GlossaryEntry[]> {
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

interface Mention {
  entry: GlossaryEntry;
  start: number;
  end: number;
}

/**
 * Where the question names glossary terms. Short letter-only names (EV, IP, CO, "out") count only in capitals,
 * so that "figure out" is not a question about outs; longer names match in any case, plurals included.
 */
function mentions(question: string, glossary: GlossaryEntry[]): Mention[] {
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

const AMOUNT = String.raw`[$€£]?(\d+(?:\.\d+)?)`;
const POT = new RegExp(String.raw`\bpot (?:is |of |size (?:is |of )?)?(?:now )?${AMOUNT}`);
const BET = new RegExp(String.raw`\b(?:bets?|raises?|shoves?|jams?|facing(?: a)?(?: bet of)?)\s+(?:of\s+)?${AMOUNT}`);

function percent(value: number): string {
  return `${(Math.round(value * 1000) / 10).toString()}%`;
}

/** Pot odds worked out from "the pot is P ... bets B" (P before the bet). */
function potOddsFrom(question: string): string | null {
  const text = question.toLowerCase();
  const pot = Number(POT.exec(text)?.[1]);
  const bet = Number(BET.exec(text)?.[1]);
  if (!(pot > 0 && bet > 0)) return null;
  const potAfterCall = pot + 2 * bet;
  const ratio = Math.round(((pot + bet) / bet) * 10) / 10;
  return (
    `With ${pot} in the pot and a bet of ${bet}, you call ${bet} to win ${pot + bet}. ` +
    `The pot after your call is ${potAfterCall}, so you need ${bet} / ${potAfterCall} = ${percent(bet / potAfterCall)} ` +
    `equity to break even (pot odds of ${ratio} : 1). Call when your equity from outs beats that; fold when it does not, ` +
    'unless implied odds make up the difference.'
  );
}

/**
 * Whether the best section answers the question rather than sharing a word with it: a term of its heading,
 * or two of its text ("figure" alone in a sentence about exact figures is no answer about taxes).
 */
function answers(section: SectionMatch | undefined): section is SectionMatch {
  return Boolean(section && (section.headingTerms.length > 0 || section.terms.length >= 2));
}

/** Words that ask for a definition without saying what about: "what does X mean", "X vs Y?". */
const DEFINITION_WORDS = new Set(
  (
    'what whats is are a an the does do mean means meaning define definition explain exactly actually again ' +
    'tell me about difference between and or vs versus term word in poker called it this that how work works s'
  ).split(' '),
);

/** True when the question names glossary terms and asks nothing else of them. */
function asksForDefinitions(question: string, found: Mention[]): boolean {
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

const GREETING = /^\s*(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening)|你好)\b[\s\w,!.]{0,20}$/i;
const THANKS = /^\s*(thanks|thank you|thx|cheers|ty)\b[\s\w,!.]{0,30}$/i;

const OPENERS: Record<string, string> = {
  analytical: "Let's work through it.",
  competitive: 'Straight answer:',
  friendly: 'Great question!',
};

/** Picks the same catchphrase for the same question, a different one for another. */
function catchphraseFor(question: string, personality: Personality): string | null {
  const { catchphrases } = personality;
  if (catchphrases.length === 0) return null;
  let hash = 0;
  for (const char of question) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return catchphrases[hash % catchphrases.length] ?? null;
}

function compose(parts: (string | null | undefined)[]): string {
  return parts.filter((part): part is string => Boolean(part)).join('\n\n');
}

interface Knowledge {
  prisma: PrismaClient;
  glossary: GlossaryEntry[];
  vocabulary(): Promise<Map<string, number>>;
}

/** The titles of the active courses whose lesson file is `<slug>.md` (the glossary names lessons so). */
async function lessonTitles(prisma: PrismaClient, slugs: string[]): Promise<string[]> {
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

async function answerFromKnowledge(knowledge: Knowledge, request: ReplyRequest): Promise<string> {
  const { character } = request;
  const { personality } = character;
  const question = request.history.at(-1)?.content ?? '';
  const signOff = personality.signOff;

  if (GREETING.test(question)) {
    return personality.greeting ?? `Hi, I'm ${character.displayName}. What would you like to work on today?`;
  }
  if (THANKS.test(question)) return compose(['Glad it helped. Ask me anything else whenever you like.', signOff]);

  const found = mentions(question, knowledge.glossary);
  const calculation = potOddsFrom(question);
  const opener = OPENERS[character.conversationStyle] ?? OPENERS.friendly;
  const closing = [catchphraseFor(question, personality), signOff].filter(Boolean).join(' ');

  const glossaryAnswer = async () => {
    const definitions = found.map(({ entry }) => `${capitalize(entry.term)}: ${entry.definition}`);
    const topics = found.map(({ entry }) => entry);
    if (calculation) topics.push(...knowledge.glossary.filter((entry) => entry.term === 'pot odds'));
    const slugs = topics.map((entry) => entry.courseSlug).filter((slug): slug is string => Boolean(slug));
    const lessons = await lessonTitles(knowledge.prisma, slugs);
    const titles = lessons.map((title) => `"${title}"`).join(' and ');
    const pointer =
      lessons.length > 1
        ? `The lessons ${titles} cover this step by step.`
        : lessons.length === 1
          ? `The lesson ${titles} covers this step by step.`
          : null;
    return compose([opener, calculation, ...(calculation ? [] : definitions), pointer, closing]);
  };

  // A definition or a calculation has its own answer; anything else is looked up in the lessons.
  if (calculation || asksForDefinitions(question, found)) return glossaryAnswer();

  const search = withLessonWords(correctTypos(question.toLowerCase(), await knowledge.vocabulary()));
  const [section] = await searchSections(knowledge.prisma, search);
  if (answers(section)) {
    const source = section.heading
      ? `More in the lesson "${section.lessonTitle}", section "${section.heading}".`
      : `More in the lesson "${section.lessonTitle}".`;
    // A section whose heading names none of the question's terms only touches on them: the definitions of the
    // glossary terms the question names come first then.
    const definitions =
      section.headingTerms.length === 0
        ? found.map(({ entry }) => `${capitalize(entry.term)}: ${entry.definition}`)
        : [];
    return compose([opener, ...definitions, quote(section), source, closing]);
  }
  if (found.length > 0) return glossaryAnswer();

  const lessons = await indexedLessons(knowledge.prisma);
  return compose([
    "I don't know that one: nothing in the curriculum covers it, and I would rather not guess. " +
      (lessons.length > 0 ? `The lessons are ${lessons.map((title) => `"${title}"`).join(', ')}. ` : '') +
      'Ask me about one of those, or give me the pot and the bet and I will work out your odds.',
    signOff,
  ]);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** How long the lessons' vocabulary (for typo correction) is reused before it is read again. */
const VOCABULARY_TTL_MS = 60_000;

export function createOfflineCoach({ prisma }: { prisma: PrismaClient }): Responder {
  let glossary: Promise<GlossaryEntry[]> | undefined;
  let vocabulary: { words: Promise<Map<string, number>>; readAt: number } | undefined;
  const knowledge: Omit<Knowledge, 'glossary'> = {
    prisma,
    vocabulary() {
      if (!vocabulary || Date.now() - vocabulary.readAt > VOCABULARY_TTL_MS) {
        const words = lessonVocabulary(prisma);
        vocabulary = { words, readAt: Date.now() };
        words.catch(() => (vocabulary = undefined));
      }
      return vocabulary.words;
    },
  };
  return {
    name: 'offline',
    async reply(request) {
      glossary ??= loadGlossary().catch((error: unknown) => {
        glossary = undefined;
        throw error;
      });
      return answerFromKnowledge({ ...knowledge, glossary: await glossary }, request);
    },
  };
}
