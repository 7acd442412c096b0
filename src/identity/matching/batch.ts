import type { CandidateIndex } from './block';
import { decideMatch, pupilKey } from './decide';
import { tokenSoundKey } from './normalise';
import { prepare } from './score';
import type { DecideOptions, MatchDecision, MatchPupil } from './types';

/**
 * Pupils with a twin-like pupil in the same source: same birth date, same family name (sound
 * key), same school (or municipality when the school is not sent), different first names.
 * Returns their pupilKeys. Pupils without a birth date are never grouped.
 */
export function detectPupilTwins(pupils: Iterable<MatchPupil>): Set<string> {
  const groups = new Map<string, { key: string; first: string }[]>();
  for (const p of pupils) {
    const prep = prepare(p);
    const v = prep.name.view;
    if (!prep.birthDate || !v.family || !v.first) continue;
    const g = `${p.sourceId}\u0000${prep.birthDate}\u0000${tokenSoundKey(v.family)}\u0000${p.institutionNumber ?? p.municipalityCode ?? ''}`;
    const list = groups.get(g);
    const entry = { key: pupilKey(p), first: v.first };
    if (list) list.push(entry);
    else groups.set(g, [entry]);
  }
  const out = new Set<string>();
  for (const list of groups.values()) {
    if (list.length < 2 || new Set(list.map((e) => e.first)).size < 2) continue;
    for (const e of list) out.add(e.key);
  }
  return out;
}

export type MatchBatchOptions = Omit<DecideOptions, 'pupilHasTwin'>;

/**
 * Decides a batch of pupils (one sync's pupils, or all unlinked pupils of a source) against
 * the indexed children. Besides decideMatch per pupil: twins within the batch are detected
 * first, and when two pupils of one source land on the same child, every probabilistic link
 * among them is demoted to review (a deterministic one stays). The result does not depend on
 * the order of `pupils`.
 */
export function matchPupils(pupils: readonly MatchPupil[], index: CandidateIndex, opts: MatchBatchOptions): MatchDecision[] {
  const twins = detectPupilTwins(pupils);
  const decisions = pupils.map((p) => {
    const key = pupilKey(p);
    return decideMatch(p, index.candidates(p), { ...opts, pupilHasTwin: twins.has(key) });
  });
  const claims = new Map<string, number[]>();
  decisions.forEach((d, i) => {
    if (d.kind !== 'linked') return;
    const claim = JSON.stringify([pupils[i].sourceId, d.childId]);
    const list = claims.get(claim);
    if (list) list.push(i);
    else claims.set(claim, [i]);
  });
  for (const list of claims.values()) {
    if (list.length < 2) continue;
    for (const i of list) {
      const d = decisions[i];
      if (d.method !== 'probabilistic') continue;
      decisions[i] = { ...d, kind: 'pending_review', childId: undefined, reasons: ['claimed_twice_in_source'] };
    }
  }
  return decisions;
}
