import { compareTokens } from './normalise';
import { type CandidateEvaluation, evaluateCandidate, explainCandidate, prepare, scoreCandidate } from './score';
import type { DecideOptions, MatchChild, MatchDecision, MatchMethod, MatchPupil, MatchReason, MatchThresholds, PupilRef, ProposedCandidate } from './types';

export { blockCandidates, buildCandidateIndex, CandidateIndex } from './block';

/**
 * Default thresholds (the pipeline job should read them from config). Scores from score.ts:
 *
 * auto 0.90 — reached only with an exact birth date, the same municipality (or a school the
 * hub knows) and names that agree after normalisation: case, accents, æ/ae/ä, ø/oe/ö, å/aa,
 * Danish letters written without e (Soren), hyphen or space in a double surname, middle names
 * present on one side only, or first and last name swapped (0.905–1). A name one letter off
 * (a typo — or another real name: Pedersen/Petersen, Ida/Ina) or only part of a double surname
 * reaches it only when the pupil's school is one the hub knows for the child (0.95); with the
 * municipality alone it scores 0.89. Never reached: birth date missing or off by a day (≤ 0.85),
 * another municipality (a child who moved; ≤ 0.85).
 *
 * review 0.70 — exact names with the birth date missing (0.73 in the same municipality, 0.79
 * at a known school), typos, near birth dates, movers are reviewed. A completely different
 * first name scores at most 0.69 in the same municipality, 0.75 at a known school — siblings
 * and pupils who merely share surname and birthday stay out of the queue unless the hub knows
 * the school (twins are proposed by the twin rules whatever their score).
 *
 * margin 0.10 — a second candidate within 0.10 of the best makes the match ambiguous: e.g. a
 * namesake with the same birth date in another municipality (0.85) next to a 0.94 match.
 */
export const DEFAULT_THRESHOLDS: Required<MatchThresholds> = { autoThreshold: 0.9, reviewThreshold: 0.7, margin: 0.1 };

const DEFAULT_MAX_CANDIDATES = 5;

/** Key of a source record: what identity_link's (source_system, external_id) identifies. */
export function pupilKey(p: PupilRef): string {
  return `${p.sourceId}:${p.externalId}`;
}

/** Key of a (pupil, child) pair, for the set of rejected pairs. */
export function pairKey(pupil: string | PupilRef, childId: string): string {
  return JSON.stringify([typeof pupil === 'string' ? pupil : pupilKey(pupil), childId]);
}

function validate(opts: DecideOptions): Required<MatchThresholds> {
  const t = { ...DEFAULT_THRESHOLDS, ...definedOnly(opts) };
  if (!(t.reviewThreshold >= 0 && t.reviewThreshold <= t.autoThreshold && t.autoThreshold <= 1)) {
    throw new RangeError('thresholds must satisfy 0 ≤ reviewThreshold ≤ autoThreshold ≤ 1');
  }
  if (!(t.margin >= 0)) throw new RangeError('margin must be ≥ 0');
  return t;
}

function definedOnly(opts: DecideOptions): Partial<MatchThresholds> {
  const out: Partial<MatchThresholds> = {};
  if (opts.autoThreshold !== undefined) out.autoThreshold = opts.autoThreshold;
  if (opts.reviewThreshold !== undefined) out.reviewThreshold = opts.reviewThreshold;
  if (opts.margin !== undefined) out.margin = opts.margin;
  return out;
}

/**
 * Two children look like twins: same birth date, same family name, first names not the same,
 * at a common known school or (schools unknown) in the same municipality.
 */
