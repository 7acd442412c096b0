import type { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { cprHmac } from '../../src/identity/cpr';
import { rawQuery } from '../../src/platform/db/bulk';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { syntheticCpr } from '../../src/synthetic/identifiers';
import { registerSource, startSimulator } from '../support/case-source';
import { of, syncer } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** A case record whose CPR number changes at the source is the same child in the hub. */
describe('CPR corrections at the case system', () => {
  let rt: TestRuntime;
  let sim: CaseSystemSimulator;
  let sourceId: string;

  const q = async <R>(sql: string, params: unknown[] = []) => (await rawQuery<R>(rt.orm.em.fork(), sql, params)).rows;
  const childOf = async (externalId: string) =>
    (await q<{ child_id: string }>(`select child_id from identity_link where source_system_id = ? and external_id = ?`, [sourceId, externalId]))[0].child_id;

  beforeEach(async () => {
    rt = await createTestRuntime();
    let url: string;
    ({ sim, url } = await startSimulator(4));
    ({ sourceId } = await registerSource(rt, sim, url));
    await syncer(rt)(sourceId, SyncMode.Full);
  });
  afterEach(async () => {
    await sim?.stop();
    await rt?.dispose();
  });

  it('corrects the child in place: same child, same placements, no second child', async () => {
    const [record] = sim.records('children');
    const before = await childOf(record.id);
    const placements = await q<{ n: number }>(`select count(*)::int as n from placement where child_id = ?`, [before]);
    const corrected = syntheticCpr(new Date(Date.UTC(2012, 4, 17)), true, 9101);
    sim.update('children', record.id, { cpr: corrected });

    const results = await syncer(rt)(sourceId, SyncMode.Incremental);
    expect(of(results, 'children').quarantined).toBe(0);
    expect(await childOf(record.id)).toBe(before);
    expect(await q(`select cpr_hmac from child where id = ?`, [before])).toEqual([{ cpr_hmac: cprHmac(corrected, rt.config.CPR_HMAC_KEY) }]);
    expect(await q(`select count(*)::int as n from child`)).toEqual([{ n: 4 }]);
    expect(await q(`select count(*)::int as n from placement where child_id = ?`, [before])).toEqual(placements);
  });

  it('refuses a new number that already names another child: that is a merge for an administrator', async () => {
    const [a, b] = sim.records('children');
    const [childA, childB] = [await childOf(a.id), await childOf(b.id)];
    sim.update('children', a.id, { cpr: b.cpr });

    const results = await syncer(rt)(sourceId, SyncMode.Incremental);
    expect(of(results, 'children').quarantined).toBe(1);
    const [entry] = await q<{ external_id: string; reason: string }>(`select external_id, reason from quarantined_record where source_system_id = ?`, [sourceId]);
    expect(entry).toEqual({ external_id: a.id, reason: expect.stringContaining('already belongs to another child') });
    expect([await childOf(a.id), await childOf(b.id)]).toEqual([childA, childB]);
    expect(await q(`select count(*)::int as n from child`)).toEqual([{ n: 4 }]);
  });
});

describe('two case records with one CPR number in a page', () => {
  let rt: TestRuntime;
  let sim: CaseSystemSimulator;

  afterEach(async () => {
    await sim?.stop();
    await rt?.dispose();
  });

  it('are one child, as across pages; two corrections to one new number are both refused', async () => {
    rt = await createTestRuntime();
    let url: string;
    ({ sim, url } = await startSimulator(4));
    const { sourceId } = await registerSource(rt, sim, url, { pageSize: 50 });
    const [a, b, c, d] = sim.records('children');
    sim.update('children', b.id, { cpr: a.cpr }); // the same person registered twice
    const first = await syncer(rt)(sourceId, SyncMode.Full);
    expect(of(first, 'children')).toMatchObject({ read: 4, quarantined: 0 });
    const links = async (ids: string[]) =>
      (await rawQuery<{ child_id: string }>(rt.orm.em.fork(), `select distinct child_id from identity_link where source_system_id = ? and external_id = any(?)`, [sourceId, ids])).rows;
    expect(await links([a.id, b.id])).toHaveLength(1);

    // One of the twice-registered records gets a new number: the shared child is not renumbered
    // (the other record still names it), nor is a new child made for the old number.
    const childAB = (await links([a.id]))[0].child_id;
    sim.update('children', b.id, { cpr: syntheticCpr(new Date(Date.UTC(2010, 1, 2)), true, 777) });
    const split = await syncer(rt)(sourceId, SyncMode.Incremental);
    expect(of(split, 'children').quarantined).toBe(1);
    expect(await links([a.id, b.id])).toEqual([{ child_id: childAB }]);
    const hashes = await rawQuery<{ cpr_hmac: string }>(rt.orm.em.fork(), `select cpr_hmac from child where id = ?`, [childAB]);
    expect(hashes.rows).toEqual([{ cpr_hmac: cprHmac(a.cpr as string, rt.config.CPR_HMAC_KEY) }]);

    const corrected = syntheticCpr(new Date(Date.UTC(2011, 6, 9)), false, 4242);
    sim.update('children', c.id, { cpr: corrected });
    sim.update('children', d.id, { cpr: corrected });
    await syncer(rt)(sourceId, SyncMode.Incremental);
    const open = await rawQuery<{ external_id: string }>(rt.orm.em.fork(), `select external_id from quarantined_record where source_system_id = ? and resolved_at is null order by 1`, [sourceId]);
    expect(open.rows.map((r) => r.external_id)).toEqual([b.id, c.id, d.id].sort());
    expect(await links([c.id, d.id])).toHaveLength(2); // each still on its own child
  });
});
