import {
  type BirthDateAgreement,
  comparePreparedBirthDates,
  comparePreparedNames,
  middleNamesValue,
  type NameComparison,
  prepareBirthDate,
  type PreparedBirthDate,
  type PreparedName,
  prepareName,
  SWAP_RANK_PENALTY,
  type TokenMatch,
} from './normalise';
import type { CandidateScore, MatchChild, MatchField, MatchPupil } from './types';

// A transparent score: a weighted sum of per-field agreement values, each one of a few fixed
// levels, so a reviewer can read why a candidate scored what it did (CandidateScore.parts).
//
//   first name      0.25 × token level (normalise.ts compareTokens: exact 1 · Danish letters
//                          without e/a 0.95 · one letter or same sound 0.8 · short names one
//                          letter 0.5 · two letters in long names 0.6 · missing 0.3 · else 0)
//   family name     0.25 × the same levels; only another part of a double surname agrees: 0.8 × that
//   middle names    0.05 × (agree, or missing on either side 1 · two different sets 0)
//   birth date      0.30 × (exact 1 · ±1 day or day/month swapped 0.5 · missing 0.3 · different −0.5)
//   school/kommune  0.15 × (a school the hub knows 1 · same municipality 0.6, 0.5 when the hub
//                          knows other schools · unknown 0.4 · another municipality 0)
//   name order swapped: −0.02;  the sum is clamped to [0, 1] and rounded to 3 decimals.
//
// A clearly different birth date counts against (−0.15), so two namesakes at the same school
// born on different days score 0.55, not a review. Consequences the thresholds rely on (see
// DEFAULT_THRESHOLDS in decide.ts): without an exact birth date, or in another municipality, a
// candidate scores at most 0.85; a one-letter difference in a name stays below 0.9 unless the
// school agrees as well; names that agree after normalisation (Danish spellings, case,
// hyphens, middle names on one side, swapped order), exact birth date and the same
// municipality score 0.905–1.
//
// CPR hash and UNI-Login id are not scored: they decide deterministically, and a conflict
// between them blocks an automatic link (see decide.ts). They appear in agree/disagree by
// field name only.

export const SCORE_WEIGHTS = { firstName: 0.25, lastName: 0.25, middleNames: 0.05, birthDate: 0.3, place: 0.15 } as const;
/** Deducted when the pupil's names match only the other way round (= first-name weight × SWAP_RANK_PENALTY). */
export const NAME_ORDER_PENALTY = SCORE_WEIGHTS.firstName * SWAP_RANK_PENALTY;

const BIRTH_VALUE: Record<BirthDateAgreement, number> = { exact: 1, one_day_off: 0.5, day_month_swapped: 0.5, missing: 0.3, different: -0.5 };

export type PlaceAgreement = 'school' | 'municipality' | 'municipality_other_school' | 'unknown' | 'other_municipality';
const PLACE_VALUE: Record<PlaceAgreement, number> = { school: 1, municipality: 0.6, municipality_other_school: 0.5, unknown: 0.4, other_municipality: 0 };

export interface Prepared {
  name: PreparedName;
  birth: PreparedBirthDate | null;
  /** Canonical 'YYYY-MM-DD', or null when missing or invalid. */
  birthDate: string | null;
}

const prepared = new WeakMap<object, Prepared>();

/** Parsed name and birth date of a record, cached per (immutable) record object. */
export function prepare(r: { firstName: string | null; lastName: string | null; birthDate: string | null }): Prepared {
  let p = prepared.get(r);
  if (!p) {
    const birth = prepareBirthDate(r.birthDate);
    p = { name: prepareName(r.firstName, r.lastName), birth, birthDate: birth?.iso ?? null };
    prepared.set(r, p);
  }
  return p;
}

export function comparePlace(pupil: MatchPupil, child: MatchChild): PlaceAgreement {
  const schools = child.institutionNumbers ?? [];
  if (pupil.institutionNumber && schools.includes(pupil.institutionNumber)) return 'school';
  if (!pupil.municipalityCode || !child.municipalityCode) return 'unknown';
  if (pupil.municipalityCode !== child.municipalityCode) return 'other_municipality';
  return schools.length && pupil.institutionNumber ? 'municipality_other_school' : 'municipality';
}

/** The comparisons behind a score, before they are explained. */
export interface CandidateEvaluation {
  score: number;
  names: NameComparison;
  birth: BirthDateAgreement;
  place: PlaceAgreement;
}

