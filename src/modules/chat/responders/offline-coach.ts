import type { PrismaClient } from '../../../generated/prisma/client.js';
import type { RowReader } from '../../../platform/db/statements.js';
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
import { asksForDefinitions, lessonTitles, loadGlossary, mentions, type GlossaryEntry } from './glossary.js';

/**
 * The default responder: a deterministic poker coach that needs no network. It answers from any section of
 * any lesson, found by PostgreSQL full-text search (./lessons.ts), defines the platform's glossary terms
 * (prisma/seed/data/glossary.json), works out pot odds when the learner gives the pot and the bet, names the
 * lesson each answer comes from, speaks in the character's voice (greeting, catchphrases, sign-off,
 * conversation style), and says plainly when nothing in the curriculum covers a question.
 */

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
  readRows: RowReader;
  glossary: GlossaryEntry[];
  vocabulary(): Promise<Map<string, number>>;
  lessons(): Promise<string[]>;
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
  const [section] = await searchSections(knowledge.readRows, search);
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

  const lessons = await knowledge.lessons();
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

/** How long what the coach reads of the whole index (its vocabulary, its lessons) is reused before it is read again. */
const INDEX_TTL_MS = 60_000;

/** The latest result of `read`, read again once it is older than INDEX_TTL_MS; a failed read is not kept. */
function reusedForAWhile<T>(read: () => Promise<T>): () => Promise<T> {
  let latest: { value: Promise<T>; readAt: number } | undefined;
  return () => {
    if (!latest || Date.now() - latest.readAt > INDEX_TTL_MS) {
      const current = { value: read(), readAt: Date.now() };
      latest = current;
      current.value.catch(() => {
        if (latest === current) latest = undefined;
      });
    }
    return latest.value;
  };
}

export function createOfflineCoach({ prisma, readRows }: { prisma: PrismaClient; readRows: RowReader }): Responder {
  let glossary: Promise<GlossaryEntry[]> | undefined;
  const knowledge: Omit<Knowledge, 'glossary'> = {
    prisma,
    readRows,
    vocabulary: reusedForAWhile(() => lessonVocabulary(prisma)),
    lessons: reusedForAWhile(() => indexedLessons(prisma)),
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
