import { LOCAL_OPERATOR } from '../../../src/partners/actor';
import { rawQuery } from '../../../src/platform/db/bulk';
import { SchoolCalendarService } from '../../../src/schooling/school-calendar.service';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import { schoolDays } from '../../../src/synthetic/school-calendar';
import { syncer } from '../../support/sync';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { addHubChildren, CPR_A, CPR_B, Drop, HEADERS } from './drop';

/**
 * The CSV export sends only days absent: the summaries after a sync count the municipality's
 * school calendar (synthetic 2025/26: 203 days, September 22, November 20, Q3 37, Q4 53).
 */
describe('csv absence and the municipal school calendar (real PostgreSQL)', () => {
  let rt: TestRuntime;
  let drop: Drop;
  let sourceId: string;
  const child: Record<string, string> = {};

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const summaries = (name: string) =>
    q<{ key: string; school_days: number; absent: number; unauthorised_pct: string; absence_pct: string }>(
      `select period_kind || ':' || period_start::text as key, school_days, illness_days + authorised_days + unauthorised_days as absent,
              unauthorised_pct::text, absence_pct::text
       from attendance_summary where child_id = ? order by period_kind, period_start`,
      [child[name]],
    );
  const row = async (name: string, key: string) => (await summaries(name)).find((s) => s.key === key);

  beforeAll(async () => {
    rt = await createTestRuntime();
    drop = new Drop();
    const added = await addHubChildren(rt);
    const municipalityId = added.municipalityId;
    Object.assign(child, added.child);
    [{ id: sourceId }] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind, config) values (?, 'Elevadministration', 'csv', ?::jsonb) returning id`, [
      municipalityId,
      JSON.stringify({ dropDirectory: drop.dir, settleSeconds: 0, pageSize: 4 }),
    ]);
  });
  afterAll(async () => {
    drop?.remove();
    await rt?.dispose();
  });

  it('without a calendar a sync leaves absence-only children without summaries (never 100 %)', async () => {
    drop.write('fravaer_20250905_fuld.csv', [
      HEADERS.fravaer,
      `anna0001;${CPR_A};2025-09-01;syg;;`,
      'anna0001;;2025-09-02;ulovligt;;',
      `;${CPR_B};2025-09-03;lovligt;;`,
    ]);
    const results = await syncer(rt)(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await q(`select count(*)::int as n from attendance_day`)).toEqual([{ n: 3 }]);
    expect(await q(`select count(*)::int as n from attendance_summary`)).toEqual([{ n: 0 }]);
  });

  it('setting the calendar computes them; a later sync keeps them exact', async () => {
    await new SchoolCalendarService(rt.orm.em.fork(), LOCAL_OPERATOR).set('167', '2025/26', [...schoolDays(2025)]);
    expect(await row('A', 'month:2025-09-01')).toEqual({ key: 'month:2025-09-01', school_days: 22, absent: 2, unauthorised_pct: '4.55', absence_pct: '9.09' });
    expect(await row('A', 'school_year:2025-08-01')).toMatchObject({ school_days: 203, absent: 2, absence_pct: '0.99' });
    expect(await row('B', 'quarter:2025-07-01')).toMatchObject({ school_days: 37, absent: 1, absence_pct: '2.70', unauthorised_pct: '0.00' });
    expect(await summaries('A')).toHaveLength(11 + 4 + 1);

    // A delta: A truants on 3 November, and the unauthorised day in September was a mistake.
    drop.write('fravaer_20251105.csv', [HEADERS.fravaer, 'anna0001;;2025-11-03;ulovligt;;', 'anna0001;;2025-09-02;;;ja']);
    const results = await syncer(rt)(sourceId, SyncMode.Incremental);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await row('A', 'month:2025-09-01')).toMatchObject({ school_days: 22, absent: 1, unauthorised_pct: '0.00', absence_pct: '4.55' });
    expect(await row('A', 'month:2025-11-01')).toMatchObject({ school_days: 20, absent: 1, unauthorised_pct: '5.00' });
    expect(await row('A', 'quarter:2025-10-01')).toMatchObject({ school_days: 53, absent: 1, unauthorised_pct: '1.89' });
    expect(await row('A', 'school_year:2025-08-01')).toMatchObject({ school_days: 203, absent: 2, absence_pct: '0.99' });
    expect(await q(`select count(*)::int as n from attendance_summary_pending`)).toEqual([{ n: 0 }]);
  });
});
