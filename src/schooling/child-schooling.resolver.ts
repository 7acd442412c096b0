import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ChildView } from '../children/child.type';
import { ChildData } from '../consent/child-data.decorator';
import { DataCategory } from '../consent/data-category';
import type { GraphQLContext } from '../platform/graphql/context';
import { todayInDenmark } from '../platform/time';
import { SummaryPeriodKind } from './attendance-summary.entity';
import { gradeNumeric } from './grade-scale';
import { attendanceSummariesByChild, enrollmentsByChild, gradesByChild, interventionsByChild, schoolById, wellbeingByChild } from './schooling.loaders';
import { absenceAlertLevel, AbsenceAlertView, InterventionView, WellbeingView } from './support.types';
import { AttendanceSummaryView, EnrollmentView, GradeView, SchoolView, SummaryPeriodKindEnum } from './schooling.types';

/** The school side of the child view: enrolment, attendance and grades. */
@Resolver(() => ChildView)
export class ChildSchoolingResolver {
  @ChildData(DataCategory.Identity)
  @FieldResolver(() => [EnrollmentView], { nullable: true, description: 'Enrolments, newest first.' })
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

  @ChildData(DataCategory.Identity)
  @FieldResolver(() => EnrollmentView, { nullable: true, description: 'The enrolment in force today, if any.' })
  async currentEnrollment(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<EnrollmentView | null> {
    const today = todayInDenmark();
    const all = await this.enrollments(child, ctx);
    return all.find((e) => e.startDate <= today && (!e.endDate || e.endDate >= today)) ?? null;
  }

  @ChildData(DataCategory.Attendance)
  @FieldResolver(() => [AttendanceSummaryView], { nullable: true, description: 'Absence per period, oldest first.' })
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

  @ChildData(DataCategory.Grades)
  @FieldResolver(() => [GradeView], { nullable: true, description: 'Grades on the 7-step scale, newest first.' })
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

@Resolver(() => ChildView)
export class ChildSupportResolver {
  @ChildData(DataCategory.Wellbeing)
  @FieldResolver(() => [WellbeingView], { nullable: true, description: 'Wellbeing survey results, newest survey first.' })
  async wellbeing(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<WellbeingView[]> {
    const rows = await ctx.loaders.get(wellbeingByChild).load(child.id);
    return rows.map((w) => ({ indicator: w.indicator, score: Number(w.score), surveyYear: w.surveyYear }));
  }

  @ChildData(DataCategory.Interventions)
  @FieldResolver(() => [InterventionView], { nullable: true, description: 'Extra support at school, newest first.' })
  async interventions(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<InterventionView[]> {
    const rows = await ctx.loaders.get(interventionsByChild).load(child.id);
    return rows.map((i) => ({
      id: i.id,
      kind: i.kind,
      startDate: i.startDate,
      endDate: i.endDate ?? null,
      provider: i.provider ?? null,
      description: i.description ?? null,
    }));
  }

  /**
   * Alerts are their own category: an app may be told a child crossed an absence threshold
   * without seeing the attendance record itself.
   */
  @ChildData(DataCategory.Alerts)
  @FieldResolver(() => [AbsenceAlertView], { nullable: true, description: 'Quarters over the 10 % / 15 % unauthorised-absence thresholds, newest first.' })
  async alerts(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<AbsenceAlertView[]> {
    const rows = await ctx.loaders.get(attendanceSummariesByChild).load(child.id);
    const alerts: AbsenceAlertView[] = [];
    for (const s of rows) {
      const level = s.periodKind === SummaryPeriodKind.Quarter ? absenceAlertLevel(Number(s.unauthorisedPct)) : null;
      if (level) alerts.push({ level, periodStart: s.periodStart, periodEnd: s.periodEnd, unauthorisedPercent: Number(s.unauthorisedPct) });
    }
    return alerts.sort((a, b) => (a.periodStart < b.periodStart ? 1 : -1));
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
