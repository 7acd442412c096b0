import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { createMaintenanceQueue, createSyncQueue, enqueueSync, SYNC_QUEUE } from '../../jobs/queues';
import { reconcileSchedules } from '../../jobs/scheduler';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { runSync } from '../../jobs/sync/sync-runner';
import { rawQuery } from '../../src/platform/db/bulk';
import { projectRoot } from '../../src/platform/paths';
import { createRedis } from '../../src/platform/queue/redis';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { registerSource, startSimulator } from '../support/case-source';
import { until } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const MAIN = join(projectRoot(), 'dist/src/main.js');

/** Everything a sync lands, without surrogate keys or timestamps, for comparing two databases. */
async function snapshot(rt: TestRuntime) {
  const q = async (sql: string) => (await rawQuery(rt.orm.em.fork(), sql, [])).rows;
  return {
    children: await q(`select cpr_hmac, first_name, last_name, birth_date::text from child order by cpr_hmac`),
    placements: await q(`select p.external_id, c.cpr_hmac, p.type, p.place_name, p.start_date::text, p.end_date::text from placement p join child c on c.id = p.child_id order by 1`),
    contacts: await q(`select external_id, role, name from case_contact order by 1`),
    custody: await q(`select external_id, name, cpr_hmac from custody_holder order by 1`),
    links: await q(`select external_id from identity_link order by 1`),
  };
}

function startWorkerProcess(rt: TestRuntime, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: rt.config.DATABASE_URL,
      REDIS_URL: rt.config.REDIS_URL,
      QUEUE_PREFIX: rt.config.QUEUE_PREFIX,
      CPR_HMAC_KEY: rt.config.CPR_HMAC_KEY,
      LOG_LEVEL: 'warn',
      SYNC_LOCK_MS: '2000',
      SYNC_STALLED_CHECK_MS: '1000',
      ...env,
    },
    stdio: 'ignore',
  });
}


