import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SEED_DATA_DIR } from '../../../platform/db/seed-data.js';
import type { Personality, ReplyRequest, Responder } from './responder.js';
import { contentWords, normalize, readLessons, type LessonSection } from './lessons.js';

/**
 * The default responder: a deterministic poker coach that needs no network. It answers from the platform's
 * glossary (prisma/seed/data/glossary.json) and the lessons under CONTENT_ROOT, works out pot odds when the
 * learner gives the pot and the bet, speaks in the character's voice (greeting, catchphrases, sign-off,
 * conversation style), and says plainly when its notes do not cover a question.
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

interface Knowledge {
  glossary: GlossaryEntry[];
  /** Lesson titles by slug (the Markdown file's name without .md). */
  lessons: Map<string, string>;
  sections: LessonSection[];
}

async function loadKnowledge(contentRoot: string): Promise<Knowledge> {
  const raw = JSON.parse(await readFile(path.join(SEED_DATA_DIR, 'glossary.json'), 'utf8')) as unknown;
  const glossary = glossarySchema.parse(raw).map((entry) => ({
    term: entry.term,
    definition: entry.definition,
    courseSlug: entry.courseSlug ?? null,
    names: [entry.term, ...entry.aliases],
  }));
  return { glossary, ...(await readLessons(contentRoot)) };
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

function bestSection(question: string, sections: LessonSection[]): LessonSection | null {
  const words = contentWords(question);
  let best: { section: LessonSection; score: number } | null = null;
  for (const section of sections) {
    let score = 0;
    for (const word of words) {
      if (section.headingWords.has(word)) score += 3;
      else if (section.words.has(word)) score += 1;
    }
    if (score > (best?.score ?? 0)) best = { section, score };
  }
  // A word of the heading, or three of the text: less is a guess.
  return best && best.score >= 3 ? best.section : null;
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

function answerFromKnowledge(knowledge: Knowledge, request: ReplyRequest): string {
  const { character } = request;
  const { personality } = character;
  const question = request.history.at(-1)?.content ?? '';
  const signOff = personality.signOff;

  if (GREETING.test(question)) {
    return personality.greeting ?? `Hi, I'm ${character.displayName}. What would you like to work on today?`;
  }
  if (THANKS.test(question)) return compose(['Glad it helped. Ask me anything else whenever you like.', signOff]);

  const lessonOf = (slug: string | null) => (slug ? knowledge.lessons.get(slug) : undefined);
  const found = mentions(question, knowledge.glossary);
  const calculation = potOddsFrom(question);
  const opener = OPENERS[character.conversationStyle] ?? OPENERS.friendly;
  const closing = [catchphraseFor(question, personality), signOff].filter(Boolean).join(' ');

  if (calculation || found.length > 0) {
    const definitions = found.map(({ entry }) => `${capitalize(entry.term)}: ${entry.definition}`);
    const topics = found.map(({ entry }) => entry);
    if (calculation) topics.push(...knowledge.glossary.filter((entry) => entry.term === 'pot odds'));
    const lessons = [...new Set(topics.map((entry) => lessonOf(entry.courseSlug)).filter(Boolean))];
    const titles = lessons.map((title) => `"${title}"`).join(' and ');
    const pointer =
      lessons.length > 1
        ? `The lessons ${titles} cover this step by step.`
        : lessons.length === 1
          ? `The lesson ${titles} covers this step by step.`
          : null;
    return compose([opener, calculation, ...(calculation ? [] : definitions), pointer, closing]);
  }

  const section = bestSection(question, knowledge.sections);
  if (section) {
    return compose([
      opener,
      section.summary,
      `More in the lesson "${section.lesson}", section "${section.heading}".`,
      closing,
    ]);
  }

  return compose([
    "I don't know that one, and I would rather not guess. My notes cover what the courses teach: pot odds and " +
      'outs, position, starting-hand ranges, c-bets, GTO, ICM, bankroll and tilt. Ask me about one of those, or ' +
      'give me the pot and the bet and I will work out your odds.',
    signOff,
  ]);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function createOfflineCoach({ contentRoot }: { contentRoot: string }): Responder {
  let knowledge: Promise<Knowledge> | undefined;
  return {
    name: 'offline',
    async reply(request) {
      knowledge ??= loadKnowledge(contentRoot).catch((error: unknown) => {
        knowledge = undefined;
        throw error;
      });
      return answerFromKnowledge(await knowledge, request);
    },
  };
}
