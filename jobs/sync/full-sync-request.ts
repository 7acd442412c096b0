import type { EntityManager } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import { rawQuery } from '../../src/platform/db/bulk';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { enqueueSync } from '../queues';

/**
 * One sync per source runs at a time, so a FULL request that meets a queued or running
 * incremental sync gets that job back. The request is therefore remembered on the source: the
 * next pass that begins runs full, and the request is settled only when a full pass that began
 * after it succeeds (a run already going when it came does not count).
 */
export async function requestFullSync(em: EntityManager, queue: Queue, sourceSystemId: string, opts: { restamp: boolean }) {
  await rawQuery(
    em,
    // A person's request is stamped anew, so a full pass already running when it came does not
    // settle it. A schedule's tick keeps an older stamp: ticks more frequent than a full pass
    // lasts would otherwise never let one settle, and full passes would run back to back.
    opts.restamp
      ? `update source_system set full_sync_requested_at = now() where id = ?::uuid`
      : `update source_system set full_sync_requested_at = coalesce(full_sync_requested_at, now()) where id = ?::uuid`,
    [sourceSystemId],
  );
  return enqueueSync(queue, { sourceSystemId, mode: SyncMode.Full });
}

/** Whether a full resync is still wanted for the source (asked for, not yet satisfied, source not paused). */
export async function fullSyncWanted(em: EntityManager, sourceSystemId: string): Promise<boolean> {
  const { rows } = await rawQuery<{ wanted: boolean }>(
    em,
    `select full_sync_requested_at is not null and enabled as wanted from source_system where id = ?::uuid`,
    [sourceSystemId],
  );
  return rows[0]?.wanted ?? false;
}

/** Settles the request if the job was a full pass that began after it. */
export async function settleFullSyncRequest(em: EntityManager, sourceSystemId: string, jobId: string): Promise<void> {
  await rawQuery(
    em,
    `update source_system s set full_sync_requested_at = null
      where s.id = ?::uuid and s.full_sync_requested_at <= (
        select min(r.started_at) from sync_run r where r.job_id = ? and r.source_system_id = s.id
        having bool_and(r.mode = 'full'))`,
    [sourceSystemId, jobId],
  );
}
