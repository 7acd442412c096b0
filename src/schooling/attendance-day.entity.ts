import { Entity, Enum, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { SourceSystem } from '../sources/source-system.entity';
import { AttendanceStatus } from './attendance-status';

/**
 * One school day of one child. The highest-volume table: keyed by (child, date) with no surrogate
 * key (Migration20261124020000), references kept by set-based triggers instead of per-row foreign
 * key checks (Migration20261124000000: a deleted child takes its attendance along; a source
 * system with attendance cannot be deleted).
 */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
export class AttendanceDay extends SourcedEntity {
  [PrimaryKeyProp]?: ['child', 'date'];

  @ManyToOne(() => SourceSystem, { createForeignKeyConstraint: false })
  override sourceSystem!: SourceSystem;

  @ManyToOne(() => Child, { primary: true, createForeignKeyConstraint: false })
  child!: Child;

  /** The identity link the row reached its child through: unlinking removes exactly these rows. */
  @Property({ type: 'uuid', nullable: true })
  identityLinkId?: string;

  @PrimaryKey({ type: 'date' })
  date!: string;

  @Enum({ items: () => AttendanceStatus })
  status!: AttendanceStatus;

  @Property({ type: 'text', nullable: true })
  note?: string;
}