describe('sync jobs on BullMQ', () => {
  let rt: TestRuntime;
  let sim: CaseSystemSimulator;
  let url: string;
  let queue: Queue;

  beforeEach(async () => {
    rt = await createTestRuntime();
    queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
  });
  afterEach(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await sim?.stop();
    await rt?.dispose();
  });

  it('never queues two runs of the same source', async () => {
    ({ sim, url } = await startSimulator(5));
    const { sourceId } = await registerSource(rt, sim, url);
    const a = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Incremental });
    const b = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Full });
    expect(b.id).toBe(a.id);
    expect(await queue.count()).toBe(1);
  });

  it('puts a job stopped by a worker shutdown back without using up an attempt; the next worker finishes it', async () => {
    ({ sim, url } = await startSimulator(60));
    const { sourceId } = await registerSource(rt, sim, url, { pageSize: 5 });
    sim.faults.latencyMs = 40;
    const statuses = async (jobId: string) =>
      (await rawQuery<{ status: string }>(rt.orm.em.fork(), `select distinct status from sync_run where job_id = ? order by 1`, [jobId])).rows.map((r) => r.status);

    let worker: RunningWorker | undefined = await startWorker(rt);
    try {
      const job = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Full });
      await until('some committed pages', async () => (await statuses(job.id!)).length > 0);
      await worker.close();
      worker = undefined;
      const stopped = (await queue.getJob(job.id!))!;
      expect({ state: await stopped.getState(), attemptsMade: stopped.attemptsMade }).toEqual({ state: 'delayed', attemptsMade: 0 });
      expect(await statuses(job.id!)).toEqual(['running']);

      sim.faults.latencyMs = 0;
      worker = await startWorker(rt);
      await until('the resumed job completes', async () => (await queue.getJob(job.id!))?.finishedOn !== undefined, 60_000);
      expect(await (await queue.getJob(job.id!))!.getState()).toBe('completed');
      expect(await statuses(job.id!)).toEqual(['succeeded']);
    } finally {
      await worker?.close();
    }
  });

  it('resumes a killed worker’s run from the last committed page, with nothing lost or doubled', async () => {
    ({ sim, url } = await startSimulator(150));
    sim.faults.latencyMs = 25; // slow pages, so the kill lands mid-run
    const env: Record<string, string> = {};
    const { sourceId } = await registerSource(rt, sim, url, { pageSize: 10, env });
    // QueueEvents leaves a connection it was given open: this test closes it.
    const eventsConnection = createRedis(rt.config.REDIS_URL, 'worker');
    const events = new QueueEvents(SYNC_QUEUE, { connection: eventsConnection, prefix: rt.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    const first = startWorkerProcess(rt, env);
    let second: ChildProcess | undefined;
    try {
      const job = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Full });
      const readSoFar = async () =>
        Number((await rawQuery<{ n: string }>(rt.orm.em.fork(), `select coalesce(sum(read_count), 0) as n from sync_run where job_id = ?`, [job.id])).rows[0].n);
      await until('some committed pages', async () => (await readSoFar()) >= 40, 60_000);
      first.kill('SIGKILL');
      const atKill = await readSoFar();
      expect(atKill).toBeLessThan(sim.records('children').length + sim.records('placements').length);

      second = startWorkerProcess(rt, env);
      await job.waitUntilFinished(events, 90_000);
      const runs = (await rawQuery<{ stream: string; status: string }>(rt.orm.em.fork(), `select stream, status from sync_run where job_id = ?`, [job.id])).rows;
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      // Resumed, not restarted: at most the uncommitted page per stream is read twice.
      const records = ['children', 'placements', 'case-contacts', 'custody-holders'].reduce((n, r) => n + sim.records(r as 'children').length, 0);
      expect(await readSoFar()).toBeLessThanOrEqual(records + 10 * 5);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      await events.close();
      eventsConnection.disconnect();
    }
    const resumed = await snapshot(rt);

    // The same source synced cleanly into a fresh database.
    const clean = await createTestRuntime();
    try {
      sim.faults.latencyMs = 0;
      const { sourceId: cleanSource } = await registerSource(clean, sim, url);
      await runSync({ sourceSystemId: cleanSource, mode: SyncMode.Full }, { orm: clean.orm, cprKey: clean.config.CPR_HMAC_KEY, jobId: 'clean', signal: new AbortController().signal, finalAttempt: true });
      expect(resumed).toEqual(await snapshot(clean));
      expect(resumed.children).toHaveLength(150);
    } finally {
      await clean.dispose();
    }
  });

  it('fails a job for good on a system error: no retry reopens its failed run', async () => {
    // A source answering outside the contract (HTTP 422 to the token request): a system error.
    const source = createServer((_req, res) => res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"unprocessable"}'));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    ({ sim, url } = await startSimulator(1)); // for its credentials only
    const { sourceId } = await registerSource(rt, sim, `http://127.0.0.1:${(source.address() as AddressInfo).port}`);
    const worker = await startWorker(rt);
    try {
      const job = await enqueueSync(queue, { sourceSystemId: sourceId, mode: SyncMode.Incremental });
      // A retried job would wait in 'delayed' (backoff) and then reopen the run.
      await until('the job to settle', async () => ['failed', 'delayed', 'completed'].includes(await queue.getJobState(job.id!)));
      const settled = (await queue.getJob(job.id!))!;
      expect(settled.opts.attempts).toBeGreaterThan(1);
      expect({ state: await settled.getState(), attemptsMade: settled.attemptsMade, reason: settled.failedReason }).toEqual({
        state: 'failed',
        attemptsMade: 1,
        reason: expect.stringMatching(/oauth\/token: HTTP 422/),
      });
      const runs = (await rawQuery<{ status: string }>(rt.orm.em.fork(), `select status from sync_run where job_id = ?`, [job.id])).rows;
      expect(runs).toEqual([{ status: 'failed' }]);
    } finally {
      await worker.close();
      source.closeAllConnections();
      await new Promise((resolve) => source.close(resolve));
    }
  });

  it('keeps sync schedules in step with source edits, without a restart', async () => {
    ({ sim, url } = await startSimulator(1));
    const maintenance = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    try {
      const { sourceId } = await registerSource(rt, sim, url, { schedule: '*/15 * * * *' });
      const keys = async () => (await maintenance.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith('sync:')).map((s) => [s.key, s.pattern]);
      await reconcileSchedules(rt, maintenance);
      expect(await keys()).toEqual([[`sync:${sourceId}:incremental`, '*/15 * * * *']]);

      const conn = rt.orm.em.getConnection();
      await conn.execute(`update source_system set schedule = '0 2 * * *', full_resync_schedule = '0 4 * * 0' where id = ?`, [sourceId]);
      await reconcileSchedules(rt, maintenance);
      expect((await keys()).sort()).toEqual([
        [`sync:${sourceId}:full`, '0 4 * * 0'],
        [`sync:${sourceId}:incremental`, '0 2 * * *'],
      ]);

      await conn.execute(`update source_system set enabled = false where id = ?`, [sourceId]);
      await reconcileSchedules(rt, maintenance);
      expect(await keys()).toEqual([]);

      await conn.execute(`update source_system set enabled = true where id = ?`, [sourceId]);
      await reconcileSchedules(rt, maintenance);
      expect(await keys()).toHaveLength(2);
      await conn.execute(`delete from source_system where id = ?`, [sourceId]);
      await reconcileSchedules(rt, maintenance);
      expect(await keys()).toEqual([]);
    } finally {
      await maintenance.obliterate({ force: true });
      await maintenance.close();
    }
  });
});
