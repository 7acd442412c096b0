import { randomUUID } from 'node:crypto';
import { writeCsvExport } from '../../../connectors/csv/simulator';
import { rawQuery } from '../../../src/platform/db/bulk';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import { generatePopulation } from '../../../src/synthetic/generator';
import { seedPopulation } from '../../../src/synthetic/seed';
import { of, syncer } from '../../support/sync';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { Drop } from './drop';

const MUNICIPALITY = { code: '167', name: 'Hvidovre' };

describe('csv export of a synthetic population, synced (real PostgreSQL)', () => {
  let rt: TestRuntime;
  const drops: Drop[] = [];
  const population = generatePopulation({ seed: 11, children: 30, municipalities: [MUNICIPALITY, { code: '479', name: 'Svendborg' }] });

  beforeAll(async () => {
    rt = await createTestRuntime();
    await rt.orm.em.fork().transactional((tx) => seedPopulation(tx, population, rt.config.CPR_HMAC_KEY));
  });
  afterAll(async () => {
    for (const d of drops) d.remove();
    await rt?.dispose();
  });

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) => Number((await q<{ n: string }>(sql, params))[0].n);
  async function source(dir: string): Promise<string> {
    const [row] = await q<{ id: string }>(
      `insert into source_system (municipality_id, name, kind, config) select id, ?, 'csv', ?::jsonb from municipality where code = ? returning id`,
      [`Elevadministration ${randomUUID().slice(0, 8)}`, JSON.stringify({ dropDirectory: dir, settleSeconds: 0, pageSize: 500 }), MUNICIPALITY.code],
    );
    return row.id;
  }
  const sync = (sourceId: string) => syncer(rt)(sourceId, SyncMode.Full);

  it('links pupils by CPR, lands their valid rows, quarantines the malformed of known pupils and drops everything of strangers (Windows-1252); ignores the remarks', async () => {
    const drop = new Drop();
    drops.push(drop);
    const exported = await writeCsvExport(population, drop.dir, { municipalityCode: MUNICIPALITY.code, stamp: '20260120_0600', encoding: 'windows-1252', malformedRate: 0.05, strangers: 4, remarks: true });
    const sourceId = await source(drop.dir);
    const results = await sync(sourceId);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);

    for (const [stream, table] of [['fravaer', 'attendance_day'], ['karakterer', 'grade'], ['trivsel', 'wellbeing']] as const) {
      const r = of(results, stream);
      expect(r.read).toBe(exported.rows[stream]);
      // Broken rows of known pupils are quarantined; broken rows of strangers are dropped like the rest of theirs.
      const known = exported.malformed[stream] - exported.strangerMalformed[stream];
      expect(r.quarantined).toBe(known);
      expect(await count(`select count(*) as n from quarantined_record where source_system_id = ? and stream = ? and resolved_at is null`, [sourceId, stream])).toBe(known);
      // Every valid row of a known pupil landed (attendance replaces the seeded registration of the same day).
      expect(await count(`select count(*) as n from ${table} where source_system_id = ?`, [sourceId])).toBe(exported.rows[stream] - exported.malformed[stream] - (exported.strangerRows[stream] - exported.strangerMalformed[stream]));
      expect(r.skippedUnlinked).toBeGreaterThanOrEqual(exported.strangerRows[stream]); // plus their pupil records
    }
    expect(await count(`select count(*) as n from identity_link where source_system_id = ? and external_id like 'uni:zz%'`, [sourceId])).toBe(0);
    expect(JSON.stringify(await q(`select * from quarantined_record`))).not.toMatch(/\b\d{6}-?\d{4}\b/);
    // The export's bemaerkning column (health details, CPR numbers) is never read: no note, no trace.
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ? and note is not null`, [sourceId])).toBe(0);
    const stored = JSON.stringify(await q(`select * from attendance_day where source_system_id = ?`, [sourceId])) + JSON.stringify(await q(`select * from quarantined_record`));
    expect(stored).not.toMatch(/ringede|hovedpine|Tandlæge|læge|Psykolog|Pjækkede|mødt|\(cpr/);
  });

  it('links pupils known only by UNI-Login through the links another source made', async () => {
    const drop = new Drop();
    drops.push(drop);
    const exported = await writeCsvExport(population, drop.dir, { municipalityCode: MUNICIPALITY.code, stamp: '20260121', identify: 'uni', streams: ['karakterer'] });
    const sourceId = await source(drop.dir);
    const results = await sync(sourceId);
    expect(of(results, 'karakterer')).toMatchObject({ read: exported.rows.karakterer, quarantined: 0, skippedUnlinked: 0 });
    expect(await count(`select count(*) as n from grade where source_system_id = ?`, [sourceId])).toBe(exported.rows.karakterer);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ? and method = 'uni_login'`, [sourceId])).toBeGreaterThan(0);
  });
});
