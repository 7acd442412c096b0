import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OneRosterSimulator } from '../../../connectors/oneroster/simulator';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import type { Population, SynthGrade } from '../../../src/synthetic/generator';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { byStream, expected, MUNICIPALITY, queries, registerOneRoster, seedHub, syncer, total } from './support';

const CHILDREN = 40;

describe('OneRoster CSV bundles dropped in a directory (real PostgreSQL)', () => {
  let rt: TestRuntime;
  let population: Population;
  let sim: OneRosterSimulator;
  let dir: string;
  let sync: ReturnType<typeof syncer>;
  let q: ReturnType<typeof queries>['q'];
  let count: ReturnType<typeof queries>['count'];
  const inHub = (id: string) => id.startsWith('stu-child-') && Number(id.slice('stu-child-'.length)) <= CHILDREN;
  const register = (config: Record<string, unknown> = {}) => registerOneRoster(rt, { config: { mode: 'csv_bundle', dropDirectory: dir, settleMs: 0, pageSize: 40, ...config } });
  const grades = (sourceId: string) => count(`select count(*) from grade where source_system_id = ?`, [sourceId]);

  beforeEach(async () => {
    rt = await createTestRuntime();
    ({ q, count } = queries(rt));
    sync = syncer(rt);
    population = await seedHub(rt, CHILDREN);
    sim = OneRosterSimulator.fromPopulation(population, MUNICIPALITY.code, { extraPupils: 6 });
    dir = mkdtempSync(join(tmpdir(), 'oneroster-drop-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await rt?.dispose();
  });

  it('reads a bulk bundle, then a delta (edits, tobedeleted), then a bulk that lacks a record; each zip once', async () => {
    await sim.writeBundle(join(dir, '2026-01-10-bulk.zip'), { mode: 'bulk' });
    const { sourceId } = await register();
    const first = await sync(sourceId);
    expect(first.every((r) => r.status === 'succeeded')).toBe(true);
    const want = expected(sim, inHub);
    expect(await count(`select count(*) from identity_link where source_system_id = ?`, [sourceId])).toBe(want.linkedStudents.length);
    expect(await count(`select count(*) from enrollment where source_system_id = ?`, [sourceId])).toBe(want.linkedEnrollments.length);
    expect(await grades(sourceId)).toBe(want.linkedResults.length);
    expect(total(first, 'quarantined')).toBe(0);
    expect(byStream(first, 'students').skippedUnlinked).toBe(6);
    // The same values as over REST: exact 7-step strings, subject and kind from the course and category.
    const synth = new Map<string, SynthGrade>([...population.children()].flatMap((c) => c.grades.map((g): [string, SynthGrade] => [`res-${g.externalId}`, g])));
    for (const g of await q<{ external_id: string; value: string; subject: string; kind: string }>(`select external_id, value, subject, kind from grade where source_system_id = ?`, [sourceId])) {
      expect(g).toMatchObject({ value: synth.get(g.external_id)!.value, subject: synth.get(g.external_id)!.subject, kind: synth.get(g.external_id)!.kind });
    }
    // Birth dates come from demographics.csv, identifiers from users.csv's userIds.
    expect(await count(`select count(*) from identity_link where source_system_id = ? and method = 'cpr'`, [sourceId])).toBe(want.linkedStudents.length);

    // Nothing new in the directory: nothing read.
    expect(total(await sync(sourceId), 'read')).toBe(0);

    // A delta: an edited grade, a deleted grade, a pupil who left (with their enrolments and results).
    const since = sim.lastModified();
    const studentOf = (r: Record<string, unknown>) => (r.student as { sourcedId: string }).sourcedId;
    const [edited, deleted] = want.linkedResults;
    const gone = want.linkedStudents.find((s) => s.sourcedId !== studentOf(edited) && s.sourcedId !== studentOf(deleted) && want.linkedResults.some((r) => studentOf(r) === s.sourcedId))!;
    const goneResults = want.linkedResults.filter((r) => (r.student as { sourcedId: string }).sourcedId === gone.sourcedId);
    const goneEnrollments = want.linkedEnrollments.filter((e) => (e.user as { sourcedId: string }).sourcedId === gone.sourcedId);
    const newValue = edited.textScore === '12' ? '00' : '12';
    sim.update('results', edited.sourcedId, { textScore: newValue, score: Number(newValue) });
    sim.markToBeDeleted('results', deleted.sourcedId);
    sim.markToBeDeleted('students', gone.sourcedId);
    const written = await sim.writeBundle(join(dir, '2026-01-11-delta.zip'), { mode: 'delta', since });
    expect(written).not.toHaveProperty('orgs'); // unchanged files are absent in a delta
    const delta = await sync(sourceId);
    expect(total(delta, 'updated')).toBe(1);
    expect(total(delta, 'inserted')).toBe(0);
    expect(total(delta, 'deleted')).toBe(1 + 1 + goneEnrollments.length + goneResults.length);
    expect(await q(`select value from grade where external_id = ?`, [edited.sourcedId])).toEqual([{ value: newValue }]);
    expect(await count(`select count(*) from grade where external_id = ?`, [deleted.sourcedId])).toBe(0);
    expect(await count(`select count(*) from identity_link where source_system_id = ? and external_id = ?`, [sourceId, gone.sourcedId])).toBe(0);

    // A new bulk is the full picture: a result removed outright at the source is deleted.
    const [removed] = want.linkedResults.filter((r) => r !== edited && r !== deleted && !goneResults.includes(r));
    sim.remove('results', removed.sourcedId);
    await sim.writeBundle(join(dir, '2026-01-12-bulk.zip'), { mode: 'bulk' });
    const bulk = await sync(sourceId);
    expect(byStream(bulk, 'results')).toMatchObject({ deleted: 1, inserted: 0, updated: 0 });
    expect(total(bulk, 'deleted')).toBe(1);
    expect(await count(`select count(*) from grade where external_id = ?`, [removed.sourcedId])).toBe(0);
    expect(await grades(sourceId)).toBe(want.linkedResults.length - 1 - goneResults.length - 1);

    // A full resync re-reads from the newest bulk on and changes nothing.
    const full = await sync(sourceId, SyncMode.Full);
    expect(total(full, 'inserted') + total(full, 'updated') + total(full, 'deleted')).toBe(0);
    expect(byStream(full, 'results').read).toBe(sim.records('results').filter((r) => r.status === 'active').length);
    const states = await q<{ stream: string; state: unknown }>(`select stream, state from sync_state where source_system_id = ? order by stream`, [sourceId]);
    expect(states.map((s) => s.state)).toEqual([{ done: '2026-01-12-bulk.zip' }, { done: '2026-01-12-bulk.zip' }, { done: '2026-01-12-bulk.zip' }, { done: '2026-01-12-bulk.zip' }]);
  });

  it('quarantines malformed rows with reasons, and refuses a broken bundle as a config error (no retry)', async () => {
    sim.faults.malformedRate = 0.1;
    await sim.writeBundle(join(dir, '001-bulk.zip'), { mode: 'bulk' });
    const { sourceId } = await register();
    const results = await sync(sourceId);
    // Results of pupils whose own record is broken (not linked) are dropped, not quarantined.
    const badStudents = new Set(sim.records('students').filter((r) => sim.isMalformed(r.sourcedId)).map((r) => r.sourcedId));
    const badResults = sim.records('results').filter((r) => sim.isMalformed(r.sourcedId) && inHub((r.student as { sourcedId: string }).sourcedId) && !badStudents.has((r.student as { sourcedId: string }).sourcedId));
    expect(badResults.length).toBeGreaterThan(0);
    const quarantined = await q<{ stream: string; external_id: string; reason: string }>(`select stream, external_id, reason from quarantined_record where source_system_id = ?`, [sourceId]);
    expect(quarantined.length).toBe(total(results, 'quarantined'));
    for (const r of badResults) {
      expect(quarantined.find((x) => x.stream === 'results' && x.external_id === r.sourcedId)?.reason).toMatch(/7-step scale|scoreDate/);
    }
    expect(JSON.stringify(quarantined)).not.toMatch(/\b\d{6}-?\d{4}\b/);

    writeFileSync(join(dir, '002-delta.zip'), 'this is not a zip');
    await expect(sync(sourceId)).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/002-delta.zip: not a readable zip/) });
    expect(await count(`select count(*) from sync_run where source_system_id = ? and status = 'failed'`, [sourceId])).toBe(1);
  });
});
