import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';

/** The four indicators of the national wellbeing survey (trivselsmåling). */
export enum WellbeingIndicator {
  /** Faglig trivsel. */
  Academic = 'academic',
  /** Social trivsel. */
  Social = 'social',
  /** Støtte og inspiration. */
  SupportAndInspiration = 'support_and_inspiration',
  /** Ro og orden. */
  PeaceAndOrder = 'peace_and_order',
}

@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child', 'surveyYear'] })
@Check({ name: 'wellbeing_score_check', expression: 'score >= 1 and score <= 5' })
export class Wellbeing extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  /** The identity link the row reached its child through: unlinking removes exactly these rows. */
  @Property({ type: 'uuid', nullable: true })
  identityLinkId?: string;

  @Enum({ items: () => WellbeingIndicator })
  indicator!: WellbeingIndicator;

  /** Indicator score on the survey's 1–5 scale (mean of its questions). */
  @Property({ type: 'decimal', precision: 3, scale: 2 })
  score!: string;

  /** Calendar year of the survey (held 20 January – 20 March). */
  @Property({ type: 'smallint' })
  surveyYear!: number;
}
