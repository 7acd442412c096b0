/** The first day (1 August) of the Danish school year a date falls in. */
const schoolYearStartOf = (date: string) =>
  `make_date(extract(year from ${date})::int - (extract(month from ${date}) < 8)::int, 8, 1)`;

/**
 * Upserts the summaries of a batch of children (`childFilter` on `child c`), in one statement.
 *
 * School days = the child's recorded days ∪ its municipality's calendar days (school_calendar_day)
 * without a record, which are days present: absence-only sources (the Danish CSV export) send
 * only days absent. Calendar days count only in school years in which the child has a recorded
 * day (no school data, no summary) and, when enrolments overlap that year, only inside them.
 * A school year with days from an absence-only source but no calendar for the municipality gets
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
  -- The absence-only sources are one hashed set, not a join per row.
  select k.municipality_id, d.child_id, d.date, d.status,
    d.source_system_id in (select s.id from source_system s where s.kind = 'csv') as absence_only
  from attendance_day d
  join kids k on k.id = d.child_id
), recorded_months as (
  select municipality_id, child_id, date_trunc('month', date)::date as month,
    count(*)::int as school_days,
    (count(*) filter (where status in ('present', 'partial')))::int as present_days,
    (count(*) filter (where status = 'partial'))::int as partial_days,
    (count(*) filter (where status = 'illness'))::int as illness_days,
    (count(*) filter (where status = 'authorised'))::int as authorised_days,
    (count(*) filter (where status = 'unauthorised'))::int as unauthorised_days,
    bool_or(absence_only) as absence_only
  from recorded
  group by municipality_id, child_id, date_trunc('month', date)
), years as (
  select y.*, (y.year_start + interval '1 year - 1 day')::date as year_end,
    exists (select 1 from school_calendar_day cd where cd.municipality_id = y.municipality_id
      and cd.date between y.year_start and (y.year_start + interval '1 year - 1 day')::date) as has_calendar
  from (
    select municipality_id, child_id, ${schoolYearStartOf('month')} as year_start, bool_or(absence_only) as absence_only
    from recorded_months group by 1, 2, 3
  ) y
), windows as (
  -- The enrolments overlapping the year, else the whole year (greatest/least ignore nulls).
  select y.municipality_id, y.child_id, greatest(y.year_start, e.start_date) as lo, least(y.year_end, e.end_date) as hi
  from years y
  left join enrollment e on e.child_id = y.child_id and e.start_date <= y.year_end and (e.end_date is null or e.end_date >= y.year_start)
  where y.has_calendar
), unrecorded as (
  -- Calendar days without a record: days present. Distinct: enrolments may overlap.
  select distinct w.municipality_id, w.child_id, cd.date
  from windows w join school_calendar_day cd on cd.municipality_id = w.municipality_id and cd.date between w.lo and w.hi
  where not exists (select 1 from recorded r where r.child_id = w.child_id and r.date = cd.date)
), months as (
  select m.municipality_id, m.child_id, m.month,
    sum(m.school_days)::int as school_days,
    sum(m.present_days)::int as present_days,
    sum(m.partial_days)::int as partial_days,
    sum(m.illness_days)::int as illness_days,
    sum(m.authorised_days)::int as authorised_days,
    sum(m.unauthorised_days)::int as unauthorised_days,
    bool_or(y.absence_only and not y.has_calendar) as suppressed
  from (
    select municipality_id, child_id, month, school_days, present_days, partial_days, illness_days, authorised_days, unauthorised_days
    from recorded_months
    union all
    select municipality_id, child_id, date_trunc('month', date)::date, count(*)::int, count(*)::int, 0, 0, 0, 0
    from unrecorded group by 1, 2, 3
  ) m
  join years y on y.child_id = m.child_id and y.year_start = ${schoolYearStartOf('m.month')}
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
