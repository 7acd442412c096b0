import { Intervention } from './intervention.entity';
import { Wellbeing } from './wellbeing.entity';
import { groupByKey, indexByKey, ofChildren, type LoaderDefinition } from '../platform/graphql/loaders';
import { AttendanceSummary } from './attendance-summary.entity';
import { Enrollment } from './enrollment.entity';
import { Grade } from './grade.entity';
import { School } from './school.entity';

export const enrollmentsByChild: LoaderDefinition<string, Enrollment[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(Enrollment, ofChildren(childIds, municipalityId), { orderBy: { startDate: 'desc' } });
    return groupByKey(childIds, rows, (e) => e.child.id);
  },
};

export const schoolById: LoaderDefinition<string, School | null> = {
  async batch(em, ids) {
    return indexByKey(ids, await em.find(School, { id: { $in: [...ids] } }), (s) => s.id);
  },
};

export const attendanceSummariesByChild: LoaderDefinition<string, AttendanceSummary[]> = {
  async batch(em, childIds, municipalityId) {
    // Summaries carry their municipality: filtered on the row itself, no join to child.
    const rows = await em.find(
      AttendanceSummary,
      { child: { $in: [...childIds] }, ...(municipalityId ? { municipality: municipalityId } : {}) },
      { orderBy: { periodKind: 'asc', periodStart: 'asc' } },
    );
    return groupByKey(childIds, rows, (s) => s.child.id);
  },
};

export const gradesByChild: LoaderDefinition<string, Grade[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(Grade, ofChildren(childIds, municipalityId), { orderBy: { gradeDate: 'desc', subject: 'asc' } });
    return groupByKey(childIds, rows, (g) => g.child.id);
  },
};

export const wellbeingByChild: LoaderDefinition<string, Wellbeing[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(Wellbeing, ofChildren(childIds, municipalityId), { orderBy: { surveyYear: 'desc', indicator: 'asc' } });
    return groupByKey(childIds, rows, (w) => w.child.id);
  },
};

export const interventionsByChild: LoaderDefinition<string, Intervention[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(Intervention, ofChildren(childIds, municipalityId), { orderBy: { startDate: 'desc', id: 'asc' } });
    return groupByKey(childIds, rows, (i) => i.child.id);
  },
};
