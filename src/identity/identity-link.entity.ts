import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourceSystem } from '../sources/source-system.entity';

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
  [OptionalProps]?: 'createdAt' | 'status';

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

  @Property({ type: 'text', nullable: true })
  decidedBy?: string;

  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
