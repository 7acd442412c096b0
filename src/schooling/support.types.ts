import { LocalDateResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { InterventionKind } from './intervention.entity';
import { WellbeingIndicator } from './wellbeing.entity';

export const WellbeingIndicatorEnum = graphqlEnum(WellbeingIndicator, 'WellbeingIndicator', 'The four indicators of the national wellbeing survey (trivselsmåling).');
export const InterventionKindEnum = graphqlEnum(InterventionKind, 'InterventionKind', 'Kind of extra school support.');

@ObjectType('Wellbeing', { description: 'One indicator of the yearly national wellbeing survey, 1–5.' })
export class WellbeingView {
  @Field(() => WellbeingIndicatorEnum) indicator!: WellbeingIndicator;
  @Field(() => Float) score!: number;
  @Field(() => Int) surveyYear!: number;
}

@ObjectType('Intervention', { description: 'Extra support at school: small-group teaching, mentor, homework help, …' })
export class InterventionView {
  @Field(() => ID) id!: string;
  @Field(() => InterventionKindEnum) kind!: InterventionKind;
  @Field(() => LocalDateResolver) startDate!: string;
  @Field(() => LocalDateResolver, { nullable: true }) endDate!: string | null;
  @Field(() => String, { nullable: true }) provider!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
}

/** The two statutory absence thresholds (since 2019), per quarter of unauthorised absence. */
export enum AbsenceAlertLevel {
  /** ≥ 10 %: the school leader must warn the parents. */
  WarnParents = 'warn_parents',
  /** ≥ 15 %: the school leader must notify the municipality. */
  NotifyMunicipality = 'notify_municipality',
}
export const AbsenceAlertLevelEnum = graphqlEnum(AbsenceAlertLevel, 'AbsenceAlertLevel');

@ObjectType('AbsenceAlert', { description: 'A quarter in which unauthorised absence crossed a statutory threshold.' })
export class AbsenceAlertView {
  @Field(() => AbsenceAlertLevelEnum) level!: AbsenceAlertLevel;
  @Field(() => LocalDateResolver) periodStart!: string;
  @Field(() => LocalDateResolver) periodEnd!: string;
  @Field(() => Float) unauthorisedPercent!: number;
}

export function absenceAlertLevel(unauthorisedPercent: number): AbsenceAlertLevel | null {
  if (unauthorisedPercent >= 15) return AbsenceAlertLevel.NotifyMunicipality;
  if (unauthorisedPercent >= 10) return AbsenceAlertLevel.WarnParents;
  return null;
}
