import type { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { RESOURCES } from '../../connectors/case-system/wire';
import { rawQuery } from '../../src/platform/db/bulk';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { registerSource, startSimulator } from '../support/case-source';
import { syncer, total } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const CHILDREN = 60;

describe('case-system sync (simulator over HTTP, real PostgreSQL)', () => {
  let rt: TestRuntime;
  let sim: CaseSystemSimulator;
  let url: string;

  beforeEach(async () => {
    rt = await createTestRuntime();
    ({ sim, url } = await startSimulator(CHILDREN));
  });
  afterEach(async () => {
    await sim?.stop();
    await rt?.dispose();
  });

  const sync = (sourceId: string, mode = SyncMode.Incremental) => syncer(rt)(sourceId, mode);
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await rawQuery<{ n: string }>(rt.orm.em.fork(), sql, params)).rows[0].n);

  it('lands every child and placement on a full sync, and a second run changes nothing', async () => {
    const { sourceId } = await registerSource(rt, sim, url);
    const first = await sync(sourceId, SyncMode.Full);
    expect(first.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN);
    expect(await count('select count(*) as n from placement')).toBe(sim.records('placements').length);
    expect(await count('select count(*) as n from case_contact')).toBe(sim.records('case-contacts').length);
    expect(await count('select count(*) as n from custody_holder')).toBe(sim.records('custody-holders').length);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ? and method = 'cpr'`, [sourceId])).toBe(CHILDREN);
    expect(total(first, 'inserted')).toBe(total(first, 'read'));

    const second = await sync(sourceId);
    expect(total(second, 'inserted')).toBe(0);
    expect(total(second, 'updated')).toBe(0);
    expect(total(second, 'deleted')).toBe(0);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN);

    // A second full pass reads everything again and finds every row as it is.
    const full = await sync(sourceId, SyncMode.Full);
    expect(full.map((r) => r.stream).sort()).toEqual([...RESOURCES, 'deletions'].sort());
    for (const r of full) {
      expect(r).toMatchObject({ stream: r.stream, status: 'succeeded', inserted: 0, updated: 0, deleted: 0, quarantined: 0, unchanged: r.read });
    }
    expect(total(full, 'read')).toBe(total(first, 'read'));
  });

  it('lands records that omit the keys openapi.yaml makes optional', async () => {
    const [contact] = sim.records('case-contacts');
    const [holder] = sim.records('custody-holders');
    // undefined drops the key: the record is served without it, as a vendor may send it.
    sim.update('case-contacts', contact.id, { organisation: undefined, email: undefined, phone: undefined });
    sim.update('custody-holders', holder.id, { cpr: undefined });
    const { sourceId } = await registerSource(rt, sim, url);
    const results = await sync(sourceId, SyncMode.Full);
    expect(total(results, 'quarantined')).toBe(0);
    const q = async (sql: string, id: string) => (await rawQuery<Record<string, unknown>>(rt.orm.em.fork(), sql, [id])).rows;
    expect(await q('select organisation, email, phone from case_contact where external_id = ?', contact.id)).toEqual([{ organisation: null, email: null, phone: null }]);
    expect(await q('select cpr_hmac from custody_holder where external_id = ?', holder.id)).toEqual([{ cpr_hmac: null }]);
  });

  it('brings edits and deletes at the source with an incremental run', async () => {
    const { sourceId } = await registerSource(rt, sim, url);
    await sync(sourceId, SyncMode.Full);
    const [child] = sim.records('children');
    const [placement] = sim.records('placements').filter((p) => p.childId !== child.id);
    sim.update('children', child.id, { lastName: 'Østergaard-Test' });
    sim.update('placements', placement.id, { placeName: 'Opholdsstedet Nyt Sted' });
    const gone = sim.records('children')[5];
    const goneDependents = ['placements', 'case-contacts', 'custody-holders'].reduce(
      (n, r) => n + sim.records(r as 'placements').filter((x) => x.childId === gone.id).length,
      0,
    );
    sim.remove('children', gone.id);

    const results = await sync(sourceId);
    expect(total(results, 'updated')).toBe(2);
    expect(total(results, 'inserted')).toBe(0);
    expect(total(results, 'deleted')).toBe(1 + goneDependents);
    expect(await count(`select count(*) as n from child where last_name = 'Østergaard-Test'`)).toBe(1);
    expect(await count(`select count(*) as n from placement where external_id = ? and place_name = 'Opholdsstedet Nyt Sted'`, [placement.id])).toBe(1);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN - 1);
    expect(await count('select count(*) as n from placement')).toBe(sim.records('placements').length);
  });

  it('a child whose case record is deleted leaves the hub with its school data, even while a school source links it', async () => {
    const { sourceId } = await registerSource(rt, sim, url);
    await sync(sourceId, SyncMode.Full);
    const gone = sim.records('children')[7];
    const q = async (sql: string, params: unknown[] = []) => (await rawQuery<Record<string, unknown>>(rt.orm.em.fork(), sql, params)).rows;
    const [{ child_id: childId }] = await q(`select child_id from identity_link where source_system_id = ? and external_id = ?`, [sourceId, gone.id]);
    const [{ id: school }] = await q(`insert into source_system (municipality_id, name, kind) select municipality_id, 'Skole', 'edfi' from source_system where id = ? returning id`, [sourceId]);
    const [{ id: linkId }] = await q(`insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'elev-7', ?, 'cpr', 1, 'linked') returning id`, [school, childId]);
    await q(`insert into pupil_record (source_system_id, external_id, first_name, matched_at) values (?, 'elev-7', 'X', now())`, [school]);
    await q(`insert into attendance_day (source_system_id, external_id, child_id, identity_link_id, date, status) values (?, 'elev-7:2025-09-01', ?, ?, '2025-09-01', 'present')`, [school, childId, linkId]);

    sim.remove('children', gone.id);
    await sync(sourceId);
    expect(await count(`select count(*) as n from child where id = ?`, [childId])).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [school])).toBe(0);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ?`, [school])).toBe(0);
    // The school's record of that pupil waits for the next matching run (which drops it).
    expect(await q(`select matched_at from pupil_record where source_system_id = ?`, [school])).toEqual([{ matched_at: null }]);
  });

  it('quarantines malformed records with reasons (CPR redacted) and lands the rest', async () => {
    sim.faults.malformedRate = 0.1;
    const { sourceId } = await registerSource(rt, sim, url);
    const results = await sync(sourceId, SyncMode.Full);
    const malformedChildren = sim.records('children').filter((c) => sim.isMalformed(c.id));
    expect(malformedChildren.length).toBeGreaterThan(0);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN - malformedChildren.length);

    const quarantined = (await rawQuery<{ stream: string; external_id: string; reason: string; redacted_payload: unknown }>(
      rt.orm.em.fork(),
      'select stream, external_id, reason, redacted_payload from quarantined_record where source_system_id = ? and resolved_at is null',
      [sourceId],
    )).rows;
    expect(quarantined.length).toBe(total(results, 'quarantined'));
    // Every malformed record of every stream is there with a reason naming the broken field (an
    // impossible date, an end before the start, a missing child …), and so are the records of
    // children that could not land.
    let malformedServed = 0;
    for (const stream of RESOURCES) {
      const malformed = sim.records(stream).filter((r) => sim.isMalformed(r.id));
      malformedServed += malformed.length;
      const fields = [...new Set(malformed.map((r) => sim.malformedField(stream, r.id)))].sort();
      expect({ stream, broken: malformed.length > 0 }).toEqual({ stream, broken: true });
      // Dated streams get every break: a missing child, an impossible date, an end before the start.
      if (stream === 'placements' || stream === 'case-contacts') expect({ stream, fields }).toEqual({ stream, fields: ['childId', 'endDate', 'startDate'] });
      for (const r of malformed) {
        const q = quarantined.find((x) => x.stream === stream && x.external_id === r.id);
        expect({ stream, id: r.id, reason: q?.reason }).toEqual({ stream, id: r.id, reason: expect.stringContaining(`${sim.malformedField(stream, r.id)}:`) });
      }
    }
    expect(sim.faultsServed.malformed).toBe(malformedServed); // each served once: no page was read twice
    const allRecords = sim.records('children').length + sim.records('placements').length + sim.records('case-contacts').length + sim.records('custody-holders').length;
    expect(total(results, 'read')).toBe(allRecords);
    expect(total(results, 'inserted') + total(results, 'quarantined')).toBe(allRecords);
    // No CPR number in clear anywhere in quarantine.
    const dump = JSON.stringify(quarantined);
    for (const c of sim.records('children')) expect(dump).not.toContain(String(c.cpr));
    expect(dump).not.toMatch(/\b\d{6}-?\d{4}\b/);

    // Fixed at the source: the next run lands them and resolves the quarantine.
    sim.faults.malformedRate = 0;
    for (const c of malformedChildren) sim.update('children', c.id, {});
    await sync(sourceId);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN);
    expect(await count(`select count(*) as n from quarantined_record where stream = 'children' and resolved_at is null`)).toBe(0);
  });

  it('retries 5xx pages and completes', async () => {
    sim.faults.errorRate = 0.3;
    const { sourceId } = await registerSource(rt, sim, url);
    const results = await sync(sourceId, SyncMode.Full);
    expect(sim.faultsServed.unavailable).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await count('select count(*) as n from child')).toBe(CHILDREN);
    expect(await count('select count(*) as n from placement')).toBe(sim.records('placements').length);
  });

  it('repairs drift with a full resync: rows the source no longer has are deleted', async () => {
    const { sourceId } = await registerSource(rt, sim, url);
    await sync(sourceId, SyncMode.Full);
    // Drift: a row the source never sent, and a source row lost locally.
    const [p] = sim.records('placements');
    await rawQuery(rt.orm.em.fork(), `update placement set external_id = 'stale-row' where external_id = ?`, [p.id]);
    const results = await sync(sourceId, SyncMode.Full);
    expect(total(results, 'deleted')).toBe(1);
    expect(total(results, 'inserted')).toBe(1);
    expect(await count(`select count(*) as n from placement where external_id = 'stale-row'`)).toBe(0);
    expect(await count('select count(*) as n from placement')).toBe(sim.records('placements').length);
    expect(await count('select count(*) as n from sync_seen')).toBe(0);
  });

  it('fails without retry on bad credentials (config error)', async () => {
    const { sourceId, credentialRef } = await registerSource(rt, sim, url);
    process.env[`SKOLEBRO_SECRET_${credentialRef.toUpperCase()}`] = JSON.stringify({ type: 'oauth2', clientId: 'x', clientSecret: 'wrong' });
    await expect(sync(sourceId)).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/HTTP 401/) });
    expect(await count(`select count(*) as n from sync_run where source_system_id = ? and status = 'failed'`, [sourceId])).toBe(1);
  });
});
