import type { Job, Queue } from 'bullmq';
import type { EdFiSimulator } from '../../connectors/edfi/simulator';
import type { IdentityMatchJobResult } from '../../jobs/identity-match.job';
import { secretEnvName } from '../../connectors/secrets';
import { createMaintenanceQueue, createSyncQueue, enqueueIdentityMatch, enqueueSync, JobName } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { rawQuery } from '../../src/platform/db/bulk';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { registerEdFiSource, seedHubChildren, startEdFi } from '../connectors/edfi/edfi-source';
import { until } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

// The matching job on BullMQ, with the worker of jobs/worker.ts: an Ed-Fi school system that
// sends no CPR numbers (names, birth dates and UNI-Login ids only) for 8 hub children and 3
// other pupils. The sync itself can link nobody, so it keeps no school data; the match job
// after it links the 8 on names and dates and triggers one full sync, which brings their data.


describe('identity matching job on the queue', () => {
  let rt: TestRuntime;
  let worker: RunningWorker;
  let sim: EdFiSimulator;
  let simUrl: string;
  let sourceId: string;
  let sync: Queue;
  let maintenance: Queue;

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) => Number((await q<{ n: string }>(sql, params))[0].n);
  const matchJobs = async () => ((await maintenance.getJobs(['completed'])) as Job[]).filter((j) => j.name === JobName.IdentityMatch).sort((a, b) => a.timestamp - b.timestamp);
  const idle = async () => {
    const busy = async (queue: Queue) => Object.values(await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).some((n) => n > 0);
    return !(await busy(sync)) && !(await busy(maintenance));
  };

  beforeAll(async () => {
    rt = await createTestRuntime();
    let population;
    ({ sim, url: simUrl, population } = await startEdFi(8, { omitCprRate: 1, extraPupils: 3 }));
    await seedHubChildren(rt, population);
    ({ sourceId } = await registerEdFiSource(rt, sim, simUrl));
    sync = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
    maintenance = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    worker = await startWorker(rt);
  });
  afterAll(async () => {
    await worker?.close();
    for (const queue of [sync, maintenance]) {
      await queue?.obliterate({ force: true }).catch(() => undefined);
      await queue?.close();
    }
    await sim?.stop();
    await rt?.dispose();
  });

  it('runs after a sync, links the pupils and brings their school data with one follow-up full sync', async () => {
    await enqueueSync(sync, { sourceSystemId: sourceId, mode: SyncMode.Incremental });
    await until('two matches after two syncs', async () => (await matchJobs()).length >= 2 && (await idle()));

    const [first, second] = await matchJobs();
    const firstResult = first.returnvalue as Extract<IdentityMatchJobResult, { counts: unknown }>;
    expect(firstResult.counts).toMatchObject({ considered: 11, linked: { cpr: 0, uni_login: 0, probabilistic: 8 }, pendingReview: 0, unlinked: 3, newLinks: 8 });
    expect(firstResult.followUpSyncJobId).toBeDefined();
    // The follow-up sync's match links nothing new (the other pupils came back with the full
    // sync and are dropped again): no further sync, no loop.
    expect(second.returnvalue).toEqual({ counts: expect.objectContaining({ considered: 3, unlinked: 3, newLinks: 0 }) });

    const syncs = await sync.getJobs(['completed']);
    expect(syncs.map((j) => j.data.mode).sort()).toEqual(['full', 'incremental']);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ? and status = 'linked' and method = 'probabilistic'`, [sourceId])).toBe(8);
    // Only the linked pupils' identities are held; every one of them has its school year of attendance.
    expect(await count(`select count(*) as n from pupil_record where source_system_id = ?`, [sourceId])).toBe(8);
    const days = await q<{ n: number }>(`select count(*)::int as n from attendance_day where source_system_id = ? group by child_id`, [sourceId]);
    expect(days).toHaveLength(8);
    expect(days.every((d) => d.n > 100)).toBe(true);

    await new Promise((r) => setTimeout(r, 500));
    expect(await idle()).toBe(true);
    expect(await sync.getJobs(['completed'])).toHaveLength(2);
  });

  it('matches a source whose sync failed for good too (the pages it committed before failing)', async () => {
    const { sourceId: broken, credentialRef } = await registerEdFiSource(rt, sim, simUrl);
    process.env[secretEnvName(credentialRef)] = JSON.stringify({ clientId: sim.credentials.clientId, clientSecret: 'wrong' });
    await enqueueSync(sync, { sourceSystemId: broken, mode: SyncMode.Incremental });
    await until('the failed sync and its match', async () => (await matchJobs()).some((j) => j.data.sourceSystemId === broken) && (await idle()));
    expect((await sync.getJobs(['failed'])).map((j) => j.data.sourceSystemId)).toEqual([broken]);
  });

  it('a case-system source fans out to every school source of its municipality, all records included', async () => {
    const [{ id: caseSource }] = await q<{ id: string }>(
      `insert into source_system (municipality_id, name, kind) select municipality_id, 'Sagssystem', 'case_system' from source_system where id = ? returning id`,
      [sourceId],
    );
    const before = (await matchJobs()).length;
    const job = await enqueueIdentityMatch(maintenance, { sourceSystemId: caseSource });
    await until('the fanned-out match', async () => (await matchJobs()).length >= before + 2 && (await idle()));
    const jobs = await matchJobs();
    expect(jobs.find((j) => j.id === job.id)?.returnvalue).toEqual({ fannedOut: expect.arrayContaining([sourceId]) });
    const fanned = jobs.find((j) => j.data.sourceSystemId === sourceId && j.data.all);
    expect(fanned?.returnvalue).toEqual({ counts: expect.objectContaining({ considered: 0, newLinks: 0 }) });
  });
});
