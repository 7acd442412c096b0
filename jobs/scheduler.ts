import type { Queue } from 'bullmq';
import { Municipality } from '../src/municipalities/municipality.entity';
import type { Runtime } from '../src/platform/runtime';
import { SourceSystem } from '../src/sources/source-system.entity';
import { SyncMode } from '../src/sources/sync-run.entity';
import { createMaintenanceQueue, JobName, type AttendanceSummaryJobData } from './queues';
import type { SyncJobData } from './sync/sync-runner';

const SUMMARY_SCHEDULER_PREFIX = `${JobName.AttendanceSummary}:`;
const SYNC_SCHEDULER_PREFIX = 'sync:';
const AUDIT_RETENTION_SCHEDULER = JobName.AuditRetention;
const TZ = 'Europe/Copenhagen';
/** How often the scheduler re-reads the tables it schedules from. */
export const RECONCILE_INTERVAL_MS = 60_000;

/**
 * Makes BullMQ's job schedulers match the database, with stable scheduler ids so re-running
 * is idempotent: one nightly summary recompute per municipality, one nightly access-log
 * retention run, and per enabled source system an incremental sync on its `schedule` and a full
 * resync on its `fullResyncSchedule`. Paused, removed or unscheduled sources lose their schedulers.
 */
export async function reconcileSchedules(rt: Runtime, queue: Queue): Promise<{ upserted: string[]; removed: string[] }> {
  const em = rt.orm.em.fork();
  const wanted = new Set<string>();
  for (const m of await em.find(Municipality, {}, { orderBy: { code: 'asc' } })) {
    const id = SUMMARY_SCHEDULER_PREFIX + m.code;
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { pattern: rt.config.SUMMARY_CRON, tz: TZ },
      { name: JobName.AttendanceSummary, data: { municipalityCode: m.code } satisfies AttendanceSummaryJobData },
    );
  }
  wanted.add(AUDIT_RETENTION_SCHEDULER);
  await queue.upsertJobScheduler(AUDIT_RETENTION_SCHEDULER, { pattern: rt.config.AUDIT_RETENTION_CRON, tz: TZ }, { name: JobName.AuditRetention, data: {} });
  for (const source of await em.find(SourceSystem, { enabled: true }, { orderBy: { id: 'asc' } })) {
    const plans: [SyncMode, string | undefined][] = [
      [SyncMode.Incremental, source.schedule],
      [SyncMode.Full, source.fullResyncSchedule],
    ];
    for (const [mode, pattern] of plans) {
      if (!pattern) continue;
      const id = `${SYNC_SCHEDULER_PREFIX}${source.id}:${mode}`;
      wanted.add(id);
      await queue.upsertJobScheduler(
        id,
        { pattern, tz: TZ },
        { name: JobName.SyncTick, data: { sourceSystemId: source.id, mode } satisfies SyncJobData },
      );
    }
  }
  const removed: string[] = [];
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const ours = s.key.startsWith(SUMMARY_SCHEDULER_PREFIX) || s.key.startsWith(SYNC_SCHEDULER_PREFIX);
    if (ours && !wanted.has(s.key)) {
      await queue.removeJobScheduler(s.key);
      removed.push(s.key);
    }
  }
  return { upserted: [...wanted], removed };
}

export interface RunningScheduler {
  queue: Queue;
  close(): Promise<void>;
}

export async function startScheduler(rt: Runtime): Promise<RunningScheduler> {
  const log = rt.logger.child({ role: 'scheduler' });
  const queue = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
  const reconcile = async () => {
    try {
      const r = await reconcileSchedules(rt, queue);
      log.debug(r, 'schedules reconciled');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'schedule reconciliation failed');
    }
  };
  await reconcile();
  const timer = setInterval(reconcile, RECONCILE_INTERVAL_MS);
  log.info({ cron: rt.config.SUMMARY_CRON }, 'scheduler started');
  return {
    queue,
    async close() {
      clearInterval(timer);
      await queue.close();
    },
  };
}
