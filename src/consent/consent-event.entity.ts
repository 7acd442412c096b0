import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Consent } from './consent.entity';

export enum ConsentEventKind {
  Granted = 'granted',
  Withdrawn = 'withdrawn',
  Expired = 'expired',
  Superseded = 'superseded',
  Suspended = 'suspended',
  /** Moved to the kept child when its child was merged into another (status unchanged). */
  Merged = 'merged',
}

/** Append-only history of a consent: who did what, when, and why. */
@Entity()
@Index({ properties: ['consent', 'occurredAt'] })
export class ConsentEvent {
  [OptionalProps]?: 'occurredAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Consent, { deleteRule: 'cascade' })
  consent!: Consent;

  @Enum({ items: () => ConsentEventKind })
  kind!: ConsentEventKind;

  @Property({ type: 'text' })
  actor!: string;

  @Property({ type: 'text', nullable: true })
  reason?: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  occurredAt: Date = new Date();
}
