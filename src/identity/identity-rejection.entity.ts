import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourceSystem } from '../sources/source-system.entity';

/**
 * A person's decision that a source record is not this child (rejectLink, unlink, splitChild):
 * remembered so the pair is never proposed or linked automatically again.
 */
@Entity()
@Index({ properties: ['child'] })
export class IdentityRejection {
  [OptionalProps]?: 'decidedAt';

  @ManyToOne(() => SourceSystem, { primary: true, deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @PrimaryKey({ type: 'text' })
  externalId!: string;

  @ManyToOne(() => Child, { primary: true, deleteRule: 'cascade' })
  child!: Child;

  @Property({ type: 'text' })
  decidedBy!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  decidedAt: Date = new Date();
}
