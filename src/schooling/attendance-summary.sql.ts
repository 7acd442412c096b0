/** The first day (1 August) of the Danish school year a date falls in. */
const schoolYearStartOf = (date: string) =>
  `make_date(extract(year from ${date})::int - (extract(month from ${date}) < 8)::int, 8, 1)`;

/** Source kinds whose attendance records every school day, present ones included. */
const RECORDS_PRESENCE = `('edfi', 'synthetic')`;

/** Enrolments of `child` from sources of the given kind set, as `e` (with `s` its source). */
const enrolments = (child: string, kinds: 'in' | 'not in') =>
  `enrollment e join source_system s on s.id = e.source_system_id and s.kind ${kinds} ${RECORDS_PRESENCE} where e.child_id = ${child}`;

/**
 * Upserts the summaries of a batch of children (`childFilter` on `child c`), in one statement.
 *
 * Most sources record every school day. An absence-only source (the Danish CSV export) sends
 * only days absent, so in a school year in which a child has days from one, the school calendar
 * of that source's municipality (school_calendar_day) supplies the rest: a calendar day without
 * a record is a day present, once it has passed — except inside an enrolment from a source that records every day
 * (those days are that source's to record), and, if rostering-only enrolments (OneRoster)
 * overlap the year, only inside them. A school year with absence-only days but no calendar gets
 * no rows (every period touching it is suppressed): a wrong percentage is worse than none.
 *
 * Days are counted per month once; quarters and school years are sums of their months (always
 * whole months). Rows are upserted in place; the caller removes the children's rows this
 * transaction did not touch (an upsert sets computed_at = now(), constant in the transaction).
 */
