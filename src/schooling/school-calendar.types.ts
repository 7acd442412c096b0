import { Field, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';

@ObjectType('SchoolCalendar', {
  description:
    'The school days (skoledage) of a municipality’s folkeskoler in one school year. A day without an attendance record is a day present for the summaries, so absence-only sources (the Danish CSV export) need it.',
})
export class SchoolCalendarView {
  @Field({ description: 'Kommunekode.' }) municipalityCode!: string;
  @Field({ description: 'E.g. "2025/26": 1 August 2025 to 31 July 2026.' }) schoolYear!: string;
  @Field(() => [LocalDateResolver], { description: 'Ascending.' }) days!: string[];
}
