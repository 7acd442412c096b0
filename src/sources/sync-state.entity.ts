import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { SourceSystem } from './source-system.entity';

/** The connector's cursor per source and stream, saved in the same transaction as the rows it covers. */
@Entity()
export class SyncState {
  [OptionalProps]?: 'updatedAt';

  @ManyToOne(() => SourceSystem, { primary: true, deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @PrimaryKey({ type: 'text' })
  stream!: string;

  @Property({ type: 'json' })
  state!: unknown;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
