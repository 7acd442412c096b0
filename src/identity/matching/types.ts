import type { IdentityLinkMethod, IdentityLinkStatus } from '../identity-link.entity';

// Shapes of the pure matching core. No database, no GraphQL: a pipeline job loads these from
// canonical `pupil` records and hub children (with their current identity links), calls
// decideMatch / matchPupils, and writes the decisions as identity_link rows.
//
// Records are treated as immutable: parsed names are cached per object (WeakMap).

/** A pupil of a school source, as the canonical `pupil` record plus where the pupil goes to school. */
export interface MatchPupil {
  sourceId: string;
  /** The pupil's id in that source. */
  externalId: string;
  /** Keyed hash of the CPR number (same key as the hub's); never a clear CPR number. */
  cprHmac: string | null;
  uniLoginId: string | null;
  firstName: string | null;
  lastName: string | null;
  /** 'YYYY-MM-DD'. */
  birthDate: string | null;
  /** Institutionsnummer of the pupil's school, when the source sends it. */
  institutionNumber: string | null;
  /** Kommunekode of the pupil's school (or of the source's municipality). */
  municipalityCode: string | null;
}

/** A source record already linked to a child (an identity_link with status linked). */
export interface PupilRef {
  sourceId: string;
  externalId: string;
}

/** A hub child with what the hub already knows about it. */
export interface MatchChild {
  id: string;
  cprHmac: string | null;
  firstName: string | null;
  lastName: string | null;
  birthDate: string | null;
  /** Kommunekode of the municipality responsible for the child. */
  municipalityCode: string | null;
  /** Schools the hub knows for the child (enrolments from linked sources, case data). */
  institutionNumbers?: readonly string[];
  /** UNI-Login ids on the child's identity links with status linked. */
  uniLoginIds?: readonly string[];
  /** Source records already linked to the child. */
  linkedPupils?: readonly PupilRef[];
}

/** Methods a decision can carry: identity_link.method without 'manual' (only a person links manually). */
export type MatchMethod = Exclude<`${IdentityLinkMethod}`, 'manual'>;
/** identity_link.status of a stored decision; an unlinked pupil is dropped, never stored. */
export type MatchKind = Exclude<`${IdentityLinkStatus}`, 'rejected'> | 'unlinked';

/** Why a decision is what it is (shown to the reviewer, counted by the pipeline). */
export type MatchReason =
  | 'cpr_match'
  | 'uni_login_match'
  | 'above_auto_threshold'
  | 'between_thresholds'
  | 'below_review_threshold'
  | 'no_candidates'
  /** A second candidate scores within the margin of the best. */
  | 'ambiguous'
  /** Two candidate children look like twins (same birth date, surname and school/municipality). */
  | 'twin_candidates'
  /** The pupil has a twin-like pupil in the same source. */
  | 'twin_in_source'
  /** The best candidate is already linked to another pupil of the same source. */
  | 'candidate_already_linked'
  /** Two pupils of one source matched the same child in this batch (see matchPupils). */
  | 'claimed_twice_in_source'
  /** Pupil and candidate carry different CPR hashes. */
  | 'cpr_conflict'
  /** The pupil's UNI-Login id differs from the one(s) linked to the candidate, or is linked to another child. */
  | 'uni_login_conflict'
  /** CPR hash or UNI-Login id point at more than one child. */
  | 'identifier_ambiguous'
  /** A deterministic match was rejected by a person before: nothing is linked automatically. */
  | 'deterministic_match_rejected'
  /** The pipeline's rule: a probabilistic match to a child of another municipality is only proposed. */
  | 'candidate_in_other_municipality';

export type MatchField = 'first_name' | 'last_name' | 'middle_names' | 'birth_date' | 'school' | 'municipality' | 'cpr' | 'uni_login';

/** Field-level comparison of one pupil with one child: only field names, never values or CPR. */
export interface CandidateScore {
  /** 0–1, rounded to 3 decimals (identity_link.confidence is numeric(4,3)). */
  score: number;
  /** Fields that agree exactly (after normalisation). */
  agree: MatchField[];
  /** Fields that nearly agree (one letter, spelling variant, part of a double surname, ±1 day). */
  partial: MatchField[];
  disagree: MatchField[];
  /** Fields missing on one side. */
  missing: MatchField[];
  /** How partial agreements came about, e.g. 'name_order_swapped', 'birth_date_day_month_swapped'. */
  notes: string[];
  /** Weighted contribution of each scored field; they sum to the score before clamping to [0, 1] and rounding. */
  parts: { firstName: number; lastName: number; middleNames: number; birthDate: number; place: number; nameOrderPenalty: number };
}

export interface ProposedCandidate extends CandidateScore {
  childId: string;
}

export interface MatchDecision {
  /** pupilKey(pupil): the key rejected pairs are remembered under. */
  pupilKey: string;
  kind: MatchKind;
  /** The linked child (kind 'linked' only: a pending review has no chosen child). */
  childId?: string;
  method: MatchMethod;
  /** 1 for deterministic links, else the best candidate's score (0 without candidates). */
  score: number;
  /** Proposals for the reviewer, best first (for 'linked', the linked child first). */
  candidates: ProposedCandidate[];
  reasons: MatchReason[];
}

export interface MatchThresholds {
  /** A unique best candidate at or above this is linked automatically. */
  autoThreshold: number;
  /** Candidates at or above this (and below auto, or ambiguous) wait for a person. */
  reviewThreshold: number;
  /** A second candidate within this of the best makes the match ambiguous. */
  margin?: number;
}

export interface DecideOptions extends MatchThresholds {
  /** pairKey(pupilKey, childId) of pairs a person rejected: never proposed again. */
  rejected?: ReadonlySet<string>;
  /** The pupil has a twin-like pupil in the same source (see detectPupilTwins). */
  pupilHasTwin?: boolean;
  /** At most this many proposals per pupil; default 5. */
  maxCandidates?: number;
}