export const upsertSummariesSql = (childFilter: string) => `
with kids as (
  select c.id, c.municipality_id from child c where ${childFilter}
), recorded as materialized (
  -- Read twice (per month, and to find calendar days without a record) but scanned once.
  select k.municipality_id, d.child_id, d.date, d.status, d.source_system_id
  from attendance_day d
  join kids k on k.id = d.child_id
), recorded_months as (
  select municipality_id, child_id, date_trunc('month', date)::date as month,
    count(*)::int as school_days,
    (count(*) filter (where status in ('present', 'partial')))::int as present_days,
    (count(*) filter (where status = 'partial'))::int as partial_days,
    (count(*) filter (where status = 'illness'))::int as illness_days,
    (count(*) filter (where status = 'authorised'))::int as authorised_days,
    (count(*) filter (where status = 'unauthorised'))::int as unauthorised_days
  from recorded
  group by municipality_id, child_id, date_trunc('month', date)
), absence_only_years as (
  -- (child, school year, calendar municipality) for every absence-only source with days that year.
  select distinct r.municipality_id, r.child_id, ${schoolYearStartOf('r.date')} as year_start, s.municipality_id as calendar_of
  from recorded r join source_system s on s.id = r.source_system_id and s.kind = 'csv'
), years as (
  select y.*,
    -- Rostering-only enrolments overlapping the year bound its days present (once per year, not per day).
    exists (select 1 from ${enrolments('y.child_id', 'not in')} and e.start_date <= y.year_end and coalesce(e.end_date, 'infinity') >= y.year_start) as rostered
  from (
    select municipality_id, child_id, year_start, (year_start + interval '1 year - 1 day')::date as year_end,
      bool_or(exists (select 1 from school_calendar_day cd where cd.municipality_id = a.calendar_of
        and cd.date between a.year_start and (a.year_start + interval '1 year - 1 day')::date)) as has_calendar
    from absence_only_years a
    group by municipality_id, child_id, year_start
  ) y
), unrecorded as (
  -- Calendar days without a record: days present. Distinct: two calendars may name a day.
  select distinct y.municipality_id, y.child_id, cd.date
  from years y
  join absence_only_years a on a.child_id = y.child_id and a.year_start = y.year_start
  join school_calendar_day cd on cd.municipality_id = a.calendar_of and cd.date between y.year_start and y.year_end
  where y.has_calendar
    -- A school day still to come is not yet a day present (it would dilute the current quarter).
    and cd.date <= current_date
    and not exists (select 1 from recorded r where r.child_id = y.child_id and r.date = cd.date)
    and not exists (select 1 from ${enrolments('y.child_id', 'in')} and cd.date between e.start_date and coalesce(e.end_date, 'infinity'))
    and (not y.rostered or exists (select 1 from ${enrolments('y.child_id', 'not in')} and cd.date between e.start_date and coalesce(e.end_date, 'infinity')))
), months as (
  select m.municipality_id, m.child_id, m.month,
    sum(m.school_days)::int as school_days,
    sum(m.present_days)::int as present_days,
    sum(m.partial_days)::int as partial_days,
    sum(m.illness_days)::int as illness_days,
    sum(m.authorised_days)::int as authorised_days,
    sum(m.unauthorised_days)::int as unauthorised_days,
    coalesce(bool_or(not y.has_calendar), false) as suppressed
  from (
    select municipality_id, child_id, month, school_days, present_days, partial_days, illness_days, authorised_days, unauthorised_days
    from recorded_months
    union all
    select municipality_id, child_id, date_trunc('month', date)::date, count(*)::int, count(*)::int, 0, 0, 0, 0
    from unrecorded group by 1, 2, 3
  ) m
  left join years y on y.child_id = m.child_id and y.year_start = ${schoolYearStartOf('m.month')}
  group by m.municipality_id, m.child_id, m.month
), periods as (
  select municipality_id, child_id, p.kind, p.period_start, p.period_end,
    sum(school_days)::int as school_days,
    sum(present_days)::int as present_days,
    sum(partial_days)::int as partial_days,
    sum(illness_days)::int as illness_days,
    sum(authorised_days)::int as authorised_days,
    sum(unauthorised_days)::int as unauthorised_days
  from months
  cross join lateral (values
    ('month', month, (month + interval '1 month - 1 day')::date),
    ('quarter', date_trunc('quarter', month)::date, (date_trunc('quarter', month) + interval '3 months - 1 day')::date),
    -- The Danish school year runs 1 August to 31 July.
    ('school_year', ${schoolYearStartOf('month')}, (${schoolYearStartOf('month')} + interval '1 year - 1 day')::date)
  ) as p(kind, period_start, period_end)
  group by municipality_id, child_id, p.kind, p.period_start, p.period_end
  -- A quarter spanning two school years (July–September) goes if either year is suppressed.
  having not bool_or(suppressed)
)
insert into attendance_summary (
  municipality_id, child_id, period_kind, period_start, period_end,
  school_days, present_days, partial_days, illness_days, authorised_days, unauthorised_days,
  absence_pct, illness_pct, authorised_pct, unauthorised_pct, computed_at)
select municipality_id, child_id, kind, period_start, period_end,
  school_days, present_days, partial_days, illness_days, authorised_days, unauthorised_days,
  round(100.0 * (illness_days + authorised_days + unauthorised_days) / school_days, 2),
  round(100.0 * illness_days / school_days, 2),
  round(100.0 * authorised_days / school_days, 2),
  round(100.0 * unauthorised_days / school_days, 2),
  now()
from periods
on conflict (child_id, period_kind, period_start) do update set
  period_end = excluded.period_end,
  school_days = excluded.school_days,
  present_days = excluded.present_days,
  partial_days = excluded.partial_days,
  illness_days = excluded.illness_days,
  authorised_days = excluded.authorised_days,
  unauthorised_days = excluded.unauthorised_days,
  absence_pct = excluded.absence_pct,
  illness_pct = excluded.illness_pct,
  authorised_pct = excluded.authorised_pct,
  unauthorised_pct = excluded.unauthorised_pct,
  computed_at = excluded.computed_at`;
