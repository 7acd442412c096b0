import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { PartnerRole } from '../partners/partner-role';
import type { GraphQLContext } from '../platform/graphql/context';
import { SchoolCalendarService } from './school-calendar.service';
import { SchoolCalendarView } from './school-calendar.types';

const service = (ctx: GraphQLContext) => new SchoolCalendarService(ctx.em, ctx.actor, ctx.requestId);

/** Admin API for the municipal school calendar (the admin's own municipality only). */
@Resolver()
export class SchoolCalendarResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => SchoolCalendarView, { description: 'The municipality’s school days of a school year (empty if none are set).' })
  schoolCalendar(
    @Arg('municipalityCode', () => String) municipalityCode: string,
    @Arg('schoolYear', () => String, { description: 'E.g. "2025/26".' }) schoolYear: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchoolCalendarView> {
    return service(ctx).get(municipalityCode, schoolYear);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => SchoolCalendarView, {
    description:
      'Replace the school days of a school year (duplicates ignored; every day between 1 August and 31 July; an empty list clears the year), then recompute the attendance summaries of the municipality’s children with school data that year.',
  })
  setSchoolCalendar(
    @Arg('municipalityCode', () => String) municipalityCode: string,
    @Arg('schoolYear', () => String, { description: 'E.g. "2025/26".' }) schoolYear: string,
    @Arg('days', () => [LocalDateResolver]) days: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchoolCalendarView> {
    return service(ctx).set(municipalityCode, schoolYear, days);
  }
}
