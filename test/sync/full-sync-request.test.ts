import type { Queue } from 'bullmq';
import type { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { createJobControl } from '../../jobs/job-control';
import { createSyncQueue, enqueueSync } from '../../jobs/queues';
import { fullSyncWanted, requestFullSync } from '../../jobs/sync/full-sync-request';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { rawQuery } from '../../src/platform/db/bulk';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { registerSource, startSimulator } from '../support/case-source';
import { syncer, until } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

describe('a requested full resync is never lost to a queued or running incremental sync', () => {
  let rt: TestRuntime;
  let sim: CaseSystemSimulator;
  let queue: Queue;
  let sourceId: string;

  const modesOf = async (jobId: string) =>
    (await rawQuery<{ mode: string }>(rt.orm.em.fork(), `select distinct mode from sync_run where job_id = ?`, [jobId])).rows.map((r) => r.mode);
  const wanted = () => fullSyncWanted(rt.orm.em.fork(), sourceId);

  beforeEach(async () => {
    rt = await createTestRuntime();
    queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
    let url: string;
    ({ sim, url } = await startSimulator(30));
    ({ sourceId } = await registerSource(rt, sim, url, { pageSize: 5 }));
    await syncer(rt)(sourceId, SyncMode.Full); // a first pass: later incremental runs stay incremental
  });
  afterEach(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await sim?.stop();
    await rt?.dispose();
  });

  it('runs the waiting incremental job as a full pass, then forgets the request', async () => {
    const plain = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Incremental });
    await syncer(rt)(sourceId, SyncMode.Incremental, { jobId: plain.id });
    expect(await modesOf(plain.id!)).toEqual(['incremental']);
    await plain.remove();

    const waiting = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Incremental });
    const full = await requestFullSync(rt.orm.em.fork(), queue, sourceId, { restamp: false });
    expect(full.id).toBe(waiting.id); // deduplicated: one sync per source
    expect(await wanted()).toBe(true);

    await syncer(rt)(sourceId, SyncMode.Incremental, { jobId: waiting.id });
    expect(await modesOf(waiting.id!)).toEqual(['full']);
    expect(await wanted()).toBe(false);
  });

  it('keeps a person’s request made while a full pass runs: that pass began too early to satisfy it', async () => {
    // A schedule's tick before the pass; the pass settles it …
    await requestFullSync(rt.orm.em.fork(), queue, sourceId, { restamp: false });
    sim.faults.latencyMs = 40;
    const running = syncer(rt)(sourceId, SyncMode.Full, { jobId: 'early-pass' });
    await until('the pass has begun', async () => (await modesOf('early-pass')).length > 0);
    // … but a tick during the pass keeps the older stamp (ticks never starve incremental syncs),
    await requestFullSync(rt.orm.em.fork(), queue, sourceId, { restamp: false });
    const stamp = async () => (await rawQuery<{ at: string }>(rt.orm.em.fork(), `select full_sync_requested_at::text as at from source_system where id = ?`, [sourceId])).rows[0].at;
    const ticked = await stamp();
    // … while an admin's request during the pass is stamped anew, so the pass does not settle it.
    await requestFullSync(rt.orm.em.fork(), queue, sourceId, { restamp: true });
    expect(await stamp()).not.toBe(ticked);
    await running;
    expect(await wanted()).toBe(true);

    sim.faults.latencyMs = 0;
    await syncer(rt)(sourceId, SyncMode.Incremental, { jobId: 'next-pass' });
    expect(await modesOf('next-pass')).toEqual(['full']);
    expect(await wanted()).toBe(false);
  });

  it('does not loop on a paused source: its request waits for the source to resume', async () => {
    await requestFullSync(rt.orm.em.fork(), queue, sourceId, { restamp: true });
    await rawQuery(rt.orm.em.fork(), `update source_system set enabled = false where id = ?`, [sourceId]);
    let worker: RunningWorker | undefined;
    try {
      worker = await startWorker(rt);
      await until('the paused source’s job has ended', async () => (await queue.getJobCounts('completed')).completed >= 1);
      // Time for a follow-up job to be queued and run, if the worker (wrongly) queued one.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await queue.getJobCounts('completed', 'waiting', 'active', 'delayed')).toEqual({ completed: 1, waiting: 0, active: 0, delayed: 0 });
      expect(await wanted()).toBe(false); // paused: not wanted now …
      await rawQuery(rt.orm.em.fork(), `update source_system set enabled = true where id = ?`, [sourceId]);
      expect(await wanted()).toBe(true); // … and wanted again once resumed
    } finally {
      await worker?.close();
    }
  });

  it('queues the full pass as soon as the running incremental sync it met ends', async () => {
    sim.faults.latencyMs = 40;
    const control = createJobControl(rt);
    let worker: RunningWorker | undefined;
    try {
      worker = await startWorker(rt);
      const first = await control.triggerSync(sourceId, SyncMode.Incremental);
      await until('the incremental run has begun', async () => (await modesOf(first.jobId)).length > 0);
      const asked = await control.triggerSync(sourceId, SyncMode.Full);
      expect(asked).toEqual({ jobId: first.jobId, alreadyQueued: true });
      expect(await modesOf(first.jobId)).toEqual(['incremental']);

      await until('a later full pass has settled the request', async () => !(await wanted()), 60_000);
      // Queue jobs have numeric ids (the setup's pass ran outside the queue).
      const { rows } = await rawQuery<{ job_id: string }>(
        rt.orm.em.fork(),
        `select distinct job_id from sync_run where source_system_id = ? and mode = 'full' and job_id ~ '^[0-9]+$'`,
        [sourceId],
      );
      expect(rows.map((r) => r.job_id)).toEqual([expect.not.stringMatching(`^${first.jobId}$`)]);
    } finally {
      await worker?.close();
      await control.close();
    }
  });
});
