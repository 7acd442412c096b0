import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

/** Maintenance work on hub data (derived tables). Connector syncs get their own queue later. */
export const MAINTENANCE_QUEUE = 'maintenance';

export const JobName = {
  AttendanceSummary: 'attendance-summary',
} as const;

export interface AttendanceSummaryJobData {
  /** Kommunekode of the municipality to recompute. */
  municipalityCode: string;
}

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
  // Keep a day of history for inspection, bounded in size.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

export function createMaintenanceQueue(connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(MAINTENANCE_QUEUE, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

/** Enqueue a recomputation. The job id deduplicates: one waiting recompute per municipality. */
export function enqueueAttendanceSummary(queue: Queue, data: AttendanceSummaryJobData) {
  return queue.add(JobName.AttendanceSummary, data, { deduplication: { id: `${JobName.AttendanceSummary}:${data.municipalityCode}` } });
}
