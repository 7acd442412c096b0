import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

import type { SyncJobData } from './sync/sync-runner';

/** Maintenance work on hub data (derived tables) and schedule ticks. */
export const MAINTENANCE_QUEUE = 'maintenance';
/** Connector syncs: one job per (source system, run). */
export const SYNC_QUEUE = 'sync';

export const JobName = {
  AttendanceSummary: 'attendance-summary',
  /** A schedule fired: enqueue a sync unless one is already queued or running. */
  SyncTick: 'sync-tick',
  Sync: 'sync',
  /** Match a school source's pupil records to hub children (after each sync, and after review decisions). */
  IdentityMatch: 'identity-match',
  /** Delete access-log events older than the retention period (nightly). */
  AuditRetention: 'audit-retention',
} as const;

export interface IdentityMatchJobData {
  /** The source whose pupils to match; a case-system source means every school source of its municipality. */
  sourceSystemId: string;
  /** Re-decide every record not linked (proposals, rejections), not only new and changed ones. Default false. */
  all?: boolean;
}

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

export const SYNC_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
};

export function createSyncQueue(connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(SYNC_QUEUE, { connection, prefix, defaultJobOptions: SYNC_JOB_OPTIONS });
}

/**
 * Enqueue a sync. The deduplication id makes it one queued-or-running sync per source: a
 * trigger while one is waiting or active returns that job instead of starting a second run.
 */
export function enqueueSync(queue: Queue, data: SyncJobData) {
  return queue.add(JobName.Sync, data, { deduplication: { id: syncDeduplicationId(data.sourceSystemId) } });
}

export function syncDeduplicationId(sourceSystemId: string): string {
  return `sync:${sourceSystemId}`;
}

/** Enqueue a recomputation. The job id deduplicates: one waiting recompute per municipality. */
export function enqueueAttendanceSummary(queue: Queue, data: AttendanceSummaryJobData) {
  return queue.add(JobName.AttendanceSummary, data, { deduplication: { id: `${JobName.AttendanceSummary}:${data.municipalityCode}` } });
}

/**
 * Enqueue identity matching for a source. One waiting match per source (and per `all`): later
 * triggers join it; a trigger while one runs queues one more run after it (keepLastIfActive),
 * so records staged during a run are not left waiting for the next sync.
 */
export function enqueueIdentityMatch(queue: Queue, data: IdentityMatchJobData) {
  const id = `${JobName.IdentityMatch}:${data.sourceSystemId}${data.all ? ':all' : ''}`;
  return queue.add(JobName.IdentityMatch, data, { deduplication: { id, keepLastIfActive: true } });
}
