import type { Queue } from 'bullmq';
import { caseSystemConnector } from '../../connectors/case-system/connector';
import type { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { createMaintenanceQueue } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import {
  PauseSourceSystemDocument,
  QuarantinedRecordsDocument,
  ResolveQuarantinedRecordDocument,
  ResumeSourceSystemDocument,
  SourceSystemsDocument,
  SyncRunsDocument,
  TriggerSyncDocument,
  UpsertSourceSystemDocument,
  type SourceSystemInput,
  type SyncRunsQuery,
  type SyncRunsQueryVariables,
} from '../../schema/client/graphql';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { generatePopulation } from '../../src/synthetic/generator';
import { MUNICIPALITY, registerSource, startSimulator } from '../support/case-source';
import { execute, post } from '../support/graphql-client';
import { ensureMunicipality, fetchToken, registerPartner } from '../support/partners';
import { until } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const SIM_CHILDREN = 30;
const SIM_SEED = 9;


describe('admin API for connectors', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let sim: CaseSystemSimulator;
  let simUrl: string;
  let maintenance: Queue;
  const auth: Record<string, string> = {};

  const schedulers = async () =>
    Object.fromEntries((await maintenance.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith('sync:')).map((s) => [s.key, s.pattern]));

  beforeAll(async () => {
    rt = await createTestRuntime();
    ({ sim, url: simUrl } = await startSimulator(SIM_CHILDREN, SIM_SEED));
    // The municipality exists once a source was registered for it.
    await registerSource(rt, sim, simUrl);
    http = await startHttpServer(rt);
    const admin = await registerPartner(rt, { municipalityCode: MUNICIPALITY.code, municipalityName: MUNICIPALITY.name, role: 'admin', purposes: ['administration'] });
    auth.authorization = `Bearer ${await fetchToken(http.url, admin.clientId, admin.clientSecret)}`;
    maintenance = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
  });

  afterAll(async () => {
    await http?.close();
    await maintenance?.obliterate({ force: true }).catch(() => undefined);
    await maintenance?.close();
    await sim?.stop();
    await rt?.dispose();
  });

  const input = (over: Partial<SourceSystemInput> = {}): SourceSystemInput => ({
    municipalityCode: MUNICIPALITY.code,
    name: 'DUBU export',
    kind: 'CASE_SYSTEM',
    baseUrl: simUrl,
    credentialRef: 'admin_test_case',
    config: { pageSize: 10 },
    schedule: '*/15 * * * *',
    fullResyncSchedule: '0 3 * * 0',
    ...over,
  });

  it('creates a source and schedules it at once; edits and pauses change the schedule without a restart', async () => {
    const created = await execute(http.url, UpsertSourceSystemDocument, { input: input() }, auth);
    expect(created.errors).toBeUndefined();
    const source = created.data!.upsertSourceSystem;
    expect(source).toMatchObject({ kind: 'CASE_SYSTEM', enabled: true, schedule: '*/15 * * * *', config: { pageSize: 10 } });
    expect(await schedulers()).toMatchObject({ [`sync:${source.id}:incremental`]: '*/15 * * * *', [`sync:${source.id}:full`]: '0 3 * * 0' });

    const edited = await execute(http.url, UpsertSourceSystemDocument, { input: input({ id: source.id, schedule: '5 * * * *', fullResyncSchedule: null }) }, auth);
    expect(edited.errors).toBeUndefined();
    const afterEdit = await schedulers();
    expect(afterEdit[`sync:${source.id}:incremental`]).toBe('5 * * * *');
    expect(afterEdit[`sync:${source.id}:full`]).toBeUndefined();

    const paused = await execute(http.url, PauseSourceSystemDocument, { id: source.id }, auth);
    expect(paused.data!.pauseSourceSystem.enabled).toBe(false);
    expect(Object.keys(await schedulers()).filter((k) => k.includes(source.id))).toEqual([]);
    const refused = await execute(http.url, TriggerSyncDocument, { sourceId: source.id, mode: 'FULL' }, auth);
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    await execute(http.url, ResumeSourceSystemDocument, { id: source.id }, auth);
    expect((await schedulers())[`sync:${source.id}:incremental`]).toBe('5 * * * *');

    const listed = await execute(http.url, SourceSystemsDocument, { municipalityCode: MUNICIPALITY.code }, auth);
    expect(listed.data!.sourceSystems.map((s) => s.name)).toContain('DUBU export');
  });

  it('an edit that omits enabled keeps a paused source paused (true is the default on create only)', async () => {
    const created = (await execute(http.url, UpsertSourceSystemDocument, { input: input({ name: 'Paused export' }) }, auth)).data!.upsertSourceSystem;
    expect(created.enabled).toBe(true);
    await execute(http.url, PauseSourceSystemDocument, { id: created.id }, auth);

    const edited = await execute(http.url, UpsertSourceSystemDocument, { input: input({ id: created.id, name: 'Paused export', schedule: '7 * * * *' }) }, auth);
    expect(edited.errors).toBeUndefined();
    expect(edited.data!.upsertSourceSystem).toMatchObject({ enabled: false, schedule: '7 * * * *' });
    expect(Object.keys(await schedulers()).filter((k) => k.includes(created.id))).toEqual([]);

    const resumed = await execute(http.url, UpsertSourceSystemDocument, { input: input({ id: created.id, name: 'Paused export', enabled: true }) }, auth);
    expect(resumed.data!.upsertSourceSystem.enabled).toBe(true);
  });

  it('rejects bad input with BAD_USER_INPUT and a path per field, saving nothing', async () => {
    const before = (await rawQuery<{ n: string }>(rt.orm.em.fork(), 'select count(*) as n from source_system', [])).rows[0].n;
    const bad = await execute(http.url, UpsertSourceSystemDocument, {
      input: input({ name: 'Broken', schedule: 'every night', fullResyncSchedule: '61 * * * *', config: { pageSize: 0, password: 'x' } }),
    }, auth);
    expect(bad.data).toBeNull();
    const err = bad.errors![0] as { extensions?: { code?: string; fields?: { path: string }[] } };
    expect(err.extensions?.code).toBe('BAD_USER_INPUT');
    expect(err.extensions?.fields?.map((f) => f.path).sort()).toEqual(['input.config', 'input.fullResyncSchedule', 'input.schedule']);
    expect(JSON.stringify(bad.errors)).not.toContain('"x"');

    const validation = await execute(http.url, UpsertSourceSystemDocument, { input: input({ name: '', municipalityCode: '12', credentialRef: 'no spaces' }) }, auth);
    const fields = (validation.errors![0].extensions as { fields?: { path: string }[] }).fields!.map((f) => f.path).sort();
    expect(validation.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(fields).toEqual(['input.credentialRef', 'input.municipalityCode', 'input.name']);

    const unknownMunicipality = await execute(http.url, UpsertSourceSystemDocument, { input: input({ name: 'Elsewhere', municipalityCode: '999' }) }, auth);
    expect(unknownMunicipality.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const badId = await execute(http.url, PauseSourceSystemDocument, { id: 'not-an-id' }, auth);
    expect(badId.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await execute(http.url, PauseSourceSystemDocument, { id: '00000000-0000-4000-8000-000000000000' }, auth);
    expect(unknown.errors![0].extensions?.code).toBe('NOT_FOUND');

    const after = (await rawQuery<{ n: string }>(rt.orm.em.fork(), 'select count(*) as n from source_system', [])).rows[0].n;
    expect(after).toBe(before);
  });

  describe('with a worker', () => {
    let worker: RunningWorker;
    beforeAll(async () => {
      worker = await startWorker(rt);
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('triggers a sync, pages its runs and resolves quarantined records', async () => {
      sim.faults.malformedRate = 0.2;
      const { sourceId, secretEnv } = await registerSource(rt, sim, simUrl, { pageSize: 7 });
      expect(Object.keys(secretEnv)).toHaveLength(1);

      const first = await execute(http.url, TriggerSyncDocument, { sourceId, mode: 'FULL' }, auth);
      const second = await execute(http.url, TriggerSyncDocument, { sourceId, mode: 'INCREMENTAL' }, auth);
      expect(first.data!.triggerSync.alreadyQueued).toBe(false);
      // Still queued or running: no second run, the same job is returned.
      if (second.data!.triggerSync.alreadyQueued) expect(second.data!.triggerSync.jobId).toBe(first.data!.triggerSync.jobId);

      // The second trigger either found the first still queued/running, or (fast machine) ran after it.
      const streams = (await caseSystemConnector.streams(undefined as never)).length;
      const jobIds = [...new Set([first.data!.triggerSync.jobId, second.data!.triggerSync.jobId])];
      const finished = async (jobId: string) => {
        const { rows } = await rawQuery<{ total: string; done: string }>(
          rt.orm.em.fork(),
          `select count(*) as total, count(*) filter (where status <> 'running') as done from sync_run where job_id = ?`,
          [jobId],
        );
        return Number(rows[0].total) >= streams && rows[0].done === rows[0].total;
      };
      await until('the triggered syncs to finish', async () => (await Promise.all(jobIds.map(finished))).every(Boolean));

      // Page through every run, one per page; the cursors visit each exactly once, newest first.
      const seen: string[] = [];
      const started: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Awaited<ReturnType<typeof execute<SyncRunsQuery, SyncRunsQueryVariables>>> = await execute(http.url, SyncRunsDocument, { sourceId, first: 1, after }, auth);
        expect(page.errors).toBeUndefined();
        for (const e of page.data!.syncRuns.edges) (seen.push(e.node.id), started.push(e.node.startedAt));
        if (!page.data!.syncRuns.pageInfo.hasNextPage) break;
        after = page.data!.syncRuns.pageInfo.endCursor ?? null;
      }
      const { rows: runRows } = await rawQuery<{ id: string }>(rt.orm.em.fork(), 'select id from sync_run where source_system_id = ?', [sourceId]);
      expect(new Set(seen)).toEqual(new Set(runRows.map((r) => r.id)));
      expect(seen).toHaveLength(runRows.length);
      expect([...started].sort().reverse()).toEqual(started);

      const runs = (await execute(http.url, SyncRunsDocument, { sourceId, first: 50 }, auth)).data!.syncRuns.edges.map((e) => e.node);
      expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
      const fullRuns = runs.filter((r) => r.jobId === first.data!.triggerSync.jobId);
      expect(fullRuns.map((r) => r.mode)).toEqual(Array(streams).fill('FULL'));
      const quarantinedCount = fullRuns.reduce((n, r) => n + r.quarantined, 0);
      expect(quarantinedCount).toBeGreaterThan(0);

      const open = await execute(http.url, QuarantinedRecordsDocument, { sourceId, first: 100 }, auth);
      const entries = open.data!.quarantinedRecords.edges.map((e) => e.node);
      expect(entries).toHaveLength(quarantinedCount);
      expect(entries.every((q) => q.reason.length > 0 && q.resolvedAt === null)).toBe(true);
      // Redacted: no CPR number of the source's population anywhere in what the admin sees.
      const shown = JSON.stringify(entries);
      for (const child of generatePopulation({ seed: SIM_SEED, children: SIM_CHILDREN, municipalities: [MUNICIPALITY] }).children()) {
        expect(shown).not.toContain(child.cpr.replace('-', ''));
        expect(shown).not.toContain(child.cpr);
      }
      expect(entries.filter((q) => q.stream === 'children').every((q) => (q.redactedPayload as { cpr?: string }).cpr === '[redacted]')).toBe(true);

      const target = entries[0];
      const resolved = await execute(http.url, ResolveQuarantinedRecordDocument, { input: { id: target.id, resolution: 'IGNORED', note: 'test record' } }, auth);
      expect(resolved.data!.resolveQuarantinedRecord).toMatchObject({ id: target.id, resolution: 'ignored' });
      const again = await execute(http.url, ResolveQuarantinedRecordDocument, { input: { id: target.id, resolution: 'IGNORED' } }, auth);
      expect(again.errors![0].extensions?.code).toBe('BAD_USER_INPUT');

      const stillOpen = await execute(http.url, QuarantinedRecordsDocument, { sourceId, first: 100 }, auth);
      expect(stillOpen.data!.quarantinedRecords.edges.map((e) => e.node.id)).not.toContain(target.id);
      const all = await execute(http.url, QuarantinedRecordsDocument, { sourceId, open: false, first: 100 }, auth);
      expect(all.data!.quarantinedRecords.edges.map((e) => e.node.id)).toContain(target.id);
      sim.faults.malformedRate = 0;
    });
  });

  it('lists only its own municipality’s sources, whatever municipalityCode asks for', async () => {
    const elsewhere = await ensureMunicipality(rt, '479', 'Svendborg');
    await rawQuery(rt.orm.em.fork(), `insert into source_system (municipality_id, name, kind, base_url, credential_ref) values (?, 'Svendborg OneRoster', 'oneroster', 'https://or.svendborg.example', 'svendborg_or')`, [elsewhere]);
    const foreign = await execute(http.url, SourceSystemsDocument, { municipalityCode: '479' }, auth);
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data!.sourceSystems).toEqual([]);
    // A source of generated data has no connector: triggering it is refused, not queued to fail.
    const [{ id: synthetic }] = (
      await rawQuery<{ id: string }>(rt.orm.em.fork(), `insert into source_system (municipality_id, name, kind) select id, 'Generated', 'synthetic' from municipality where code = ? returning id`, [MUNICIPALITY.code])
    ).rows;
    const refused = await execute(http.url, TriggerSyncDocument, { sourceId: synthetic, mode: 'FULL' }, auth);
    expect([refused.errors?.[0].extensions?.code, refused.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'sourceId: a synthetic source has no connector to sync']);
    const all = await execute(http.url, SourceSystemsDocument, {}, auth);
    expect(all.data!.sourceSystems.map((s) => s.name)).not.toContain('Svendborg OneRoster');
  });

  it('answers a malformed cursor and an oversized page with BAD_USER_INPUT', async () => {
    const { data } = await execute(http.url, SourceSystemsDocument, {}, auth);
    const sourceId = data!.sourceSystems[0].id;
    const badCursor = await execute(http.url, SyncRunsDocument, { sourceId, first: 5, after: 'bm9wZQ' }, auth);
    expect(badCursor.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await post(http.url, { query: `{ quarantinedRecords(first: 1000) { edges { node { id } } } }` }, auth);
    expect(tooMany.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
