import { randomUUID } from 'node:crypto';
import { runSync, type StreamResult, type SyncJobData } from '../../jobs/sync/sync-runner';
import { SyncMode } from '../../src/sources/sync-run.entity';
import type { TestRuntime } from './test-runtime';

export interface SyncRunOptions {
  jobId?: string;
  signal?: AbortSignal;
  /** False: a failure leaves the runs resumable, as on a job attempt BullMQ will retry. */
  finalAttempt?: boolean;
}

/** Runs syncs in the test process, as the worker's sync processor does (no queue). */
export function syncer(rt: TestRuntime) {
  return async (sourceId: string, mode = SyncMode.Incremental, opts: SyncRunOptions = {}) =>
    (await runSync({ sourceSystemId: sourceId, mode } satisfies SyncJobData, {
      orm: rt.orm,
      cprKey: rt.config.CPR_HMAC_KEY,
      jobId: opts.jobId ?? randomUUID(),
      signal: opts.signal ?? new AbortController().signal,
      finalAttempt: opts.finalAttempt ?? true,
    })) as StreamResult[];
}

export type Counter = keyof Omit<StreamResult, 'stream' | 'status'>;
export const total = (results: StreamResult[], key: Counter) => results.reduce((n, r) => n + r[key], 0);
export const of = (results: StreamResult[], stream: string) => results.find((r) => r.stream === stream)!;

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
