import { generatePopulation } from '../../synthetic/generator';
import { generateNoisyPupils, type HubChildIdentity, type NoisyPupil, type NoiseKind } from '../../synthetic/noisy-pupils';
import { cprHmac } from '../cpr';
import { matchPupils } from './batch';
import { buildCandidateIndex } from './block';
import { DEFAULT_THRESHOLDS } from './decide';
import type { MatchDecision, MatchThresholds } from './types';

// Matching benchmark on synthetic data: N hub children against M noisy school pupils
// (src/synthetic/noisy-pupils.ts), with blocking. Pure CPU, no database. The lead's bench/
// runner can call runMatchingBench({ children: 12_000, pupils: 50_000 }) and print
// formatMatchingBench(result).

/** A key for synthetic data only. */
const BENCH_CPR_KEY = 'matching-bench-only-cpr-hmac-key-0123456789';

export interface MatchingBenchOptions {
  seed?: number;
  children?: number;
  pupils?: number;
  thresholds?: MatchThresholds;
}

export interface MatchingEvaluation {
  pupils: number;
  /** Pupils whose true child is a hub child. */
  truePupils: number;
  linked: { cpr: number; uni_login: number; probabilistic: number };
  pendingReview: number;
  unlinked: number;
  /** Automatic links to the wrong child (or of a pupil who is no hub child): must be 0. */
  wrongAutoLinks: number;
  /** Correct automatic links ÷ true pupils. */
  recall: number;
  /** Correct probabilistic links ÷ true pupils that had no deterministic identifier to go on. */
  probabilisticRecall: number;
  /** Pending reviews whose true child is among the proposals ÷ pending reviews of true pupils. */
  reviewHitRate: number;
  /** Pending reviews of pupils who are not hub children. */
  reviewOfNonHubPupils: number;
  /** Per noise kind: how the pupils carrying it were decided. */
  byNoise: Partial<Record<NoiseKind, { n: number; linked: number; review: number; unlinked: number; wrong: number }>>;
}

/** Compares decisions with the generator's ground truth. */
export function evaluateMatching(hubChildren: readonly HubChildIdentity[], pupils: readonly NoisyPupil[], decisions: readonly MatchDecision[]): MatchingEvaluation {
  const e: MatchingEvaluation = {
    pupils: pupils.length, truePupils: 0, linked: { cpr: 0, uni_login: 0, probabilistic: 0 }, pendingReview: 0, unlinked: 0,
    wrongAutoLinks: 0, recall: 0, probabilisticRecall: 0, reviewHitRate: 0, reviewOfNonHubPupils: 0, byNoise: {},
  };
  let correct = 0;
  let probCorrect = 0;
  let probEligible = 0;
  let reviewTrue = 0;
  let reviewHit = 0;
  pupils.forEach((p, i) => {
    const d = decisions[i];
    const truth = p.truth.childIndex === null ? null : hubChildren[p.truth.childIndex].id;
    const deterministicPossible = !!p.cprHmac || (truth !== null && hubChildren[p.truth.childIndex!].uniLoginIds.includes(p.uniLoginId ?? ''));
    if (truth) {
      e.truePupils++;
      if (!deterministicPossible) probEligible++;
    }
    let wrong = false;
    if (d.kind === 'linked') {
      e.linked[d.method]++;
      if (d.childId === truth) {
        correct++;
        if (d.method === 'probabilistic' && !deterministicPossible) probCorrect++;
      } else {
        wrong = true;
        e.wrongAutoLinks++;
      }
    } else if (d.kind === 'pending_review') {
      e.pendingReview++;
      if (truth) {
        reviewTrue++;
        if (d.candidates.some((c) => c.childId === truth)) reviewHit++;
      } else e.reviewOfNonHubPupils++;
    } else e.unlinked++;
    for (const k of p.truth.noise) {
      const b = (e.byNoise[k] ??= { n: 0, linked: 0, review: 0, unlinked: 0, wrong: 0 });
      b.n++;
      if (d.kind === 'linked') b.linked++;
      else if (d.kind === 'pending_review') b.review++;
      else b.unlinked++;
      if (wrong) b.wrong++;
    }
  });
  e.recall = e.truePupils ? correct / e.truePupils : 0;
  e.probabilisticRecall = probEligible ? probCorrect / probEligible : 0;
  e.reviewHitRate = reviewTrue ? reviewHit / reviewTrue : 0;
  return e;
}

