// Danish-aware normalisation of names and birth dates for identity matching. Pure functions.
//
// Names are folded to lowercase ASCII with the Danish letters written as their traditional
// two-letter spellings (æ → ae, ø → oe, å → aa), so "Søren" and "Soeren", "Åse" and "Aase",
// "Lærke" and "Laerke" become the same token. Accents are stripped (é → e), punctuation and
// hyphens split tokens ("Holm-Larsen" = "Holm Larsen").

/** Letters folded to their conventional ASCII spelling before accents are stripped. */
const LETTER_FOLD: Record<string, string> = {
  æ: 'ae', ø: 'oe', å: 'aa',
  // Neighbouring spellings seen for the same letters (Swedish/German keyboards, old records).
  ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', œ: 'oe', ð: 'd', þ: 'th', ł: 'l',
};
const FOLDED_LETTERS = new RegExp(`[${Object.keys(LETTER_FOLD).join('')}]`, 'g');

/** "Søren-Åge  Østergård" → "soeren aage oestergaard". */
export function foldName(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(FOLDED_LETTERS, (ch) => LETTER_FOLD[ch])
    .normalize('NFD')
    .replace(/\p{M}/gu, '') // combining marks: é → e, ñ → n
    .replace(/['’`´ʼ]/g, '') // apostrophes join: O'Neill → oneill
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

/** Folded name tokens of one field; empty for null or blank. */
export function nameTokens(text: string | null | undefined): string[] {
  if (!text) return [];
  const folded = foldName(text);
  return folded ? folded.split(' ') : [];
}

/**
 * A name split into given names and surnames. Danish naming: the first given name is the
 * call name, later given names and all surnames but the last are middle names (mellemnavne,
 * optional and often dropped by a source), the last surname is the family name.
 */
export interface ParsedName {
  given: readonly string[];
  surnames: readonly string[];
}

export function parseName(firstName: string | null | undefined, lastName: string | null | undefined): ParsedName {
  const given = nameTokens(firstName);
  const surnames = nameTokens(lastName);
  // A whole name in one field: "Freja Nielsen" in firstName, or in lastName.
  if (surnames.length === 0 && given.length >= 2) return { given: given.slice(0, -1), surnames: given.slice(-1) };
  if (given.length === 0 && surnames.length >= 2) return { given: surnames.slice(0, 1), surnames: surnames.slice(1) };
  return { given, surnames };
}

/** Call name, family name and middle names of a parsed name. */
export interface NameView {
  first: string | null;
  family: string | null;
  middle: readonly string[];
  surnames: readonly string[];
}

export function nameView(n: ParsedName): NameView {
  return {
    first: n.given[0] ?? null,
    family: n.surnames.length ? n.surnames[n.surnames.length - 1] : null,
    middle: [...n.given.slice(1), ...n.surnames.slice(0, -1)],
    surnames: n.surnames,
  };
}

/** The same name read the other way round (surname given as first name). */
export function swapNameOrder(n: ParsedName): ParsedName {
  return { given: n.surnames, surnames: n.given };
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein where an adjacent transposition
 * is one edit), stopping early above `max`: returns max + 1 when the distance is larger.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const w = b.length + 1;
  if (scratch.length < 3 * w) scratch = new Int32Array(6 * w);
  // Three rows in one scratch buffer (no allocation per call: this runs millions of times).
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j < w; j++) scratch[prev + j] = j;
  for (let i = 1; i <= a.length; i++) {
    scratch[cur] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(scratch[prev + j] + 1, scratch[cur + j - 1] + 1, scratch[prev + j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, scratch[prev2 + j - 2] + 1);
      scratch[cur + j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return scratch[prev + b.length];
}
let scratch = new Int32Array(96);

/**
 * A coarse sound key of one name token, for blocking and for "spelling variant" agreement:
 * Danish two-letter spellings back to one sound (aa/oe/ae), c/ch/q → k, ph → f, th → t,
 * w → v, z → s, x → ks, h after the first letter dropped, doubled letters once, then the
 * first letter and the consonants. "Christensen" = "Kristensen" (krstnsn), "Nielsen" =
 * "Nilsen" (nlsn), "Søren" = "Soren" (srn), "Åse" = "Aase" (as).
 */
export function phoneticKey(token: string): string {
  return soundKey(foldName(token).replace(/ /g, ''));
}

/** phoneticKey of an already folded token (no spaces), cached: tokens repeat a lot. */
function soundKey(s: string): string {
  if (!s) return '';
  const hit = SOUND_CACHE.get(s);
  if (hit !== undefined) return hit;
  let k = s
    .replace(/aa/g, 'a')
    .replace(/oe/g, 'o')
    .replace(/ae/g, 'e')
    .replace(/ch/g, 'k')
    .replace(/ph/g, 'f')
    .replace(/th/g, 't')
    .replace(/ck/g, 'k')
    .replace(/[cq]/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/w/g, 'v')
    .replace(/z/g, 's');
  k = k[0] + k.slice(1).replace(/h/g, '');
  k = k.replace(/(.)\1+/g, '$1');
  k = k[0] + k.slice(1).replace(/[aeiouy]/g, '');
  if (SOUND_CACHE.size >= SOUND_CACHE_MAX) SOUND_CACHE.clear();
  SOUND_CACHE.set(s, k);
  return k;
}
const SOUND_CACHE = new Map<string, string>();
const SOUND_CACHE_MAX = 100_000;

/** Sound key of a folded token, for blocking. */
export function tokenSoundKey(foldedToken: string): string {
  return soundKey(foldedToken);
}

/** Tokens per field combined in blocking pairs; more are cut (middle names last). */
const MAX_TOKENS_PER_FIELD = 3;

/**
 * Blocking keys of a name: unordered pairs of sound keys, one from the given names and one
 * from the surnames ("frj|nlsn"). Pairs within one field are left out ("Krogh-Madsen" alone
 * would put every Krogh-Madsen in one block). Swapping the fields gives the same pairs.
 */
export function namePairKeys(given: readonly string[], surnames: readonly string[]): string[] {
  const g = [...new Set(given.slice(0, MAX_TOKENS_PER_FIELD).map(soundKey))].filter(Boolean);
  // The family name (last) first, so a long double surname keeps it.
  const s = [...new Set([...surnames].reverse().slice(0, MAX_TOKENS_PER_FIELD).map(soundKey))].filter(Boolean);
  const out: string[] = [];
  for (const a of g) for (const b of s) if (a !== b) out.push(a < b ? `${a}|${b}` : `${b}|${a}`);
  return out;
}

export type TokenLevel = 'exact' | 'similar' | 'different' | 'missing';

export type TokenHow = 'danish_spelling' | 'one_edit' | 'spelling_variant' | 'two_edits';

export interface TokenMatch {
  level: TokenLevel;
  /** 1 exact, 0 different; in between for near spellings; 0.3 when one side is missing. */
  similarity: number;
  /** How a 'similar' pair differs. */
  how?: TokenHow;
}

const EXACT: TokenMatch = { level: 'exact', similarity: 1 };
const MISSING_TOKEN: TokenMatch = { level: 'missing', similarity: 0.3 };
const DIFFERENT: TokenMatch = { level: 'different', similarity: 0 };
const DANISH_SPELLING: TokenMatch = { level: 'similar', similarity: 0.95, how: 'danish_spelling' };
const ONE_EDIT: TokenMatch = { level: 'similar', similarity: 0.8, how: 'one_edit' };
const ONE_EDIT_SHORT: TokenMatch = { level: 'similar', similarity: 0.5, how: 'one_edit' };
const SOUND_ALIKE: TokenMatch = { level: 'similar', similarity: 0.8, how: 'spelling_variant' };
const TWO_EDITS: TokenMatch = { level: 'similar', similarity: 0.6, how: 'two_edits' };

/** A folded token with the Danish two-letter spellings reduced (aa → a, oe → o, ae → e): "soeren" → "soren". */
export function looseSpelling(folded: string): string {
  let hit = LOOSE_CACHE.get(folded);
  if (hit === undefined) {
    hit = folded.replace(/aa/g, 'a').replace(/oe/g, 'o').replace(/ae/g, 'e');
    if (LOOSE_CACHE.size >= SOUND_CACHE_MAX) LOOSE_CACHE.clear();
    LOOSE_CACHE.set(folded, hit);
  }
  return hit;
}
const LOOSE_CACHE = new Map<string, string>();

/**
 * Agreement of two folded name tokens, in a few transparent levels:
 *
 *   exact (after folding: Søren = Soeren, Åse = Aase)                        1
 *   Danish letters written without their e/a (Soren = Søren, Ostergaard)    0.95
 *   one letter differs (typo, or another name: Pedersen/Petersen), or the
 *   same sound key (Christensen/Kristensen, Carl/Karl)                      0.8
 *   one letter differs in a name under 4 letters (Ida/Ina), unlike sound    0.5
 *   two letters differ in names of 7+ letters                               0.6
 *   anything else                                                           0
 *
 * Only exact and Danish-spelling agreement are strong enough, with the rest of the record, for
 * an automatic link at the default thresholds (unless the school agrees too): a one-letter
 * difference is as often another real name as a typo.
 */
export function compareTokens(a: string | null, b: string | null): TokenMatch {
  if (!a || !b) return MISSING_TOKEN;
  if (a === b) return EXACT;
  if (looseSpelling(a) === looseSpelling(b)) return DANISH_SPELLING;
  const d = editDistance(a, b, 2);
  const short = Math.min(a.length, b.length) < 4;
  if (d === 1 && !short) return ONE_EDIT;
  const sameSound = soundKey(a) === soundKey(b);
  if (sameSound) return SOUND_ALIKE;
  if (d === 1) return ONE_EDIT_SHORT;
  if (d === 2 && Math.min(a.length, b.length) >= 7) return TWO_EDITS;
  return DIFFERENT;
}

/** Similarity of two tokens as a number (see compareTokens). */
export function tokenSimilarity(a: string, b: string): number {
  return compareTokens(a, b).similarity;
}

export type MiddleNames = 'agree' | 'optional' | 'conflict';

export interface NameComparison {
  first: TokenMatch;
  /** Family name; `partial` when only another part of a double surname agrees ("Holm" / "Holm-Larsen"). */
  family: TokenMatch & { partial?: boolean };
  /** Middle names are optional: missing on either side is no disagreement; two different sets are. */
  middle: MiddleNames;
  /** The pupil's names matched the other way round (surname given as first name). */
  swapped: boolean;
}

/** Share of the family-name similarity kept when only another part of a double surname agrees. */
export const DOUBLE_SURNAME_PARTIAL = 0.8;

/** A parsed name with its views precomputed (what the matcher caches per record). */
export interface PreparedName {
  parsed: ParsedName;
  view: NameView;
  /** The view read the other way round; null when the name has no given name or no surname. */
  swapped: NameView | null;
  /** Blocking keys (namePairKeys). */
  pairKeys: readonly string[];
}

export function prepareName(firstName: string | null | undefined, lastName: string | null | undefined): PreparedName {
  const parsed = parseName(firstName, lastName);
  const canSwap = parsed.given.length > 0 && parsed.surnames.length > 0;
  return { parsed, view: nameView(parsed), swapped: canSwap ? nameView(swapNameOrder(parsed)) : null, pairKeys: namePairKeys(parsed.given, parsed.surnames) };
}

function compareViews(p: NameView, c: NameView, swapped: boolean): NameComparison {
  const first = compareTokens(p.first, c.first);
  let family: NameComparison['family'] = compareTokens(p.family, c.family);
  if (family.similarity < DOUBLE_SURNAME_PARTIAL && (p.surnames.length > 1 || c.surnames.length > 1)) {
    // "Holm" against "Holm-Larsen": another part of a double surname agrees.
    let best = 0;
    for (const a of p.surnames) for (const b of c.surnames) best = Math.max(best, tokenSimilarity(a, b));
    if (best >= 0.9 && DOUBLE_SURNAME_PARTIAL * best > family.similarity) {
      family = { level: 'similar', similarity: DOUBLE_SURNAME_PARTIAL * best, partial: true };
    }
  }
  let middle: MiddleNames = 'optional';
  if (p.middle.length && c.middle.length) {
    middle = p.middle.some((a) => c.middle.some((b) => tokenSimilarity(a, b) >= 0.8)) ? 'agree' : 'conflict';
  }
  return { first, family, middle, swapped };
}

const MIDDLE_VALUE: Record<MiddleNames, number> = { agree: 1, optional: 1, conflict: 0 };
/** Name agreement in units of the first-name weight (score.ts weighs first, family, middle 5 : 5 : 1). */
const rank = (c: NameComparison) => c.first.similarity + c.family.similarity + 0.2 * MIDDLE_VALUE[c.middle];
/**
 * The swapped reading must beat the straight one by this (in rank units) to be chosen: it is
 * what score.ts deducts for a swap (0.02 = 0.25 × 0.08), so the name part of a score is exactly
 * max(straight, swapped − penalty), which keeps the score monotone in every field.
 */
export const SWAP_RANK_PENALTY = 0.08;

/** compareNames on prepared names (no re-parsing). */
export function comparePreparedNames(pupil: PreparedName, child: PreparedName): NameComparison {
  const straight = compareViews(pupil.view, child.view, false);
  if (!pupil.swapped || (straight.first.level === 'exact' && straight.family.level === 'exact')) return straight;
  const swapped = compareViews(pupil.swapped, child.view, true);
  return rank(swapped) - SWAP_RANK_PENALTY > rank(straight) + 1e-9 ? swapped : straight;
}

/**
 * Compares a pupil's name with a child's, in the given order and swapped (surname given as
 * first name); the swapped reading wins only when better by more than its penalty.
 */
export function compareNames(pupil: ParsedName, child: ParsedName): NameComparison {
  const canSwap = pupil.given.length > 0 && pupil.surnames.length > 0;
  return comparePreparedNames(
    { parsed: pupil, view: nameView(pupil), swapped: canSwap ? nameView(swapNameOrder(pupil)) : null, pairKeys: [] },
    { parsed: child, view: nameView(child), swapped: null, pairKeys: [] },
  );
}

/** Value of the middle-name comparison for scoring. */
export function middleNamesValue(m: MiddleNames): number {
  return MIDDLE_VALUE[m];
}

// ── Birth dates ──────────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch day of a valid 'YYYY-MM-DD', else null. */
export function birthDateDay(date: string | null | undefined): number | null {
  if (!date) return null;
  const m = ISO_DATE.exec(date.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return t / DAY_MS;
}

const fromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The date with day and month swapped (a typical US/ISO mix-up), when that is another valid date. */
export function swapDayMonth(date: string): string | null {
  const m = ISO_DATE.exec(date.trim());
  if (!m || m[2] === m[3]) return null;
  const swapped = `${m[1]}-${m[3]}-${m[2]}`;
  return birthDateDay(swapped) === null ? null : swapped;
}

export type BirthDateAgreement = 'exact' | 'one_day_off' | 'day_month_swapped' | 'different' | 'missing';

export function compareBirthDates(a: string | null | undefined, b: string | null | undefined): BirthDateAgreement {
  const da = birthDateDay(a);
  const db = birthDateDay(b);
  if (da === null || db === null) return 'missing';
  if (da === db) return 'exact';
  if (Math.abs(da - db) === 1) return 'one_day_off';
  if (swapDayMonth(a!) === fromDay(db)) return 'day_month_swapped';
  return 'different';
}

/** The canonical 'YYYY-MM-DD' of a valid date, else null. */
export function normaliseBirthDate(date: string | null | undefined): string | null {
  const d = birthDateDay(date);
  return d === null ? null : fromDay(d);
}

/** Dates a typo could have turned this one into (±1 day, day/month swapped): the blocking neighbourhood. */
export function nearBirthDates(date: string): string[] {
  const d = birthDateDay(date);
  if (d === null) return [];
  const out = [fromDay(d - 1), fromDay(d + 1)];
  const swapped = swapDayMonth(fromDay(d));
  if (swapped) out.push(swapped);
  return out;
}

/** A valid birth date with what comparisons need precomputed. */
export interface PreparedBirthDate {
  iso: string;
  day: number;
  /** Epoch day of the date with day and month swapped, when that is another valid date. */
  swappedDay: number | null;
  /** nearBirthDates(iso). */
  near: readonly string[];
}

export function prepareBirthDate(date: string | null | undefined): PreparedBirthDate | null {
  const day = birthDateDay(date);
  if (day === null) return null;
  const iso = fromDay(day);
  const swapped = swapDayMonth(iso);
  return { iso, day, swappedDay: swapped === null ? null : birthDateDay(swapped), near: nearBirthDates(iso) };
}

/** compareBirthDates on prepared dates (no parsing). */
export function comparePreparedBirthDates(a: PreparedBirthDate | null, b: PreparedBirthDate | null): BirthDateAgreement {
  if (!a || !b) return 'missing';
  if (a.day === b.day) return 'exact';
  if (Math.abs(a.day - b.day) === 1) return 'one_day_off';
  if (a.swappedDay === b.day) return 'day_month_swapped';
  return 'different';
}
