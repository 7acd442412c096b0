import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ChildView } from '../children/child.type';
import type { GraphQLContext } from '../platform/graphql/context';
import { todayInDenmark } from '../platform/time';
import { SummaryPeriodKind } from './attendance-summary.entity';
import { gradeNumeric } from './grade-scale';
import { attendanceSummariesByChild, enrollmentsByChild, gradesByChild, schoolById } from './schooling.loaders';
import { AttendanceSummaryView, EnrollmentView, GradeView, SchoolView, SummaryPeriodKindEnum } from './schooling.types';

/** The school side of the child view: enrolment, attendance and grades. */
@Resolver(() => ChildView)
export class ChildSchoolingResolver {
  @FieldResolver(() => [EnrollmentView], { description: 'Enrolments, newest first.' })
  async enrollments(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<EnrollmentView[]> {
    const rows = await ctx.loaders.get(enrollmentsByChild).load(child.id);
    return rows.map((e) => ({
      id: e.id,
      gradeLevel: e.gradeLevel,
      className: e.className ?? null,
      startDate: e.startDate,
      endDate: e.endDate ?? null,
      schoolId: e.school.id,
    }));
  }

  @FieldResolver(() => EnrollmentView, { nullable: true, description: 'The enrolment in force today, if any.' })
  async currentEnrollment(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<EnrollmentView | null> {
    const today = todayInDenmark();
    const all = await this.enrollments(child, ctx);
    return all.find((e) => e.startDate <= today && (!e.endDate || e.endDate >= today)) ?? null;
  }

  @FieldResolver(() => [AttendanceSummaryView], { description: 'Absence per period, oldest first.' })
  async attendanceSummaries(
    @Root() child: ChildView,
    @Ctx() ctx: GraphQLContext,
    @Arg('periodKind', () => SummaryPeriodKindEnum, { defaultValue: SummaryPeriodKind.Quarter }) periodKind: SummaryPeriodKind,
  ): Promise<AttendanceSummaryView[]> {
    const rows = await ctx.loaders.get(attendanceSummariesByChild).load(child.id);
    return rows
      .filter((s) => s.periodKind === periodKind)
      .map((s) => ({
        periodKind: s.periodKind,
        periodStart: s.periodStart,
        periodEnd: s.periodEnd,
        schoolDays: s.schoolDays,
        presentDays: s.presentDays,
        partialDays: s.partialDays,
        illnessDays: s.illnessDays,
        authorisedDays: s.authorisedDays,
        unauthorisedDays: s.unauthorisedDays,
        absencePercent: Number(s.absencePct),
        illnessPercent: Number(s.illnessPct),
        authorisedPercent: Number(s.authorisedPct),
        unauthorisedPercent: Number(s.unauthorisedPct),
      }));
  }

  @FieldResolver(() => [GradeView], { description: 'Grades on the 7-step scale, newest first.' })
  async grades(
    @Root() child: ChildView,
    @Ctx() ctx: GraphQLContext,
    @Arg('schoolYear', () => String, { nullable: true, description: 'E.g. "2025/26".' }) schoolYear?: string | null,
  ): Promise<GradeView[]> {
    const rows = await ctx.loaders.get(gradesByChild).load(child.id);
    return rows
      .filter((g) => !schoolYear || g.schoolYear === schoolYear)
      .map((g) => ({
        id: g.id,
        subject: g.subject,
        kind: g.kind,
        value: g.value,
        display: g.value,
        numeric: gradeNumeric(g.value),
        gradeDate: g.gradeDate,
        schoolYear: g.schoolYear,
      }));
  }
}

@Resolver(() => EnrollmentView)
export class EnrollmentResolver {
  @FieldResolver(() => SchoolView)
  async school(@Root() enrollment: EnrollmentView, @Ctx() ctx: GraphQLContext): Promise<SchoolView> {
    const s = await ctx.loaders.get(schoolById).load(enrollment.schoolId);
    if (!s) throw new Error(`school ${enrollment.schoolId} missing`);
    return { id: s.id, institutionNumber: s.institutionNumber, name: s.name };
  }
}
