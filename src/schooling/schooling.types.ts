import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { graphqlEnum } from '../platform/graphql/enums';
import { SummaryPeriodKind } from './attendance-summary.entity';
import { GradeKind, type SevenStepGrade } from './grade-scale';

export const SummaryPeriodKindEnum = graphqlEnum(SummaryPeriodKind, 'SummaryPeriodKind');
export const GradeKindEnum = graphqlEnum(GradeKind, 'GradeKind', 'Standpunktskarakter (TERM), prøvekarakter (EXAM) or årskarakter (YEAR).');

/** GraphQL enum names cannot start with a digit, so the 7-step values get names; `display` keeps "02". */
export const GradeValueEnum = {
  TWELVE: '12',
  TEN: '10',
  SEVEN: '7',
  FOUR: '4',
  ZERO_TWO: '02',
  ZERO_ZERO: '00',
  MINUS_THREE: '-3',
} as const satisfies Record<string, SevenStepGrade>;
registerEnumType(GradeValueEnum, { name: 'GradeValue', description: 'A value on the Danish 7-step scale (7-trinsskalaen).' });

@ObjectType('School')
export class SchoolView {
  @Field(() => ID) id!: string;
  @Field({ description: 'Institutionsnummer, 6 digits.' }) institutionNumber!: string;
  @Field() name!: string;
}

@ObjectType('Enrollment')
export class EnrollmentView {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: '0 (børnehaveklasse) to 10.' }) gradeLevel!: number;
  @Field(() => String, { nullable: true }) className!: string | null;
  @Field(() => LocalDateResolver) startDate!: string;
  @Field(() => LocalDateResolver, { nullable: true }) endDate!: string | null;
  schoolId!: string;
}

@ObjectType('AttendanceSummary', { description: 'Whole-day absence in a period; percentages of school days.' })
export class AttendanceSummaryView {
  @Field(() => SummaryPeriodKindEnum) periodKind!: SummaryPeriodKind;
  @Field(() => LocalDateResolver) periodStart!: string;
  @Field(() => LocalDateResolver) periodEnd!: string;
  @Field(() => Int, { description: 'Days with an attendance record, plus the municipality’s school-calendar days without one (days present).' }) schoolDays!: number;
  @Field(() => Int, { description: 'Including partial days.' }) presentDays!: number;
  @Field(() => Int) partialDays!: number;
  @Field(() => Int, { description: 'Sygefravær.' }) illnessDays!: number;
  @Field(() => Int, { description: 'Fravær med tilladelse.' }) authorisedDays!: number;
  @Field(() => Int, { description: 'Ulovligt fravær.' }) unauthorisedDays!: number;
  @Field(() => Float) absencePercent!: number;
  @Field(() => Float) illnessPercent!: number;
  @Field(() => Float) authorisedPercent!: number;
  @Field(() => Float) unauthorisedPercent!: number;
}

@ObjectType('Grade')
export class GradeView {
  @Field(() => ID) id!: string;
  @Field() subject!: string;
  @Field(() => GradeKindEnum) kind!: GradeKind;
  @Field(() => GradeValueEnum) value!: SevenStepGrade;
  @Field({ description: 'The value as written on the scale: "12" … "02", "00", "-3".' }) display!: string;
  @Field(() => Int) numeric!: number;
  @Field(() => LocalDateResolver) gradeDate!: string;
  @Field({ description: 'E.g. "2025/26".' }) schoolYear!: string;
}
