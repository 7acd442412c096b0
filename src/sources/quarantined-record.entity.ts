import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { SourceSystem } from './source-system.entity';
import { SyncRun } from './sync-run.entity';

/** A source record that failed mapping or validation. The payload is stored with CPR redacted. */
@Entity()
@Index({ properties: ['sourceSystem', 'resolvedAt'] })
// One open entry per source record: a record that fails again refreshes its entry.
@Index({
  name: 'quarantined_record_open_unique',
  expression:
    'create unique index "quarantined_record_open_unique" on "quarantined_record" ("source_system_id", "stream", "external_id") where "resolved_at" is null',
})
export class QuarantinedRecord {
  [OptionalProps]?: 'firstSeenAt' | 'lastSeenAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => SourceSystem, { deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @ManyToOne(() => SyncRun, { nullable: true, deleteRule: 'set null' })
  syncRun?: SyncRun;

  @Property({ type: 'text' })
  stream!: string;

  @Property({ type: 'text', nullable: true })
  externalId?: string;

  @Property({ type: 'json' })
  redactedPayload!: unknown;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  firstSeenAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  lastSeenAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  resolvedAt?: Date;

  @Property({ type: 'text', nullable: true })
  resolution?: string;

  /** Who closed it: an admin actor, or null when a later valid read closed it. */
  @Property({ type: 'text', nullable: true })
  resolvedBy?: string;

  @Property({ type: 'text', nullable: true })
  resolutionNote?: string;
}
