import type { EntityManager } from '@mikro-orm/postgresql';
import { upsertSummariesSql } from './attendance-summary.sql';

/** Children per statement: bounds lock time and memory while keeping round trips few. */
export const SUMMARY_BATCH_CHILDREN = 1000;

export interface SummaryRecomputeResult {
  children: number;
  summaries: number;
  batches: number;
}

// One statement per batch of children (attendance-summary.sql.ts): by keyset range within a
// municipality, or an explicit set (a JSON array of ids).
const UPSERT_SQL = upsertSummariesSql('c.municipality_id = ? and c.id > ? and c.id <= ?');
const UPSERT_FOR_CHILDREN_SQL = upsertSummariesSql('c.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e)');

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

/** Which queued children to recompute: all, a municipality's, or given ones. */
export interface PendingScope {
  municipalityId?: string;
  childIds?: readonly string[];
}

/**
 * Incremental recomputation after a school sync: the children the writer queued (their
 * attendance changed), in batches, each batch in one transaction that also clears its queue
 * entries — unless a concurrent sync re-queued a child meanwhile (newer queued_at). An empty
 * scope takes every queued child, whichever municipality it belongs to: a school source's data
 * reaches children of other municipalities (placed children go to school where they live).
 */
export async function recomputePendingSummaries(em: EntityManager, scope: PendingScope = {}, batchSize = SUMMARY_BATCH_CHILDREN): Promise<SummaryRecomputeResult> {
  const ids = scope.childIds ? JSON.stringify(scope.childIds) : null;
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
         where (?::uuid is null or c.municipality_id = ?::uuid)
           and (?::jsonb is null or p.child_id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e))
         order by p.child_id limit ? for update of p skip locked`,
        [scope.municipalityId ?? null, scope.municipalityId ?? null, ids, ids, batchSize],
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
