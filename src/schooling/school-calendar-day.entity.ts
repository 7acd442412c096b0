import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp } from '@mikro-orm/core';
import { Municipality } from '../municipalities/municipality.entity';

/**
 * One school day (skoledag) of a municipality's school calendar: the municipality sets one
 * holiday plan for its folkeskoler (DOMAIN.md). Absence-only sources (the Danish CSV export)
 * send only days absent, so the summaries take the days present from here. Not readable by
 * partner apps (Migration20261124050000).
 */
@Entity()
export class SchoolCalendarDay {
  [PrimaryKeyProp]?: ['municipality', 'date'];

  @ManyToOne(() => Municipality, { primary: true, deleteRule: 'cascade' })
  municipality!: Municipality;

  @PrimaryKey({ type: 'date' })
  date!: string;
}
