import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { schoolYearOf } from '../schooling/school-year';
import { schoolDays } from './school-calendar';

/**
 * Writes the synthetic school calendar of the school year starting in August `startYear` — the
 * days the generator gives every child a record for — for each municipality that has no
 * calendar day in that year yet (a calendar an admin set is never touched). Summaries of
 * synthetic children do not change: every calendar day already has a record. Returns the days written.
 */
export async function seedSchoolCalendars(em: EntityManager, municipalityIds: readonly string[], startYear: number): Promise<number> {
  if (!municipalityIds.length) return 0;
  const year = schoolYearOf(startYear);
  const { rowCount } = await rawQuery(
    em,
    `insert into school_calendar_day (municipality_id, date)
     select m.id, d.date from unnest(?::uuid[]) as m(id) cross join unnest(?::date[]) as d(date)
     where not exists (select 1 from school_calendar_day c where c.municipality_id = m.id and c.date between ? and ?)
     on conflict do nothing`,
    [`{${municipalityIds.join(',')}}`, `{${schoolDays(startYear).join(',')}}`, year.start, year.end],
  );
  return rowCount;
}