/** The score and its comparisons, without building the explanation (the hot path of a batch). */
export function evaluateCandidate(pupil: MatchPupil, child: MatchChild): CandidateEvaluation {
  const p = prepare(pupil);
  const c = prepare(child);
  const names = comparePreparedNames(p.name, c.name);
  const birth = comparePreparedBirthDates(p.birth, c.birth);
  const place = comparePlace(pupil, child);
  const raw =
    SCORE_WEIGHTS.firstName * names.first.similarity +
    SCORE_WEIGHTS.lastName * names.family.similarity +
    SCORE_WEIGHTS.middleNames * middleNamesValue(names.middle) +
    SCORE_WEIGHTS.birthDate * BIRTH_VALUE[birth] +
    SCORE_WEIGHTS.place * PLACE_VALUE[place] -
    (names.swapped ? NAME_ORDER_PENALTY : 0);
  return { score: Math.round(Math.min(1, Math.max(0, raw)) * 1000) / 1000, names, birth, place };
}

function partsOf(e: CandidateEvaluation): CandidateScore['parts'] {
  return {
    firstName: SCORE_WEIGHTS.firstName * e.names.first.similarity,
    lastName: SCORE_WEIGHTS.lastName * e.names.family.similarity,
    middleNames: SCORE_WEIGHTS.middleNames * middleNamesValue(e.names.middle),
    birthDate: SCORE_WEIGHTS.birthDate * BIRTH_VALUE[e.birth],
    place: SCORE_WEIGHTS.place * PLACE_VALUE[e.place],
    nameOrderPenalty: e.names.swapped ? -NAME_ORDER_PENALTY : 0,
  };
}

/** Scores one pupil against one child, with the field-level explanation; see the table at the top of this file. */
export function scoreCandidate(pupil: MatchPupil, child: MatchChild): CandidateScore {
  return explainCandidate(pupil, child, evaluateCandidate(pupil, child));
}

/** The reviewer's view of an evaluation: which fields agree, nearly agree, disagree or are missing. */
export function explainCandidate(pupil: MatchPupil, child: MatchChild, e: CandidateEvaluation): CandidateScore {
  const { names, birth, place } = e;
  const out: CandidateScore = { score: e.score, agree: [], partial: [], disagree: [], missing: [], notes: [], parts: partsOf(e) };
  fieldOf(out, 'first_name', names.first);
  fieldOf(out, 'last_name', names.family);
  if (names.family.partial) out.notes.push('double_surname_partial');
  if (names.middle === 'agree') out.agree.push('middle_names');
  else if (names.middle === 'conflict') out.disagree.push('middle_names');
  if (names.swapped) out.notes.push('name_order_swapped');
  for (const t of [names.first, names.family]) if (t.how && !out.notes.includes(t.how)) out.notes.push(t.how);

  if (birth === 'exact') out.agree.push('birth_date');
  else if (birth === 'missing') out.missing.push('birth_date');
  else if (birth === 'different') out.disagree.push('birth_date');
  else {
    out.partial.push('birth_date');
    out.notes.push(`birth_date_${birth}`);
  }

  switch (place) {
    case 'school':
      out.agree.push('school');
      if (pupil.municipalityCode && pupil.municipalityCode === child.municipalityCode) out.agree.push('municipality');
      break;
    case 'municipality':
      out.agree.push('municipality');
      break;
    case 'municipality_other_school':
      out.agree.push('municipality');
      out.disagree.push('school');
      break;
    case 'other_municipality':
      out.disagree.push('municipality');
      if (child.institutionNumbers?.length && pupil.institutionNumber) out.disagree.push('school');
      break;
    case 'unknown':
      out.missing.push('municipality');
  }

  // Identifiers by field name only (the values never leave the matcher).
  if (pupil.cprHmac && child.cprHmac) (pupil.cprHmac === child.cprHmac ? out.agree : out.disagree).push('cpr');
  const linkedUni = child.uniLoginIds ?? [];
  if (pupil.uniLoginId && linkedUni.length) (linkedUni.includes(pupil.uniLoginId) ? out.agree : out.disagree).push('uni_login');
  return out;
}

function fieldOf(out: CandidateScore, field: MatchField, t: TokenMatch): void {
  if (t.level === 'exact') out.agree.push(field);
  else if (t.level === 'similar') out.partial.push(field);
  else if (t.level === 'missing') out.missing.push(field);
  else out.disagree.push(field);
}

/** Name comparison of a pupil and a child (for twin checks and the review UI). */
export function compareRecordNames(pupil: MatchPupil, child: MatchChild): NameComparison {
  return comparePreparedNames(prepare(pupil).name, prepare(child).name);
}

/** identity_link.confidence (numeric(4,3)) of a score. */
export function toConfidence(score: number): string {
  return (Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000).toFixed(3);
}