export interface MatchingBenchResult extends MatchingEvaluation {
  hubChildren: number;
  generateMs: number;
  indexMs: number;
  /** matchPupils: parse, block, score and decide every pupil. */
  matchMs: number;
  /** Blocking alone, measured afterwards (pupils already parsed). */
  blockingMs: number;
  /** Pupil–child pairs scored (sum of block sizes) and the all-pairs count it replaces. */
  comparisons: number;
  allPairs: number;
  maxBlock: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

export function runMatchingBench(opts: MatchingBenchOptions = {}): MatchingBenchResult {
  const seed = opts.seed ?? 7;
  const children = opts.children ?? 12_000;
  const t0 = now();
  const population = generatePopulation({ seed, children });
  // Only the fields matching needs: 12,000 full children with a year of attendance are not kept.
  const stripped = [...population.children()].map(({ index, externalId, municipalityCode, cpr, uniLoginId, firstName, lastName, birthDate, sex, enrollments }) => ({
    index, externalId, municipalityCode, cpr, uniLoginId, firstName, lastName, birthDate, sex, enrollments,
  }));
  const { hubChildren, pupils } = generateNoisyPupils({
    seed, children: stripped, schools: population.schools, pupils: opts.pupils ?? 50_000, hashCpr: (c) => cprHmac(c, BENCH_CPR_KEY),
  });
  const t1 = now();
  const index = buildCandidateIndex(hubChildren);
  const t2 = now();
  // Cold: each pupil's name and date are parsed inside the timed run, as in a real sync.
  const decisions = matchPupils(pupils, index, opts.thresholds ?? DEFAULT_THRESHOLDS);
  const t3 = now();
  let comparisons = 0;
  let maxBlock = 0;
  for (const p of pupils) {
    const n = index.candidates(p).length;
    comparisons += n;
    if (n > maxBlock) maxBlock = n;
  }
  const t4 = now();
  return {
    ...evaluateMatching(hubChildren, pupils, decisions),
    hubChildren: hubChildren.length,
    generateMs: t1 - t0,
    indexMs: t2 - t1,
    matchMs: t3 - t2,
    blockingMs: t4 - t3,
    comparisons,
    allPairs: hubChildren.length * pupils.length,
    maxBlock,
  };
}

export function formatMatchingBench(r: MatchingBenchResult): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    `identity matching: ${r.hubChildren} hub children × ${r.pupils} pupils (${r.truePupils} are hub children)`,
    `  generate ${(r.generateMs / 1000).toFixed(1)} s · index ${r.indexMs.toFixed(0)} ms · match (parse + block + score + decide) ${(r.matchMs / 1000).toFixed(2)} s = ${Math.round(r.pupils / (r.matchMs / 1000))} pupils/s · blocking alone ${r.blockingMs.toFixed(0)} ms`,
    `  pairs scored ${r.comparisons} (${(r.comparisons / r.pupils).toFixed(1)} per pupil, max ${r.maxBlock}) instead of ${r.allPairs} (${((100 * r.comparisons) / r.allPairs).toFixed(3)} %)`,
    `  linked cpr ${r.linked.cpr} · uni_login ${r.linked.uni_login} · probabilistic ${r.linked.probabilistic} · review ${r.pendingReview} (${r.reviewOfNonHubPupils} not hub children) · unlinked ${r.unlinked}`,
    `  wrong automatic links ${r.wrongAutoLinks} · recall of automatic links ${pct(r.recall)} (probabilistic only, where no CPR/UNI-Login: ${pct(r.probabilisticRecall)}) · true child among review proposals ${pct(r.reviewHitRate)}`,
  ];
}

// `node dist/src/identity/matching/bench-matching.js [children] [pupils] [seed]` after `npm run build`.
if (require.main === module) {
  const [children, pupils, seed] = process.argv.slice(2).map((a) => (a ? Number(a) : undefined));
  console.log(formatMatchingBench(runMatchingBench({ children, pupils, seed })).join('\n'));
}
