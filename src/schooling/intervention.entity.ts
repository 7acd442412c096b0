import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';

/** Knowledge-based learning interventions funded for placed children. */
export enum InterventionKind {
  SmallGroupTeaching = 'small_group_teaching',
  ExtraTeacher = 'extra_teacher',
  IntensiveCourse = 'intensive_course',
  Mentor = 'mentor',
  HomeworkHelp = 'homework_help',
  Other = 'other',
}

@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child', 'startDate'] })
export class Intervention extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Enum({ items: () => InterventionKind })
  kind!: InterventionKind;

  @Property({ type: 'date' })
  startDate!: string;

  @Property({ type: 'date', nullable: true })
  endDate?: string;

  @Property({ type: 'text', nullable: true })
  provider?: string;

  @Property({ type: 'text', nullable: true })
  description?: string;
}