export function looksLikeTwins(a: MatchChild, b: MatchChild): boolean {
  if (a === b || a.id === b.id) return false;
  const pa = prepare(a);
  const pb = prepare(b);
  if (!pa.birthDate || pa.birthDate !== pb.birthDate) return false;
  const na = pa.name.view;
  const nb = pb.name.view;
  if (compareTokens(na.family, nb.family).similarity < 0.9) return false;
  if (na.first && nb.first && na.first === nb.first) return false;
  const sa = a.institutionNumbers ?? [];
  const sb = b.institutionNumbers ?? [];
  if (sa.length && sb.length) return sa.some((s) => sb.includes(s));
  return !a.municipalityCode || !b.municipalityCode || a.municipalityCode === b.municipalityCode;
}

/**
 * The candidate could be the twin of a pupil who has a twin in the source: same birth date and
 * family name, first name not the same, not in another municipality.
 */
function twinOfPupil(e: CandidateEvaluation): boolean {
  return e.birth === 'exact' && e.names.family.similarity >= 0.9 && e.names.first.level !== 'exact' && e.place !== 'other_municipality';
}

function linkedElsewhereInSource(pupil: MatchPupil, child: MatchChild): boolean {
  return (child.linkedPupils ?? []).some((r) => r.sourceId === pupil.sourceId && r.externalId !== pupil.externalId);
}

interface Scored {
  child: MatchChild;
  e: CandidateEvaluation;
}

/**
 * Decides one pupil against its candidate children (from blockCandidates):
 *
 * 1. CPR hash equal to exactly one child's → linked (method cpr, score 1).
 * 2. Else UNI-Login id equal to one already linked to exactly one child → linked (uni_login).
 * 3. Else probabilistic (scoreCandidate): the best candidate is linked only if its score is
 *    ≥ autoThreshold AND no second candidate is within the margin AND it has no twin among the
 *    candidates AND the pupil has no twin in its source AND the child is not already linked to
 *    another pupil of the same source AND no CPR / UNI-Login conflicts. Otherwise candidates
 *    ≥ reviewThreshold (plus twins and conflicting identifier matches) are proposed for review;
 *    with none, the pupil stays unlinked.
 *
 * Rejected pairs are never linked nor proposed. A rejected deterministic match (a person said
 * "not this child" although the CPR hash or UNI-Login id agrees) blocks every automatic link
 * for the pupil: its data contradicts itself. Deterministic identifiers that contradict each
 * other (CPR hash → one child, UNI-Login → another) go to review.
 */
