import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Runtime } from '../src/platform/runtime';
import { createRedis } from '../src/platform/queue/redis';
import { purgeExpiredAuditEvents } from '../src/audit/audit-retention.service';
import { matchThresholds } from '../src/identity/identity-matching.service';
import { runAttendanceSummaryJob } from './attendance-summary.job';
import { runIdentityMatchJob } from './identity-match.job';
import { createMaintenanceQueue, createSyncQueue, enqueueIdentityMatch, enqueueSync, JobName, MAINTENANCE_QUEUE, SYNC_QUEUE, type IdentityMatchJobData } from './queues';
import { fullSyncWanted, requestFullSync } from './sync/full-sync-request';
import { runSync, ShutdownInterruption, type SyncJobData } from './sync/sync-runner';
import { SyncMode } from '../src/sources/sync-run.entity';

/** A sync stopped by a shutdown waits this long before another worker may take it up. */
const SHUTDOWN_REQUEUE_DELAY_MS = 1_000;

export interface RunningWorker {
  workers: Worker[];
  /** Stops taking jobs, waits for active ones to finish, closes connections. */
  close(): Promise<void>;
}

/** Consumers of the maintenance queue (summaries, schedule ticks) and the sync queue. */
export async function startWorker(rt: Runtime): Promise<RunningWorker> {
  const log = rt.logger.child({ role: 'worker' });
  const connection = createRedis(rt.config.REDIS_URL, 'worker');
  const syncQueue: Queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
  const maintenanceQueue: Queue = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
  const matchContext = { orm: rt.orm, thresholds: matchThresholds(rt.config), maintenance: maintenanceQueue, sync: syncQueue, logger: log };
  // Aborted on shutdown so a long sync stops at the next page instead of holding the exit.
  const closing = new AbortController();

  const maintenance = new Worker(
    MAINTENANCE_QUEUE,
    async (job: Job) => {
      switch (job.name) {
        case JobName.AttendanceSummary:
          // Each job gets its own EntityManager: no identity map shared across jobs.
          return runAttendanceSummaryJob(rt.orm.em.fork(), job);
        case JobName.SyncTick: {
          const data = job.data as SyncJobData;
          const queued = data.mode === SyncMode.Full
            ? await requestFullSync(rt.orm.em.fork(), syncQueue, data.sourceSystemId, { restamp: false })
            : await enqueueSync(syncQueue, data);
          return { syncJobId: queued.id };
        }
        case JobName.IdentityMatch:
          return runIdentityMatchJob(matchContext, job as Job<IdentityMatchJobData>);
        case JobName.AuditRetention:
          return purgeExpiredAuditEvents(rt.orm.em.fork(), rt.config.AUDIT_RETENTION_MONTHS);
        default:
          throw new Error(`no processor for job ${job.name}`);
      }
    },
    { connection, prefix: rt.config.QUEUE_PREFIX, concurrency: rt.config.WORKER_CONCURRENCY, autorun: false },
  );

  const sync = new Worker(
    SYNC_QUEUE,
    async (job: Job<SyncJobData>, token?: string, signal?: AbortSignal) => {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // The pupils a sync staged (all, or the pages it committed before failing for good) are
      // matched when it ends; a sync that will be retried is matched after its retry.
      const match = () =>
        enqueueIdentityMatch(maintenanceQueue, { sourceSystemId: job.data.sourceSystemId }).catch((err: Error) => log.error({ err: err.message }, 'could not queue identity match'));
      try {
        const result = await runSync(job.data, {
          orm: rt.orm,
          cprKey: rt.config.CPR_HMAC_KEY,
          jobId: job.id!,
          signal: signal ? AbortSignal.any([signal, closing.signal]) : closing.signal,
          finalAttempt,
        });
        await match();
        return result;
      } catch (err) {
        if (closing.signal.aborted && token) {
          // Stopped by a shutdown at a page boundary: not a failed attempt. The job goes back to
          // the queue (without using up a retry) and resumes from its committed cursor.
          await job.moveToDelayed(Date.now() + SHUTDOWN_REQUEUE_DELAY_MS, token);
          throw new DelayedError();
        }
        if (finalAttempt || err instanceof UnrecoverableError) await match();
        throw err;
      }
    },
    {
      connection,
      prefix: rt.config.QUEUE_PREFIX,
      concurrency: rt.config.SYNC_CONCURRENCY,
      // A killed worker stops renewing its lock; after lockDuration another worker's stalled
      // check puts the job back and it resumes from the last committed cursor.
      lockDuration: rt.config.SYNC_LOCK_MS,
      stalledInterval: rt.config.SYNC_STALLED_CHECK_MS,
      maxStalledCount: 3,
      autorun: false,
    },
  );

  // A full resync asked for while this source's sync ran (and so deduplicated into it) is
  // still wanted when the run ends: queue it now rather than at the next incremental tick.
  sync.on('completed', (job: Job<SyncJobData>, result: unknown) => {
    // A paused source's job ends at once ("skipped"): its request waits for the source to resume.
    if (result && typeof result === 'object' && 'skipped' in result) return;
    void fullSyncWanted(rt.orm.em.fork(), job.data.sourceSystemId)
      .then((wanted) => (wanted ? enqueueSync(syncQueue, { sourceSystemId: job.data.sourceSystemId, mode: SyncMode.Full }) : undefined))
      .catch((err: Error) => log.error({ err: err.message }, 'could not queue the requested full resync'));
  });

  const workers = [maintenance, sync];
  for (const w of workers) {
    w.on('completed', (job, result) => log.info({ queue: w.name, job: job.name, id: job.id, result }, 'job completed'));
    w.on('failed', (job, err) => log.warn({ queue: w.name, job: job?.name, id: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
    void w.run();
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ queues: [MAINTENANCE_QUEUE, SYNC_QUEUE], concurrency: rt.config.WORKER_CONCURRENCY, syncConcurrency: rt.config.SYNC_CONCURRENCY }, 'worker started');

  return {
    workers,
    async close() {
      // Stop taking jobs; a sync stops at its next page boundary (its cursor is committed, so
      // the job resumes there), other jobs finish.
      const closingWorkers = workers.map((w) => w.close());
      closing.abort(new ShutdownInterruption());
      await Promise.all(closingWorkers);
      await syncQueue.close();
      await maintenanceQueue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
