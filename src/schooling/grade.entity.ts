import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { GradeKind, type SevenStepGrade } from './grade-scale';

@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child', 'gradeDate'] })
@Check({ name: 'grade_value_check', expression: "value ~ '^(12|10|7|4|02|00|-3)$'" })
@Check({ name: 'grade_school_year_check', expression: "school_year ~ '^[0-9]{4}/[0-9]{2}$'" })
export class Grade extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  /** The identity link the row reached its child through: unlinking removes exactly these rows. */
  @Property({ type: 'uuid', nullable: true })
  identityLinkId?: string;

  @Property({ type: 'text' })
  subject!: string;

  @Enum({ items: () => GradeKind })
  kind!: GradeKind;

  /** 7-step scale value, exactly as written ("02", not 2). */
  @Property({ type: 'string', length: 2 })
  value!: SevenStepGrade;

  @Property({ type: 'date' })
  gradeDate!: string;

  /** E.g. "2025/26". */
  @Property({ type: 'string', length: 7 })
  schoolYear!: string;
}
