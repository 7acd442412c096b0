import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../platform/config';
import { SourceSystemKind } from '../sources/source-system.entity';
import {
  loadCandidateChildren,
  loadRejections,
  loadSameBirthDatePupils,
  loadSource,
  loadWaitingPupils,
  lockSource,
  schoolSourcesOf,
  writeDecisions,
  type LoadedPupil,
  type StagedDecision,
} from './identity-matching.store';
import { buildCandidateIndex, matchPupils, pairKey, pupilKey, type MatchChild, type MatchDecision, type MatchReason, type MatchThresholds } from './matching';

// The matching pipeline for one source: load the pupil records waiting for a decision, decide
// them with the pure core (./matching) against the hub children they could be, and store the
// decisions as identity_link rows — all in one transaction, serialised per source.

/**
 * Reason the pipeline adds on top of the core's MatchReason values: a probabilistic match to a
 * child of another municipality than the source's is never linked automatically (the core
 * already scores such a match ≤ 0.85; this holds whatever the thresholds are set to).
 */
export const OTHER_MUNICIPALITY_REASON: MatchReason = 'candidate_in_other_municipality';

export interface IdentityMatchCounts {
  /** Records that got a decision (linked and settled records are not re-decided). */
  considered: number;
  /** Automatic links decided in this run, by method. */
  linked: { cpr: number; uni_login: number; probabilistic: number };
  pendingReview: number;
  /** Records with no candidate: deleted (data minimisation). */
  unlinked: number;
  /** Links that became status linked in this run: their school data arrives with a full sync. */
  newLinks: number;
  /** Records a sync changed while they were being decided: they wait for the next run. */
  stale: number;
  ms: { load: number; match: number; write: number };
}

export type SourceMatchOutcome =
  | { kind: 'matched'; sourceSystemId: string; counts: IdentityMatchCounts }
  /** A case-system source: its municipality's school sources are to be matched (all records). */
  | { kind: 'fan_out'; schoolSourceIds: string[] }
  | { kind: 'unknown_source' };

export interface MatchSourceOptions {
  /** Also re-decide records already decided but not linked (proposals, rejections): after the hub's children changed. */
  all?: boolean;
}

export function matchThresholds(config: Pick<Config, 'MATCH_AUTO_THRESHOLD' | 'MATCH_REVIEW_THRESHOLD' | 'MATCH_MARGIN'>): Required<MatchThresholds> {
  return { autoThreshold: config.MATCH_AUTO_THRESHOLD, reviewThreshold: config.MATCH_REVIEW_THRESHOLD, margin: config.MATCH_MARGIN };
}

const clock = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Matches the pupil records of a school source that wait for a decision. Never changes a linked
 * link, nor a person's decision — except that a rejected record with a new candidate (one not
 * rejected) goes back to the review queue.
 */
