import { Worker, type Job } from 'bullmq';
import type { Runtime } from '../src/platform/runtime';
import { createRedis } from '../src/platform/queue/redis';
import { runAttendanceSummaryJob } from './attendance-summary.job';
import { JobName, MAINTENANCE_QUEUE } from './queues';

export interface RunningWorker {
  worker: Worker;
  /** Stops taking jobs, waits for active ones to finish, closes connections. */
  close(): Promise<void>;
}

export async function startWorker(rt: Runtime): Promise<RunningWorker> {
  const connection = createRedis(rt.config.REDIS_URL, 'worker');
  const log = rt.logger.child({ role: 'worker' });

  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job: Job) => {
      // Each job gets its own EntityManager: no identity map shared across jobs.
      const em = rt.orm.em.fork();
      switch (job.name) {
        case JobName.AttendanceSummary:
          return runAttendanceSummaryJob(em, job);
        default:
          throw new Error(`no processor for job ${job.name}`);
      }
    },
    { connection, prefix: rt.config.QUEUE_PREFIX, concurrency: rt.config.WORKER_CONCURRENCY, autorun: false },
  );
  worker.on('completed', (job, result) => log.info({ job: job.name, id: job.id, result }, 'job completed'));
  worker.on('failed', (job, err) => log.warn({ job: job?.name, id: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  void worker.run();
  await worker.waitUntilReady();
  log.info({ queue: MAINTENANCE_QUEUE, concurrency: rt.config.WORKER_CONCURRENCY }, 'worker started');

  return {
    worker,
    async close() {
      await worker.close(); // waits for active jobs
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
