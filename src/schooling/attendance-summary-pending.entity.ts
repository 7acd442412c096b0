import { Entity, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { Child } from '../children/child.entity';

/**
 * Children whose attendance changed since their summaries were computed. Written in the same
 * transaction as the attendance rows, so a crash never loses the need to recompute.
 */
@Entity()
export class AttendanceSummaryPending {
  [OptionalProps]?: 'queuedAt';

  @ManyToOne(() => Child, { primary: true, deleteRule: 'cascade' })
  child!: Child;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  queuedAt: Date = new Date();
}
