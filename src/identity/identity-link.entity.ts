import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourceSystem } from '../sources/source-system.entity';
import type { ProposedCandidate } from './matching/types';

export enum IdentityLinkMethod {
  Cpr = 'cpr',
  UniLogin = 'uni_login',
  Manual = 'manual',
  Probabilistic = 'probabilistic',
}

export enum IdentityLinkStatus {
  Linked = 'linked',
  PendingReview = 'pending_review',
  Rejected = 'rejected',
}

/** Maps a person record in a source system (source, external id) to a hub child. */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child'] })
@Index({ properties: ['status', 'createdAt'] })
@Index({
  name: 'identity_link_uni_login_id_index',
  expression: 'create index "identity_link_uni_login_id_index" on "identity_link" ("uni_login_id") where "uni_login_id" is not null',
})
export class IdentityLink {
  [OptionalProps]?: 'createdAt' | 'status' | 'candidates' | 'reasons' | 'statusChangedAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => SourceSystem, { deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  externalId!: string;

  /** Null while a candidate awaits review without a chosen child. */
  @ManyToOne(() => Child, { nullable: true, deleteRule: 'cascade' })
  child?: Child;

  @Enum({ items: () => IdentityLinkMethod })
  method!: IdentityLinkMethod;

  /** Match confidence 0–1 (1 for deterministic methods). */
  @Property({ type: 'decimal', precision: 4, scale: 3 })
  confidence!: string;

  @Enum({ items: () => IdentityLinkStatus })
  status: IdentityLinkStatus = IdentityLinkStatus.Linked;

  /** UNI-Login user id of the pupil, where the source has one. */
  @Property({ type: 'text', nullable: true })
  uniLoginId?: string;

  /**
   * For a pending review: the proposed children, best first, with the fields that agree or
   * disagree (field names only, never values). Kept on a decided link as the evidence it was
   * decided on.
   */
  @Property({ type: 'json', defaultRaw: `'[]'` })
  candidates: ProposedCandidate[] = [];

  /** Why the matcher decided as it did (MatchReason values), e.g. twin_candidates. */
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  reasons: string[] = [];

  /** When the status last changed: a pending link's age in the review queue. */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  statusChangedAt: Date = new Date();

  /** Who decided (admin client id), for manual links and reviewed matches; null for automatic ones. */
  @Property({ type: 'text', nullable: true })
  decidedBy?: string;

  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