export function decideMatch(pupil: MatchPupil, candidates: readonly MatchChild[], opts: DecideOptions): MatchDecision {
  const t = validate(opts);
  const key = pupilKey(pupil);
  const rejected = opts.rejected;
  const isRejected = (c: MatchChild) => !!rejected && rejected.has(pairKey(key, c.id));
  const reasons: MatchReason[] = [];
  const note = (r: MatchReason) => {
    if (!reasons.includes(r)) reasons.push(r);
  };
  /** Children a reviewer must see whatever their score. */
  const forced = new Set<MatchChild>();
  let blockAuto = false;
  const deterministic = (child: MatchChild, method: MatchMethod, reason: MatchReason): MatchDecision => ({
    pupilKey: key,
    kind: 'linked',
    childId: child.id,
    method,
    score: 1,
    candidates: [{ childId: child.id, ...scoreCandidate(pupil, child) }],
    reasons: [reason],
  });

  // 1. CPR hash.
  const cprHits = pupil.cprHmac ? candidates.filter((c) => c.cprHmac === pupil.cprHmac) : [];
  const cprLive = cprHits.filter((c) => !isRejected(c));
  if (cprLive.length < cprHits.length) {
    note('deterministic_match_rejected');
    blockAuto = true;
  }
  // 2. UNI-Login id already linked to a child.
  const uni = pupil.uniLoginId;
  const uniHits = uni ? candidates.filter((c) => c.uniLoginIds?.includes(uni)) : [];
  const uniLive = uniHits.filter((c) => !isRejected(c));
  if (uniLive.length < uniHits.length) {
    note('deterministic_match_rejected');
    blockAuto = true;
  }

  if (cprLive.length > 1) {
    note('identifier_ambiguous');
    blockAuto = true;
    cprLive.forEach((c) => forced.add(c));
  } else if (cprLive.length === 1) {
    const child = cprLive[0];
    const uniElsewhere = uniHits.some((c) => c !== child);
    if (!blockAuto && !uniElsewhere) return deterministic(child, 'cpr', 'cpr_match');
    if (uniElsewhere) note('uni_login_conflict');
    blockAuto = true;
    forced.add(child);
    uniLive.forEach((c) => forced.add(c));
  } else if (uniLive.length > 1) {
    note('identifier_ambiguous');
    blockAuto = true;
    uniLive.forEach((c) => forced.add(c));
  } else if (uniLive.length === 1) {
    const child = uniLive[0];
    const cprConflict = !!pupil.cprHmac && !!child.cprHmac && pupil.cprHmac !== child.cprHmac;
    if (!blockAuto && !cprConflict) return deterministic(child, 'uni_login', 'uni_login_match');
    if (cprConflict) note('cpr_conflict');
    blockAuto = true;
    forced.add(child);
  }

  // 3. Probabilistic.
  const scored: Scored[] = candidates
    .filter((c) => !isRejected(c))
    .map((child) => ({ child, e: evaluateCandidate(pupil, child) }))
    .sort((a, b) => b.e.score - a.e.score || (a.child.id < b.child.id ? -1 : a.child.id > b.child.id ? 1 : 0));
  const proposal = (x: Scored): ProposedCandidate => ({ childId: x.child.id, ...explainCandidate(pupil, x.child, x.e) });
  const best = scored[0];
  if (!best) {
    note('no_candidates');
    return { pupilKey: key, kind: 'unlinked', method: 'probabilistic', score: 0, candidates: [], reasons };
  }

  // Twins: among the candidates (rejected ones count: they are still the twin), and in the source.
  const twinSiblings = best.e.score >= t.reviewThreshold ? candidates.filter((c) => looksLikeTwins(best.child, c)) : [];
  if (twinSiblings.length) {
    note('twin_candidates');
    twinSiblings.filter((c) => !isRejected(c)).forEach((c) => forced.add(c));
  }
  if (opts.pupilHasTwin) {
    const twinLike = scored.filter((x) => twinOfPupil(x.e));
    if (twinLike.length || best.e.score >= t.reviewThreshold) note('twin_in_source');
    twinLike.forEach((x) => forced.add(x.child));
  }

  if (best.e.score >= t.autoThreshold) {
    const second = scored[1];
    if (second && second.e.score >= Math.max(t.reviewThreshold, best.e.score - t.margin)) note('ambiguous');
    if (linkedElsewhereInSource(pupil, best.child)) note('candidate_already_linked');
    const bestUni = best.child.uniLoginIds ?? [];
    if (pupil.cprHmac && best.child.cprHmac && pupil.cprHmac !== best.child.cprHmac) note('cpr_conflict');
    if ((uni && bestUni.length && !bestUni.includes(uni)) || uniHits.some((c) => c !== best.child)) note('uni_login_conflict');
    if (!blockAuto && reasons.length === 0) {
      return {
        pupilKey: key,
        kind: 'linked',
        childId: best.child.id,
        method: 'probabilistic',
        score: best.e.score,
        candidates: [proposal(best)],
        reasons: ['above_auto_threshold'],
      };
    }
  }

  const proposals = scored.filter((x) => x.e.score >= t.reviewThreshold || forced.has(x.child));
  if (proposals.length === 0) {
    note('below_review_threshold');
    return { pupilKey: key, kind: 'unlinked', method: 'probabilistic', score: best.e.score, candidates: [], reasons };
  }
  if (best.e.score < t.autoThreshold && best.e.score >= t.reviewThreshold) note('between_thresholds');
  return {
    pupilKey: key,
    kind: 'pending_review',
    method: 'probabilistic',
    score: best.e.score,
    candidates: proposals.slice(0, opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES).map(proposal),
    reasons,
  };
}
