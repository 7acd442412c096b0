import { randomUUID } from 'node:crypto';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { School } from './school.entity';

/** A child's enrolment at a school in a grade level (0. klasse = børnehaveklasse … 10. klasse). */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child', 'startDate'] })
@Check({ name: 'enrollment_grade_level_check', expression: 'grade_level >= 0 and grade_level <= 10' })
export class Enrollment extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  /** The identity link the row reached its child through: unlinking removes exactly these rows. */
  @Property({ type: 'uuid', nullable: true })
  identityLinkId?: string;

  @ManyToOne(() => School, { deleteRule: 'restrict' })
  school!: School;

  @Property({ type: 'smallint' })
  gradeLevel!: number;

  /** Class name as the school uses it, e.g. "7.B". */
  @Property({ type: 'text', nullable: true })
  className?: string;

  @Property({ type: 'date' })
  startDate!: string;

  @Property({ type: 'date', nullable: true })
  endDate?: string;
}
