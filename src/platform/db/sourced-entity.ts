import { Entity, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { SourceSystem } from '../../sources/source-system.entity';

/**
 * Every row that came from a source system keeps where it came from. Upserts are
 * idempotent on (source_system_id, external_id); each subclass declares that unique key.
 */
@Entity({ abstract: true })
export abstract class SourcedEntity {
  [OptionalProps]?: 'syncedAt' | 'sourceUpdatedAt';

  @ManyToOne(() => SourceSystem, { deleteRule: 'restrict' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'datetime', nullable: true })
  sourceUpdatedAt?: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  syncedAt!: Date;
}
