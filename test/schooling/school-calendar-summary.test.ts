import { rawQuery } from '../../src/platform/db/bulk';
import { recomputeAttendanceSummaries, recomputeChildSummaries } from '../../src/schooling/attendance-summary.service';
import { generatePopulation } from '../../src/synthetic/generator';
import { seedPopulation } from '../../src/synthetic/seed';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/**
 * 200 school days, checkable by hand: every weekday for 40 weeks from Monday 11 August 2025 to
 * Friday 15 May 2026. Per month: Aug 15, Sep 22, Oct 23, Nov 20, Dec 23, Jan 22, Feb 20, Mar 22,
 * Apr 22, May 11. Per quarter: Q3 37, Q4 66, Q1 64, Q2 33.
 */
function weekdays(from: string, count: number): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); out.length < count; d = new Date(d.getTime() + 86_400_000)) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}
const CALENDAR = weekdays('2025-08-11', 200);
/** Mon–Fri of the week starting `monday`. */
const week = (monday: string) => weekdays(monday, 5);

type Row = { period_kind: string; period_start: string; school_days: number; present_days: number; illness_days: number; authorised_days: number; unauthorised_days: number; absence_pct: number; unauthorised_pct: number };

describe('attendance summaries with a municipal school calendar (absence-only sources)', () => {
  let rt: TestRuntime;
  const m: Record<string, string> = {};
  const src: Record<string, string> = {};
  const child: Record<string, string> = {};
  let school: string;

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const addChild = async (name: string, municipality: string) => {
    const [row] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, md5(?) || md5(?), ?, 'Test', '2013-02-03') returning id`,
      [m[municipality], name, name, name],
    );
    child[name] = row.id;
  };
  const days = (name: string, source: string, entries: [string, string][]) =>
    q(
      `insert into attendance_day (source_system_id, external_id, child_id, date, status)
       select ?, ? || x.d, ?, x.d::date, x.s from jsonb_to_recordset(?::jsonb) as x(d text, s text)`,
      [src[source], `${name}:`, child[name], JSON.stringify(entries.map(([d, s]) => ({ d, s })))],
    );
  /** An enrolment from a rostering-only source (OneRoster) unless `source` says otherwise. */
  const enrol = (name: string, start: string, end: string | null, source = 'oneroster') =>
    q(`insert into enrollment (source_system_id, external_id, child_id, school_id, grade_level, start_date, end_date) values (?, ?, ?, ?, 6, ?, ?)`, [
      src[source], `${name}:${start}`, child[name], school, start, end,
    ]);
  const setCalendar = async (municipality: string, dates: string[]) => {
    await q(`delete from school_calendar_day where municipality_id = ?`, [m[municipality]]);
    await q(`insert into school_calendar_day (municipality_id, date) select ?, unnest(?::date[])`, [m[municipality], `{${dates.join(',')}}`]);
  };
  const recompute = async () => {
    for (const id of Object.values(m)) await recomputeAttendanceSummaries(rt.orm.em.fork(), id);
  };
  const summaries = (name: string) =>
    q<Row>(
      `select period_kind, period_start::text, school_days, present_days, illness_days, authorised_days, unauthorised_days,
              absence_pct::float8 as absence_pct, unauthorised_pct::float8 as unauthorised_pct
       from attendance_summary where child_id = ? order by period_kind, period_start`,
      [child[name]],
    );
  const byKey = async (name: string) => Object.fromEntries((await summaries(name)).map((r) => [`${r.period_kind}:${r.period_start}`, r]));

  beforeAll(async () => {
    rt = await createTestRuntime();
    for (const [code, name] of [['167', 'Hvidovre'], ['479', 'Svendborg']]) {
      [{ id: m[code] }] = await q<{ id: string }>(`insert into municipality (code, name) values (?, ?) returning id`, [code, name]);
    }
    for (const [key, municipality, kind] of [['csv', '167', 'csv'], ['edfi', '167', 'edfi'], ['oneroster', '167', 'oneroster'], ['csv479', '479', 'csv'], ['edfi479', '479', 'edfi']]) {
      [{ id: src[key] }] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, ?, ?) returning id`, [m[municipality], key, kind]);
    }
    [{ id: school }] = await q<{ id: string }>(
      `insert into school (source_system_id, external_id, municipality_id, institution_number, name) values (?, 's1', ?, '167001', 'Avedøre Skole') returning id`,
      [src.edfi, m['167']],
    );
    for (const name of ['A', 'B', 'D', 'E', 'G', 'H', 'X']) await addChild(name, '167');
    for (const name of ['J', 'K', 'L', 'Z']) await addChild(name, '479');

    // A (CSV, days absent only): 1 illness, 1 authorised, 1 unauthorised in September;
    // 15 unauthorised in January–February (three whole weeks); 1 illness in March.
    await days('A', 'csv', [
      ['2025-09-01', 'illness'], ['2025-09-02', 'authorised'], ['2025-09-03', 'unauthorised'],
      ...[...week('2026-01-05'), ...week('2026-01-12'), ...week('2026-02-02')].map((d): [string, string] => [d, 'unauthorised']),
      ['2026-03-02', 'illness'],
    ]);
    // B (CSV): one unauthorised day — 100 % unauthorised without the calendar.
    await days('B', 'csv', [['2025-11-03', 'unauthorised']]);
    // D (CSV): an absence registered on a Saturday, outside the calendar: it still counts.
    await days('D', 'csv', [['2025-09-06', 'illness']]);
    // E (Ed-Fi-like): every calendar day recorded, 6 of them absent.
    await days('E', 'edfi', CALENDAR.map((d, i): [string, string] => [d, i < 4 ? 'illness' : i >= 194 ? 'unauthorised' : 'present']));
    // G (CSV): enrolled 1 Sep – 19 Dec and from 2 March on (plus an overlapping enrolment); 5 days ill in October.
    await days('G', 'csv', week('2025-10-06').map((d): [string, string] => [d, 'illness']));
    await enrol('G', '2025-09-01', '2025-12-19');
    await enrol('G', '2025-11-03', '2025-11-28');
    await enrol('G', '2026-03-02', null);
    // H (CSV): enrolled only in the previous school year; that does not restrict 2025/26.
    await days('H', 'csv', [['2025-09-01', 'illness']]);
    await enrol('H', '2024-08-12', '2025-06-27');
    // X moves: at an Ed-Fi school (enrolled and every day recorded) until 19 December, then at a
    // CSV school (no enrolment sent), absent without leave on 3 and 4 February.
    await enrol('X', '2025-08-11', '2025-12-19', 'edfi');
    await days('X', 'edfi', CALENDAR.filter((d) => d <= '2025-12-19').map((d): [string, string] => [d, 'present']));
    await days('X', 'csv', [['2026-02-03', 'unauthorised'], ['2026-02-04', 'unauthorised']]);
    // Z is Svendborg's child, placed in Hvidovre: Hvidovre's CSV export (and calendar) count.
    await days('Z', 'csv', [['2025-11-03', 'illness']]);
    // Svendborg has no calendar. J: CSV only. K: Ed-Fi only. L: Ed-Fi in July 2025 (school
    // year 2024/25), CSV in September 2025 (2025/26).
    await days('J', 'csv479', [['2025-09-01', 'illness'], ['2025-09-02', 'unauthorised']]);
    await days('K', 'edfi479', [['2025-09-01', 'present'], ['2025-09-02', 'illness']]);
    await days('L', 'edfi479', [['2025-07-01', 'present'], ['2025-07-02', 'present']]);
    await days('L', 'csv479', [['2025-09-01', 'unauthorised']]);

    await setCalendar('167', CALENDAR);
    await recompute();
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('counts the calendar days without a record as present: exact per month, quarter and school year', async () => {
    const a = await byKey('A');
    expect(Object.keys(a)).toHaveLength(10 + 4 + 1);
    expect(a['month:2025-08-01']).toMatchObject({ school_days: 15, present_days: 15, absence_pct: 0 });
    expect(a['month:2025-09-01']).toMatchObject({ school_days: 22, present_days: 19, illness_days: 1, authorised_days: 1, unauthorised_days: 1, absence_pct: 13.64, unauthorised_pct: 4.55 });
    expect(a['month:2026-01-01']).toMatchObject({ school_days: 22, present_days: 12, unauthorised_days: 10, absence_pct: 45.45, unauthorised_pct: 45.45 });
    expect(a['month:2026-05-01']).toMatchObject({ school_days: 11, present_days: 11 });
    expect(a['quarter:2025-07-01']).toMatchObject({ school_days: 37, absence_pct: 8.11, unauthorised_pct: 2.7 });
    expect(a['quarter:2025-10-01']).toMatchObject({ school_days: 66, present_days: 66, absence_pct: 0 });
    // Q1 2026: 15 unauthorised + 1 illness of 64 days.
    expect(a['quarter:2026-01-01']).toMatchObject({ school_days: 64, present_days: 48, unauthorised_days: 15, illness_days: 1, absence_pct: 25, unauthorised_pct: 23.44 });
    expect(a['quarter:2026-04-01']).toMatchObject({ school_days: 33, absence_pct: 0 });
    expect(a['school_year:2025-08-01']).toMatchObject({
      school_days: 200, present_days: 181, illness_days: 2, authorised_days: 1, unauthorised_days: 16, absence_pct: 9.5, unauthorised_pct: 8,
    });
  });

  it('one unauthorised day is one day, not 100 %: no 10 %/15 % alert', async () => {
    const b = await byKey('B');
    expect(b['month:2025-11-01']).toMatchObject({ school_days: 20, unauthorised_days: 1, unauthorised_pct: 5 });
    expect(b['quarter:2025-10-01']).toMatchObject({ school_days: 66, unauthorised_pct: 1.52 });
    expect(b['school_year:2025-08-01']).toMatchObject({ school_days: 200, unauthorised_pct: 0.5 });
    expect(Object.values(b).filter((r) => r.period_kind === 'quarter' && r.unauthorised_pct >= 10)).toEqual([]);
  });

  it('keeps a recorded day outside the calendar, with its status', async () => {
    const d = await byKey('D');
    expect(d['month:2025-09-01']).toMatchObject({ school_days: 23, present_days: 22, illness_days: 1, absence_pct: 4.35 });
    expect(d['school_year:2025-08-01']).toMatchObject({ school_days: 201, illness_days: 1 });
  });

  it('leaves a child with every day recorded unchanged', async () => {
    const withCalendar = await summaries('E');
    await q(`delete from school_calendar_day where municipality_id = ?`, [m['167']]);
    await recomputeChildSummaries(rt.orm.em.fork(), [child.E]);
    expect(await summaries('E')).toEqual(withCalendar);
    expect(withCalendar.find((r) => r.period_kind === 'school_year')).toMatchObject({ school_days: 200, illness_days: 4, unauthorised_days: 6, absence_pct: 5 });
    await setCalendar('167', CALENDAR);
  });

  it('counts calendar days only inside the enrolments overlapping the school year', async () => {
    const g = await byKey('G');
    // 1 Sep – 19 Dec: Sep 22 + Oct 23 + Nov 20 + Dec 15 = 80; from 2 March: Mar 22 + Apr 22 + May 11 = 55.
    expect(Object.keys(g).filter((k) => k.startsWith('month:'))).toEqual([
      'month:2025-09-01', 'month:2025-10-01', 'month:2025-11-01', 'month:2025-12-01', 'month:2026-03-01', 'month:2026-04-01', 'month:2026-05-01',
    ]);
    expect(g['month:2025-11-01']).toMatchObject({ school_days: 20 });
    expect(g['month:2025-12-01']).toMatchObject({ school_days: 15 });
    expect(g['school_year:2025-08-01']).toMatchObject({ school_days: 135, illness_days: 5, absence_pct: 3.7 });
    // An enrolment in another school year only says nothing about this one.
    expect((await byKey('H'))['school_year:2025-08-01']).toMatchObject({ school_days: 200, illness_days: 1, absence_pct: 0.5 });
  });

  it('fills a mover’s days after its Ed-Fi enrolment from the calendar: no 100 % from two absences', async () => {
    const x = await byKey('X');
    // Jan 22 + Feb 20 + Mar 22 = 64 days; 2 unauthorised.
    expect(x['quarter:2026-01-01']).toMatchObject({ school_days: 64, unauthorised_days: 2, unauthorised_pct: 3.13 });
    // December: 15 days Ed-Fi recorded, then 8 calendar days after its enrolment ended.
    expect(x['month:2025-12-01']).toMatchObject({ school_days: 23, present_days: 23 });
    expect(x['school_year:2025-08-01']).toMatchObject({ school_days: 200, unauthorised_days: 2, absence_pct: 1 });
  });

  it('takes the calendar of the absence-only source’s municipality, not the child’s', async () => {
    expect((await byKey('Z'))['month:2025-11-01']).toMatchObject({ school_days: 20, illness_days: 1, absence_pct: 5 });
  });

  it('counts no school day still to come as present', async () => {
    // "Today" as the database sees it (its current_date decides), not the test process's clock.
    const [{ today }] = await q<{ today: string }>(`select current_date::text as today`);
    const day = (offset: number) => new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
    const [{ id: kbh }] = await q<{ id: string }>(`insert into municipality (code, name) values ('101', 'København') returning id`);
    const [{ id: csvKbh }] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'csv101', 'csv') returning id`, [kbh]);
    const [{ id: f }] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, md5('F') || md5('F'), 'F', 'Test', '2013-02-03') returning id`,
      [kbh],
    );
    // Every day from 20 days ago to 20 days ahead is a school day; absent 10 days ago.
    const calendar = Array.from({ length: 41 }, (_, i) => day(i - 20));
    await q(`insert into school_calendar_day (municipality_id, date) select ?, unnest(?::date[])`, [kbh, `{${calendar.join(',')}}`]);
    await q(`insert into attendance_day (source_system_id, external_id, child_id, date, status) values (?, 'f1', ?, ?, 'illness')`, [csvKbh, f, day(-10)]);
    await recomputeChildSummaries(rt.orm.em.fork(), [f]);
    const rows = await q<{ period_kind: string; school_days: number }>(`select period_kind, school_days from attendance_summary where child_id = ?`, [f]);
    // Exactly the calendar days of the absence's school year up to today (days ahead are not counted).
    const yearStart = (d: string) => (Number(d.slice(5, 7)) >= 8 ? `${d.slice(0, 4)}-08-01` : `${Number(d.slice(0, 4)) - 1}-08-01`);
    const counted = calendar.filter((d) => d <= today && yearStart(d) === yearStart(day(-10))).length;
    expect(rows.filter((r) => r.period_kind === 'school_year')).toEqual([{ period_kind: 'school_year', school_days: counted }]);
    expect(rows.reduce((n, r) => (r.period_kind === 'month' ? n + r.school_days : n), 0)).toBe(counted);
  });

  it('gives no summary to an absence-only school year without a municipal calendar', async () => {
    expect(await summaries('J')).toEqual([]);
    // Ed-Fi-like data needs no calendar.
    expect((await byKey('K'))['month:2025-09-01']).toMatchObject({ school_days: 2, illness_days: 1, absence_pct: 50 });
    // L: 2024/25 (Ed-Fi) stays; 2025/26 (CSV) goes, and with it the quarter spanning both years.
    expect((await summaries('L')).map((r) => `${r.period_kind}:${r.period_start}`)).toEqual(['month:2025-07-01', 'school_year:2024-08-01']);
  });

  it('the same without the calendar: the CSV child loses its rows, and regains them (per child as per municipality)', async () => {
    await q(`delete from school_calendar_day where municipality_id = ?`, [m['167']]);
    await recompute();
    for (const name of ['A', 'B', 'D', 'G', 'H']) expect({ name, rows: await summaries(name) }).toEqual({ name, rows: [] });
    expect(await summaries('E')).toHaveLength(10 + 4 + 1);

    await setCalendar('167', CALENDAR);
    await recomputeChildSummaries(rt.orm.em.fork(), [child.A]);
    expect((await byKey('A'))['school_year:2025-08-01']).toMatchObject({ school_days: 200, absence_pct: 9.5 });
    await recompute();
  });

  it('the synthetic seed writes the calendar and its children keep their summaries', async () => {
    await seedPopulation(rt.orm.em.fork(), generatePopulation({ seed: 7, children: 12, municipalities: [{ code: '751', name: 'Aarhus' }] }), rt.config.CPR_HMAC_KEY);
    const [{ id: aarhus }] = await q<{ id: string }>(`select id from municipality where code = '751'`);
    expect(await q(`select count(*)::int as n, min(date)::text as first, max(date)::text as last from school_calendar_day where municipality_id = ?`, [aarhus])).toEqual([
      { n: 203, first: '2025-08-11', last: '2026-06-26' },
    ]);
    const snapshot = () =>
      q(`select child_id, period_kind, period_start::text, school_days, present_days, unauthorised_days, absence_pct::text
         from attendance_summary where municipality_id = ? order by 1, 2, 3`, [aarhus]);
    const seeded = await snapshot();
    expect(seeded.length).toBeGreaterThan(12 * 15);
    await q(`delete from school_calendar_day where municipality_id = ?`, [aarhus]);
    await recomputeAttendanceSummaries(rt.orm.em.fork(), aarhus);
    expect(await snapshot()).toEqual(seeded);
  });
});