export async function matchSourcePupils(
  em: EntityManager,
  sourceSystemId: string,
  thresholds: MatchThresholds,
  opts: MatchSourceOptions = {},
): Promise<SourceMatchOutcome> {
  const source = await loadSource(em, sourceSystemId);
  if (!source) return { kind: 'unknown_source' };
  if (source.kind === SourceSystemKind.CaseSystem) return { kind: 'fan_out', schoolSourceIds: await schoolSourcesOf(em, source.municipalityId) };

  return em.transactional(async (tx) => {
    const t0 = clock();
    await lockSource(tx, source.id);
    const all = !!opts.all;
    const waiting = await loadWaitingPupils(tx, source, all);
    const open = waiting.filter(isOpen);
    const settled = waiting.filter((r) => !isOpen(r));
    const birthDates = new Set(open.flatMap((r) => (r.pupil.birthDate ? [r.pupil.birthDate] : [])));
    const sameBirthDate = await loadSameBirthDatePupils(tx, source, all, [...birthDates]);
    const children = open.length ? await loadCandidateChildren(tx, source, open.map((r) => r.pupil)) : [];
    const rejected = new Set((await loadRejections(tx, source.id)).map((r) => pairKey({ sourceId: source.id, externalId: r.externalId }, r.childId)));
    const t1 = clock();

    // Settled records of the same birth dates go through the batch too, so twins and children
    // claimed twice are seen across the whole source; only the open records' decisions are kept.
    const context = [...settled, ...sameBirthDate].filter((r) => r.pupil.birthDate && birthDates.has(r.pupil.birthDate));
    const decisions = open.length ? matchPupils([...open, ...context].map((r) => r.pupil), buildCandidateIndex(children), { ...thresholds, rejected }) : [];
    const childById = new Map(children.map((c) => [c.id, c]));
    const staged: StagedDecision[] = [
      ...open.map((r, i) => stage(r, decisions[i], childById, source.municipalityCode)),
      ...settled.map((r) => mark(r)),
    ];
    const t2 = clock();

    const written = staged.length ? await writeDecisions(tx, source.id, staged) : undefined;
    const t3 = clock();
    const counts: IdentityMatchCounts = {
      considered: open.length,
      linked: written?.linked ?? { cpr: 0, uni_login: 0, probabilistic: 0 },
      pendingReview: written?.pendingReview ?? 0,
      unlinked: written?.dropped ?? 0,
      newLinks: written?.newLinks ?? 0,
      stale: written ? staged.length - written.kept - written.dropped : 0,
      ms: { load: t1 - t0, match: t2 - t1, write: t3 - t2 },
    };
    return { kind: 'matched' as const, sourceSystemId: source.id, counts };
  });
}

/** A record is decided unless it is linked or a person's decision holds it (only a rejection may reopen). */
function isOpen(r: LoadedPupil): boolean {
  if (r.linkStatus === 'linked') return false;
  return !(r.decided && r.linkStatus === 'pending_review');
}

function mark(r: LoadedPupil): StagedDecision {
  return { externalId: r.pupil.externalId, version: r.version, action: 'mark', childId: null, method: null, confidence: null, candidates: null, reasons: null, uniLoginId: null };
}

function stage(r: LoadedPupil, d: MatchDecision, childById: Map<string, MatchChild>, sourceMunicipality: string): StagedDecision {
  if (d.pupilKey !== pupilKey(r.pupil)) throw new Error('matching decisions out of order');
  const base = { externalId: r.pupil.externalId, version: r.version, uniLoginId: r.pupil.uniLoginId, method: d.method, confidence: d.score, candidates: d.candidates, reasons: d.reasons as string[] };
  if (d.kind === 'unlinked') return { ...base, action: 'drop', childId: null, candidates: [], reasons: d.reasons };
  if (d.kind === 'pending_review') return { ...base, action: 'review', childId: null };
  const child = childById.get(d.childId!);
  // Data crosses to another municipality's child only by a person's decision, whatever the
  // evidence (the sync's deterministic links stay inside the source's municipality too).
  if (child?.municipalityCode !== sourceMunicipality) {
    return { ...base, action: 'review', childId: null, reasons: [OTHER_MUNICIPALITY_REASON, ...d.reasons.filter((x) => x !== 'above_auto_threshold')] };
  }
  // One record per child and source, for deterministic links too (a duplicate pupil record).
  if (child.linkedPupils?.some((p) => p.sourceId === r.pupil.sourceId && p.externalId !== r.pupil.externalId)) {
    return { ...base, action: 'review', childId: null, reasons: ['candidate_already_linked', ...d.reasons.filter((x) => x !== 'cpr_match' && x !== 'uni_login_match')] };
  }
  // A person said this record is none of the children proposed before: a new candidate is
  // proposed to a person again, never linked automatically.
  if (r.linkStatus === 'rejected') return { ...base, action: 'review', childId: null };
  return { ...base, action: 'link', childId: d.childId! };
}
