import type { PrismaClient } from '../../../generated/prisma/client.js';
import type { NamedStatement, RowReader } from '../../../platform/db/statements.js';

/**
 * The offline coach's search over the lessons: PostgreSQL full-text search (the 'english' configuration:
 * stems, no stopwords) over lesson_sections, which the seed and course writes keep (platform/db/lesson-index).
 * Before searching, the question is put into the lessons' words: phrases learners use become the terms the
 * lessons use ("beats" -> rankings), and a misspelt long word becomes the lesson word one edit away.
 */

export interface SectionMatch {
  lessonTitle: string;
  /** '' for the lesson's opening, before its first heading. */
  heading: string;
  body: string;
  /** Which paragraph of the body (from 0) matches the question best. */
  passage: number;
  /** The question's terms (stemmed) found in the heading, and anywhere in the section. */
  headingTerms: string[];
  terms: string[];
}

/**
 * How learners say what the lessons say in other words: each pattern's match gains the lessons' terms (the
 * learner's words stay, so nothing they said is lost). Checked in order against the lowercased question; a
 * phrase one pattern took is not seen by the later ones ("bad beats" is tilt, and no question of rankings).
 */
const SYNONYMS: [RegExp, string][] = [
  // Before "beat": a bad beat is about tilt, not rankings.
  [/\bbad beats?\b|\bsuck(ed|s)? out\b/g, 'bad-beat tilt'],
  [/\b(beats?|outranks?|(better|stronger|higher|worse|weaker|lower) than)\b/g, 'beats hand rankings'],
  [/\b(3|three)[- ]?bet(s|ting)?\b|\bre-?raise[sd]?\b/g, '3-bet'],
  [/\bc[- ]?bet(s|ting)?\b|\bcontinuation bet(s|ting)?\b/g, 'c-bet continuation bet'],
  [/\bbarrel(l?ing|l?ed|s)?\b/g, 'barrel turn'],
  [/\btourn(e?ys?|aments?)\b|\bmtts?\b|\bsngs?\b|\bsit[- ]and[- ]gos?\b/g, 'tournament'],
  [/\bbuy[- ]?ins?\b/g, 'buy-ins'],
  [/\b(shove[sd]?|shoving|jam(s|med|ming)?|all[- ]in)\b/g, 'shove all-in'],
  [/\bflat(s|ting|ted)?\b|\bjust call\b/g, 'call'],
  [/\b(chop(s|ped)?|split)\b/g, 'split tie'],
  [/\b(wrap(s|ping)?|around the corner)\b/g, 'wrap around'],
  [/\b6[- ]?max\b/g, '6-max seats'],
  [/\bvillain\b/g, 'opponent'],
  [/\bbluff[- ]?catch(er|ers|ing)?\b/g, 'bluff-catcher'],
  [/\bsemi[- ]?bluff(s|ing)?\b|\bbet(ting)? (a|my|the) draw\b/g, 'semi-bluff'],
  [/\bpocket rockets\b/g, 'pocket aces'],
  [/\b(drop|go|step|move)(ping)? down\b/g, 'move down'],
  // "How big should my bankroll be?" asks how many buy-ins it needs.
  [/\b(big|large|size)\b(?=.*\bbankroll)/g, 'buy-ins need'],
  [/\bchas(e|es|ing)\b/g, 'implied odds draw'],
  [/\bholdem\b|\bhold'em\b/g, "hold'em"],
  [/\b(pick|select)(s|ing|ed)?\b/g, 'choose'],
  // Range notation: AK, QQ+, ATs+, KQo, A5s (but not the word "at").
  [/(?<![\w+])(?!at(?![s+]))([akqjt2-9]{2}[so]?\+?)(?![\w+])/g, 'range notation combos'],
];

/**
 * Words of the way learners ask rather than of what they ask about ("how many", "what does X mean"): left out
 * of the search, where they would match every heading that happens to use them ("How many buy-ins...").
 * PostgreSQL's stopwords already leave out the shorter ones.
 */
const ASKING_WORDS = new Set(
  (
    'many much often mean means meaning really actually always ever keep get gets got go going want know tell ' +
    'good idea thing things way im whats dont doesnt cant anyone someone pls please exactly play plays playing ' +
    'played'
  ).split(' '),
);

/** The question in the lessons' words, ready for the search: synonyms added, asking words left out. */
export function withLessonWords(question: string): string {
  let rest = question.toLowerCase();
  const taken: string[] = [];
  for (const [pattern, terms] of SYNONYMS) {
    rest = rest.replace(pattern, (phrase) => {
      taken.push(phrase, terms);
      return ' ';
    });
  }
  const words = rest.split(/[^a-z0-9'+-]+/).filter((word) => word && !ASKING_WORDS.has(word.replace(/'/g, '')));
  return [...words, ...taken].join(' ');
}

/** Optimal string alignment distance (an adjacent swap counts once), giving up past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}

/** Words this long that the lessons never use are taken for typos of the lesson word one edit away. */
const MIN_CORRECTED_LENGTH = 6;

/**
 * The question with each misspelt word replaced by the most used lesson word one edit away ("bankrol" ->
 * "bankroll", "indiferent" -> "indifferent"). Shorter words are left alone: at four or five letters an edit
 * turns too many everyday words into lesson words ("taxes" -> "takes").
 */
