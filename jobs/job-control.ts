import type { Queue } from 'bullmq';
import type { Runtime } from '../src/platform/runtime';
import { SyncMode } from '../src/sources/sync-run.entity';
import { createMaintenanceQueue, createSyncQueue, enqueueIdentityMatch, enqueueSync, syncDeduplicationId } from './queues';
import { reconcileSchedules } from './scheduler';
import { requestFullSync } from './sync/full-sync-request';

/** What the API may ask of the queues: start a sync now, and apply schedule changes now. */
export interface JobControl {
  /** Queues a sync, or returns the one already queued or running for the source. */
  triggerSync(sourceSystemId: string, mode: SyncMode): Promise<{ jobId: string; alreadyQueued: boolean }>;
  /** Queues identity matching of a source's pupil records (see jobs/identity-match.job.ts). */
  triggerIdentityMatch(sourceSystemId: string): Promise<{ jobId: string }>;
  /** Brings BullMQ's job schedulers in step with the source_system table at once. */
  reconcileSchedules(): Promise<void>;
  close(): Promise<void>;
}

export function createJobControl(rt: Runtime): JobControl {
  let queues: { sync: Queue; maintenance: Queue } | undefined;
  // Created on first use: an API that never administers sources opens no queue connections.
  const open = () => (queues ??= {
    sync: createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX),
    maintenance: createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX),
  });
  return {
    async triggerSync(sourceSystemId, mode) {
      const { sync } = open();
      const existing = await sync.getDeduplicationJobId(syncDeduplicationId(sourceSystemId));
      const job = mode === SyncMode.Full
        ? await requestFullSync(rt.orm.em.fork(), sync, sourceSystemId, { restamp: true })
        : await enqueueSync(sync, { sourceSystemId, mode });
      return { jobId: job.id!, alreadyQueued: Boolean(existing) && existing === job.id };
    },
    async triggerIdentityMatch(sourceSystemId) {
      const job = await enqueueIdentityMatch(open().maintenance, { sourceSystemId });
      return { jobId: job.id! };
    },
    async reconcileSchedules() {
      await reconcileSchedules(rt, open().maintenance);
    },
    async close() {
      if (!queues) return;
      await Promise.all([queues.sync.close(), queues.maintenance.close()]);
      queues = undefined;
    },
  };
}
