import type { EntityManager } from '@mikro-orm/postgresql';

/** Children per statement: bounds lock time and memory while keeping round trips few. */
export const SUMMARY_BATCH_CHILDREN = 1000;

export interface SummaryRecomputeResult {
  children: number;
  summaries: number;
  batches: number;
}

// The days of a batch of children are counted per month in one pass; quarters and school years
// are sums of their months (a quarter or a school year is always whole months), so the days are
// aggregated once, not three times. Rows are upserted in place; rows of those children that this
// transaction did not touch (their days were deleted) are removed afterwards: an upsert sets
// computed_at = now(), which is constant within the transaction.
const UPSERT_SQL = `
with months as (
  select c.municipality_id, d.child_id, date_trunc('month', d.date)::date as month,
    count(*)::int as school_days,
    (count(*) filter (where d.status in ('present', 'partial')))::int as present_days,
    (count(*) filter (where d.status = 'partial'))::int as partial_days,
    (count(*) filter (where d.status = 'illness'))::int as illness_days,
    (count(*) filter (where d.status = 'authorised'))::int as authorised_days,
    (count(*) filter (where d.status = 'unauthorised'))::int as unauthorised_days
  from attendance_day d
  join child c on c.id = d.child_id
  where c.municipality_id = ? and c.id > ? and c.id <= ?
  group by c.municipality_id, d.child_id, date_trunc('month', d.date)
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
    ('school_year',
      make_date(extract(year from month)::int - (extract(month from month) < 8)::int, 8, 1),
      make_date(extract(year from month)::int - (extract(month from month) < 8)::int + 1, 7, 31))
  ) as p(kind, period_start, period_end)
  group by municipality_id, child_id, p.kind, p.period_start, p.period_end
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

/** The same computation for an explicit set of children (a JSON array of ids). */
const UPSERT_FOR_CHILDREN_SQL = UPSERT_SQL.replace(
  'where c.municipality_id = ? and c.id > ? and c.id <= ?',
  'where c.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e)',
);

const DELETE_STALE_FOR_CHILDREN_SQL = `
delete from attendance_summary s
where s.child_id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e) and s.computed_at <> now()`;

const DELETE_STALE_SQL = `
delete from attendance_summary s
using child c
where c.id = s.child_id and c.municipality_id = ? and c.id > ? and c.id <= ?
  and s.computed_at <> now()`;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Recomputes attendance_summary for every child of a municipality, in SQL, in batches of
 * children ordered by id (keyset ranges, one transaction per batch).
 */
export async function recomputeAttendanceSummaries(
  em: EntityManager,
  municipalityId: string,
  batchSize = SUMMARY_BATCH_CHILDREN,
): Promise<SummaryRecomputeResult> {
  const conn = em.getConnection();
  // Upper bound of each batch: every batchSize-th child id, plus the last one.
  const bounds = await conn.execute<{ id: string }[]>(
    `select id from (
       select id, row_number() over (order by id) as n, count(*) over () as total
       from child where municipality_id = ?) t
     where n % ? = 0 or n = total order by id`,
    [municipalityId, batchSize],
  );
  let lower = NIL_UUID;
  let summaries = 0;
  for (const { id: upper } of bounds) {
    await em.transactional(async (tx) => {
      const c = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const res = await c.execute(UPSERT_SQL, [municipalityId, lower, upper], 'run', ctx);
      await c.execute(DELETE_STALE_SQL, [municipalityId, lower, upper], 'run', ctx);
      summaries += (res as { affectedRows?: number }).affectedRows ?? 0;
    });
    lower = upper;
  }
  const [{ count }] = await conn.execute<{ count: string }[]>('select count(*) from child where municipality_id = ?', [municipalityId]);
  return { children: Number(count), summaries, batches: bounds.length };
}

/**
 * Incremental recomputation after a school sync: the children the writer queued (their
 * attendance changed), in batches, each batch in one transaction that also clears its queue
 * entries — unless a concurrent sync re-queued a child meanwhile (newer queued_at).
 */
export async function recomputePendingSummaries(em: EntityManager, municipalityId: string, batchSize = SUMMARY_BATCH_CHILDREN): Promise<SummaryRecomputeResult> {
  let children = 0;
  let summaries = 0;
  let batches = 0;
  for (;;) {
    const done = await em.transactional(async (tx) => {
      const c = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const pending = await c.execute<{ child_id: string; queued_at: string }[]>(
        // queued_at as text keeps its microseconds for the comparison below.
        `select p.child_id, p.queued_at::text as queued_at from attendance_summary_pending p join child c on c.id = p.child_id
         where c.municipality_id = ? order by p.child_id limit ? for update of p skip locked`,
        [municipalityId, batchSize],
        'all',
        ctx,
      );
      if (!pending.length) return true;
      const written = await recomputeChildSummaries(tx, pending.map((p) => p.child_id));
      await c.execute(
        `delete from attendance_summary_pending p using jsonb_to_recordset(?::jsonb) as x(child_id uuid, queued_at timestamptz)
         where p.child_id = x.child_id and p.queued_at <= x.queued_at`,
        [JSON.stringify(pending)],
        'run',
        ctx,
      );
      children += pending.length;
      summaries += written;
      batches++;
      return pending.length < batchSize;
    });
    if (done) break;
  }
  return { children, summaries, batches };
}

/**
 * Recomputes the summaries of some children at once, on the caller's transaction: an admin
 * decision that removed attendance (unlink, split) must not leave derived rows behind until
 * the next job. Periods left without days lose their rows. Returns the rows written.
 */
export async function recomputeChildSummaries(em: EntityManager, childIds: readonly string[]): Promise<number> {
  if (!childIds.length) return 0;
  const ctx = em.getTransactionContext();
  // Stale rows are told apart by computed_at <> now(): both statements need one transaction.
  if (!ctx) return em.transactional((tx) => recomputeChildSummaries(tx, childIds));
  const c = em.getConnection();
  const ids = JSON.stringify([...new Set(childIds)]);
  const res = await c.execute(UPSERT_FOR_CHILDREN_SQL, [ids], 'run', ctx);
  await c.execute(DELETE_STALE_FOR_CHILDREN_SQL, [ids], 'run', ctx);
  return (res as { affectedRows?: number }).affectedRows ?? 0;
}