export function correctTypos(text: string, vocabulary: Map<string, number>): string {
  return text.replace(/[a-z]+/g, (word) => {
    if (word.length < MIN_CORRECTED_LENGTH || vocabulary.has(word)) return word;
    let best: { word: string; uses: number } | null = null;
    for (const [known, uses] of vocabulary) {
      if (uses > (best?.uses ?? 0) && editDistance(word, known, 1) <= 1) best = { word: known, uses };
    }
    return best?.word ?? word;
  });
}

/** Every word of the lessons (lowercased, unstemmed) with the number of sections using it. */
export async function lessonVocabulary(prisma: PrismaClient): Promise<Map<string, number>> {
  const rows = await prisma.$queryRawUnsafe<{ word: string; ndoc: number }[]>(
    `SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', heading || '' '' || body) FROM lesson_sections')
      WHERE word ~ '^[a-z]+$'`,
  );
  return new Map(rows.map((row) => [row.word, row.ndoc]));
}

/**
 * The sections that best answer the question, best first. Each of the question's terms found in a section
 * scores its rarity across the sections (ln(1 + sections / sections with the term), so "bubble" outweighs
 * "money") times where it was found: 3 in the heading, 2 in the lesson's title, 1 in the text. ts_rank_cd over
 * the OR of the terms (weights A, B, D) breaks ties. Each match says which terms it found, so the caller can
 * tell an answer from a coincidence. A named statement: planning it costs several times what running it does.
 */
const LESSON_SEARCH: NamedStatement = {
  name: 'lesson_search',
  text: `WITH terms AS (
       SELECT lexeme, query,
              ln(1 + (SELECT count(*) FROM lesson_sections)::float8
                     -- null for a term no section has: it matches nothing, and sums skip it
                     / nullif((SELECT count(*) FROM lesson_sections WHERE search @@ query), 0)) AS rarity
         FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS lexeme,
              LATERAL (SELECT quote_literal(lexeme)::tsquery AS query) AS term
     ), any_term AS (
       SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS query FROM terms
     ), matches AS (
       SELECT s.*,
              (SELECT sum(t.rarity * CASE WHEN ts_filter(s.search, '{a}') @@ t.query THEN 3
                                          WHEN ts_filter(s.search, '{b}') @@ t.query THEN 2
                                          ELSE 1 END)
                 FROM terms t WHERE s.search @@ t.query) AS score
         FROM lesson_sections s
        WHERE s.search @@ (SELECT query FROM any_term)
     )
     SELECT m.lesson_title, m.heading, m.body,
            -- The paragraph holding the rarest of the question's terms, the earliest of equals.
            (SELECT p.n - 1 FROM unnest(string_to_array(m.body, E'\n\n')) WITH ORDINALITY AS p(text, n)
              ORDER BY (SELECT coalesce(sum(t.rarity), 0) FROM terms t
                         WHERE to_tsvector('english', p.text) @@ t.query) DESC, p.n
              LIMIT 1)::integer AS passage,
            ARRAY(SELECT lexeme FROM terms WHERE ts_filter(m.search, '{a}') @@ terms.query) AS heading_terms,
            ARRAY(SELECT lexeme FROM terms WHERE m.search @@ terms.query) AS terms
       FROM matches m
      ORDER BY m.score DESC, ts_rank_cd(m.search, (SELECT query FROM any_term)) DESC, m.course_id, m.position
      LIMIT $2::integer`,
};

export async function searchSections(readRows: RowReader, text: string, limit = 1): Promise<SectionMatch[]> {
  const rows = await readRows<{
    lesson_title: string;
    heading: string;
    body: string;
    passage: number;
    heading_terms: string[];
    terms: string[];
  }>(LESSON_SEARCH, [text, limit]);
  return rows.map((row) => ({
    lessonTitle: row.lesson_title,
    heading: row.heading,
    body: row.body,
    passage: row.passage,
    headingTerms: row.heading_terms,
    terms: row.terms,
  }));
}

/** The titles of the lessons the coach can answer from, in the curriculum's order. */
export async function indexedLessons(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ lesson_title: string }[]>(
    `SELECT s.lesson_title FROM lesson_sections s JOIN courses c ON c.id = s.course_id
      GROUP BY s.course_id, s.lesson_title, c.level_rank ORDER BY c.level_rank, s.course_id`,
  );
  return rows.map((row) => row.lesson_title);
}

/** Paragraphs from the first until there is enough to answer, cut within the limit at a sentence's or list item's end. */
function excerpt(paragraphs: string[], limit: number): string {
  let text = '';
  for (const paragraph of paragraphs) {
    text = `${text} ${paragraph}`.trim();
    if (text.length >= 160) break;
  }
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('; '));
  return end > 0 ? `${cut.slice(0, end)}${cut[end] === ';' ? '…' : '.'}` : `${cut.trimEnd()}…`;
}

/**
 * What the coach quotes of a section: its opening, which usually says what the section is about, and then the
 * paragraph that best matches the question when that is a later one.
 */
export function quote(section: Pick<SectionMatch, 'body' | 'passage'>): string {
  const paragraphs = section.body.split('\n\n');
  if (section.passage <= 0) return excerpt(paragraphs, 480);
  return `${excerpt(paragraphs.slice(0, section.passage), 320)}\n\n${excerpt(paragraphs.slice(section.passage), 400)}`;
}
