import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAdminChange } from '../audit/admin-change';
import { Municipality } from '../municipalities/municipality.entity';
import type { Actor } from '../partners/actor';
import { rawQuery } from '../platform/db/bulk';
import { HubError } from '../platform/graphql/errors';
import { recomputePendingSummaries } from './attendance-summary.service';
import { parseSchoolYear, type SchoolYear } from './school-year';
import { actorMunicipality } from '../municipalities/actor-municipality';

/** More entries than a year has days, duplicates included, is not a calendar. */
export const MAX_CALENDAR_ENTRIES = 1000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Field errors listed at most (a wrong year gives one per day). */
const MAX_LISTED = 10;

export interface SchoolCalendar {
  municipalityCode: string;
  schoolYear: string;
  /** Ascending 'YYYY-MM-DD'. */
  days: string[];
}

// Replaces the year's days in one statement, touching only the difference (so the audit line
// and the recompute reflect what actually changed).
const REPLACE_SQL = `
with wanted as (select distinct d::date as date from unnest(?::date[]) as d),
removed as (
  delete from school_calendar_day c
  where c.municipality_id = ? and c.date between ? and ? and c.date not in (select date from wanted)
  returning c.date),
added as (
  insert into school_calendar_day (municipality_id, date) select ?, date from wanted
  on conflict do nothing returning date)
select (select count(*) from added)::int as added, (select count(*) from removed)::int as removed`;

// Children with days that year from this municipality's absence-only sources: the calendar
// decides their days present. Queued like a sync's changes, in the same transaction, so a failed
// recompute is finished by the next run. Found through the sources' (source, external id) index.
const QUEUE_SQL = `
insert into attendance_summary_pending (child_id)
select distinct d.child_id from source_system s join attendance_day d on d.source_system_id = s.id
where s.municipality_id = ? and s.kind = 'csv' and d.date between ? and ?
on conflict (child_id) do update set queued_at = now()
returning child_id`;

/** Admin reads and changes of a municipality's school calendar, within the actor's tenant. */
export class SchoolCalendarService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId = '',
  ) {}

  async get(municipalityCode: string, schoolYear: string): Promise<SchoolCalendar> {
    const year = parseSchoolYear('schoolYear', schoolYear);
    const municipality = await actorMunicipality(this.em, this.actor, municipalityCode, 'municipalityCode');
    return this.read(this.em, municipality, year);
  }

  /**
   * Makes `days` the municipality's school days of the year (duplicates ignored; an empty list
   * clears the year), then recomputes the summaries of the children with school data that year.
   */
  async set(municipalityCode: string, schoolYear: string, days: readonly string[]): Promise<SchoolCalendar> {
    const year = parseSchoolYear('schoolYear', schoolYear);
    checkDays(days, year); // so each is 'YYYY-MM-DD', safe in the array literal below
    const municipality = await actorMunicipality(this.em, this.actor, municipalityCode, 'municipalityCode');
    const calendar = await this.em.transactional(async (tx) => {
      // Two replacements of one municipality's calendar run one after the other, never merged.
      await rawQuery(tx, `select pg_advisory_xact_lock(hashtextextended('school-calendar:' || ?::text, 0))`, [municipality.id]);
      const [diff] = (await rawQuery<{ added: number; removed: number }>(tx, REPLACE_SQL, [
        `{${days.join(',')}}`, municipality.id, year.start, year.end, municipality.id,
      ])).rows;
      const queued = diff.added || diff.removed ? (await rawQuery<{ child_id: string }>(tx, QUEUE_SQL, [municipality.id, year.start, year.end])).rows.map((r) => r.child_id) : [];
      const result = await this.read(tx, municipality, year);
      recordAdminChange(tx, this.actor, this.requestId, {
        target: `school_calendar:${municipality.code}:${year.label}`,
        detail: { change: 'set_school_calendar', schoolYear: year.label, days: result.days.length, ...diff, childrenQueued: queued.length },
        municipalityId: municipality.id,
      });
      await tx.flush();
      return { calendar: result, queued };
    });
    // After the commit, batch by batch (the same path as after a sync): the children this change
    // queued — also those of other municipalities placed at this one's schools — and no others.
    if (calendar.queued.length) await recomputePendingSummaries(this.em.fork(), { childIds: calendar.queued });
    return calendar.calendar;
  }

  private async read(em: EntityManager, municipality: Municipality, year: SchoolYear): Promise<SchoolCalendar> {
    const { rows } = await rawQuery<{ day: string }>(
      em,
      `select to_char(date, 'YYYY-MM-DD') as day from school_calendar_day where municipality_id = ? and date between ? and ? order by date`,
      [municipality.id, year.start, year.end],
    );
    return { municipalityCode: municipality.code, schoolYear: year.label, days: rows.map((r) => r.day) };
  }
}

/** Every day must lie in the school year (1 August – 31 July); weekends are the municipality's call. */
function checkDays(days: readonly string[], year: SchoolYear): void {
  if (days.length > MAX_CALENDAR_ENTRIES) throw HubError.badInput('days', `at most ${MAX_CALENDAR_ENTRIES} entries`);
  const outside = days.flatMap((day, i) => (!ISO_DATE.test(day) || day < year.start || day > year.end ? [i] : []));
  if (!outside.length) return;
  const message = `not in school year ${year.label} (${year.start} to ${year.end})`;
  throw HubError.invalidFields(outside.slice(0, MAX_LISTED).map((i) => ({ path: `days.${i}`, message })));
}
