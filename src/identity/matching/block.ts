export { namePairKeys } from './normalise';
import { prepare } from './score';
import type { MatchChild, MatchPupil } from './types';

// Candidate blocking: a pupil is compared only with the children that share a block with it,
// not with all of them (50,000 pupils × 12,000 children would be 600 million comparisons).
// Blocks, all Map lookups:
//   · CPR hash, UNI-Login ids already linked (the deterministic steps need those children);
//   · birth date, and its typo neighbourhood (±1 day, day/month swapped);
//   · every pair (given-name token, surname token) of sound keys, unordered ("frj|nlsn"), so
//     swapped name order, dropped middle names, a split or hyphenated double surname and
//     most spelling variants still meet; this is the block for pupils without a birth date,
//     or with one far off.
// A pupil missing both an exact-ish birth date and any intact name pair is not found: such a
// pupil could never be linked automatically anyway, and stays unlinked.

export interface CandidateIndexStats {
  children: number;
  birthDateKeys: number;
  namePairKeys: number;
  largestNamePairBlock: number;
}

export class CandidateIndex {
  private readonly byCpr = new Map<string, MatchChild[]>();
  private readonly byUniLogin = new Map<string, MatchChild[]>();
  private readonly byBirthDate = new Map<string, MatchChild[]>();
  private readonly byNamePair = new Map<string, MatchChild[]>();
  readonly size: number;

  constructor(children: Iterable<MatchChild>) {
    let n = 0;
    for (const c of children) {
      n++;
      if (c.cprHmac) add(this.byCpr, c.cprHmac, c);
      for (const u of new Set(c.uniLoginIds ?? [])) add(this.byUniLogin, u, c);
      const p = prepare(c);
      if (p.birthDate) add(this.byBirthDate, p.birthDate, c);
      for (const k of p.name.pairKeys) add(this.byNamePair, k, c);
    }
    this.size = n;
  }

  /** The children sharing a block with the pupil, each once, in index order of first appearance. */
  candidates(pupil: MatchPupil): MatchChild[] {
    const seen = new Set<MatchChild>();
    const take = (list: MatchChild[] | undefined) => {
      if (list) for (const c of list) seen.add(c);
    };
    if (pupil.cprHmac) take(this.byCpr.get(pupil.cprHmac));
    if (pupil.uniLoginId) take(this.byUniLogin.get(pupil.uniLoginId));
    const p = prepare(pupil);
    if (p.birth) {
      take(this.byBirthDate.get(p.birth.iso));
      for (const d of p.birth.near) take(this.byBirthDate.get(d));
    }
    for (const k of p.name.pairKeys) take(this.byNamePair.get(k));
    return [...seen];
  }

  stats(): CandidateIndexStats {
    let largest = 0;
    for (const l of this.byNamePair.values()) largest = Math.max(largest, l.length);
    return { children: this.size, birthDateKeys: this.byBirthDate.size, namePairKeys: this.byNamePair.size, largestNamePairBlock: largest };
  }
}

function add(map: Map<string, MatchChild[]>, key: string, c: MatchChild): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

export function buildCandidateIndex(children: Iterable<MatchChild>): CandidateIndex {
  return new CandidateIndex(children);
}

/** The children worth scoring against this pupil (see the blocks above). */
export function blockCandidates(index: CandidateIndex, pupil: MatchPupil): MatchChild[] {
  return index.candidates(pupil);
}
