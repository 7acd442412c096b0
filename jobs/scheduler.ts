import type { Queue } from 'bullmq';
import { Municipality } from '../src/municipalities/municipality.entity';
import type { Runtime } from '../src/platform/runtime';
import { createMaintenanceQueue, JobName, type AttendanceSummaryJobData } from './queues';

const SUMMARY_SCHEDULER_PREFIX = `${JobName.AttendanceSummary}:`;
/** How often the scheduler re-reads the tables it schedules from. */
export const RECONCILE_INTERVAL_MS = 60_000;

/**
 * Makes BullMQ's job schedulers match the database: one nightly summary recompute per
 * municipality, with a stable scheduler id so re-running this is idempotent.
 */
export async function reconcileSchedules(rt: Runtime, queue: Queue): Promise<{ upserted: string[]; removed: string[] }> {
  const municipalities = await rt.orm.em.fork().find(Municipality, {}, { orderBy: { code: 'asc' } });
  const wanted = new Set<string>();
  for (const m of municipalities) {
    const id = SUMMARY_SCHEDULER_PREFIX + m.code;
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { pattern: rt.config.SUMMARY_CRON, tz: 'Europe/Copenhagen' },
      { name: JobName.AttendanceSummary, data: { municipalityCode: m.code } satisfies AttendanceSummaryJobData },
    );
  }
  const removed: string[] = [];
  for (const s of await queue.getJobSchedulers()) {
    if (s.key.startsWith(SUMMARY_SCHEDULER_PREFIX) && !wanted.has(s.key)) {
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
