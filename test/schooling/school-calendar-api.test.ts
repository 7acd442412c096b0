import { SchoolCalendarDocument, SetSchoolCalendarDocument, type SetSchoolCalendarMutationVariables } from '../../schema/client/graphql';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { schoolDays } from '../../src/synthetic/school-calendar';
import { errorCode, execute, type GraphQLResponse } from '../support/graphql-client';
import { fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };
const SVENDBORG = { code: '479', name: 'Svendborg' };
/** The synthetic 2025/26 calendar: 203 school days, 22 in September 2025. */
const CALENDAR = [...schoolDays(2025)];

type Fields = { fields?: { path: string; message: string }[]; field?: string };
const fieldsOf = (res: GraphQLResponse<unknown>) => ((res.errors?.[0]?.extensions ?? {}) as Fields).fields?.map((f) => f.path);

describe('setSchoolCalendar / schoolCalendar (admin API)', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let childId: string;
  /** A Svendborg child placed in Hvidovre, at a Hvidovre school (its absence in Hvidovre's export). */
  let placedId: string;
  const auth: Record<string, Record<string, string>> = {};
  const clientIds: Record<string, string> = {};

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const set = (who: string, v: Partial<SetSchoolCalendarMutationVariables> = {}) =>
    execute(http.url, SetSchoolCalendarDocument, { municipalityCode: HVIDOVRE.code, schoolYear: '2025/26', days: CALENDAR, ...v }, auth[who]);
  const yearSummary = async (id = childId) =>
    (await q<{ school_days: number; absence_pct: string }>(
      `select school_days, absence_pct::text from attendance_summary where child_id = ? and period_kind = 'school_year'`,
      [id],
    ))[0];

  beforeAll(async () => {
    rt = await createTestRuntime();
    http = await startHttpServer(rt);
    const origin = new URL(http.url).origin;
    for (const [key, m, role, purposes] of [
      ['admin', HVIDOVRE, 'admin', ['administration']],
      ['school', HVIDOVRE, 'school', ['school_support']],
      ['svendborgAdmin', SVENDBORG, 'admin', ['administration']],
    ] as const) {
      const app = await registerPartner(rt, { municipalityCode: m.code, municipalityName: m.name, role, purposes: [...purposes], name: key });
      clientIds[key] = app.clientId;
      auth[key] = { authorization: `Bearer ${await fetchToken(origin, app.clientId, app.clientSecret)}` };
    }
    // A Hvidovre child known only through the Danish CSV export: two days absent in September.
    const [{ id: m }] = await q<{ id: string }>(`select id from municipality where code = ?`, [HVIDOVRE.code]);
    const [{ id: source }] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'Elevadministration', 'csv') returning id`, [m]);
    [{ id: childId }] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, repeat('c', 64), 'Ida', 'Test', '2014-01-02') returning id`,
      [m],
    );
    await q(
      `insert into attendance_day (source_system_id, external_id, child_id, date, status) values (?, 'a1', ?, '2025-09-01', 'illness'), (?, 'a2', ?, '2025-09-02', 'unauthorised')`,
      [source, childId, source, childId],
    );
    const [{ id: svendborg }] = await q<{ id: string }>(`select id from municipality where code = ?`, [SVENDBORG.code]);
    [{ id: placedId }] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, repeat('d', 64), 'Bo', 'Test', '2013-04-05') returning id`,
      [svendborg],
    );
    await q(`insert into attendance_day (source_system_id, external_id, child_id, date, status) values (?, 'b1', ?, '2025-10-01', 'illness')`, [source, placedId]);
  });
  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  it('is for admins only', async () => {
    expect(errorCode((await set('school')).errors)).toBe('FORBIDDEN');
    const read = await execute(http.url, SchoolCalendarDocument, { municipalityCode: HVIDOVRE.code, schoolYear: '2025/26' }, auth.school);
    expect(errorCode(read.errors)).toBe('FORBIDDEN');
    expect(errorCode((await set('anonymous')).errors)).toBe('UNAUTHENTICATED');
  });

  it('refuses another municipality as an unknown one, a malformed school year and days outside it', async () => {
    for (const res of [await set('svendborgAdmin'), await set('admin', { municipalityCode: '999' })]) {
      expect(errorCode(res.errors)).toBe('BAD_USER_INPUT');
      expect(fieldsOf(res)).toEqual(['municipalityCode']);
      expect(res.errors![0].message).toBe('municipalityCode: unknown municipality');
    }
    const foreignRead = await execute(http.url, SchoolCalendarDocument, { municipalityCode: HVIDOVRE.code, schoolYear: '2025/26' }, auth.svendborgAdmin);
    expect(fieldsOf(foreignRead)).toEqual(['municipalityCode']);
    for (const schoolYear of ['2025/27', '2025-26', '25/26', '2025']) {
      const res = await set('admin', { schoolYear });
      expect({ schoolYear, code: errorCode(res.errors), fields: fieldsOf(res) }).toEqual({ schoolYear, code: 'BAD_USER_INPUT', fields: ['schoolYear'] });
    }
    const outside = await set('admin', { days: ['2025-08-11', '2025-07-31', '2025-09-01', '2026-08-01'] });
    expect(fieldsOf(outside)).toEqual(['days.1', 'days.3']);
    expect(outside.errors![0].message).toContain('not in school year 2025/26 (2025-08-01 to 2026-07-31)');
    expect(errorCode((await set('admin', { days: ['2025-02-30'] })).errors)).toBe('BAD_USER_INPUT');
    // Nothing was written, nothing was logged.
    expect(await q(`select count(*)::int as n from school_calendar_day`)).toEqual([{ n: 0 }]);
    expect(await q(`select count(*)::int as n from audit_event where target like 'school_calendar:%'`)).toEqual([{ n: 0 }]);
  });

  it('replaces the year’s days (deduplicated), logs the change and recomputes the summaries at once', async () => {
    // Without a calendar an absence-only child has no summary (not 100 %).
    expect(await yearSummary()).toBeUndefined();
    // A child queued by something else (a sync elsewhere) is left to that work, not recomputed here.
    const [{ id: bystander }] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) select municipality_id, repeat('e', 64), 'Eva', 'Test', '2012-01-02' from child where id = ? returning id`,
      [childId],
    );
    await q(`insert into attendance_summary_pending (child_id) values (?)`, [bystander]);
    const res = await set('admin', { days: [...CALENDAR].reverse().concat(CALENDAR.slice(0, 5)) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.setSchoolCalendar).toEqual({ municipalityCode: '167', schoolYear: '2025/26', days: CALENDAR });
    const read = await execute(http.url, SchoolCalendarDocument, { municipalityCode: HVIDOVRE.code, schoolYear: '2025/26' }, auth.admin);
    expect(read.data!.schoolCalendar.days).toEqual(CALENDAR);
    expect((await execute(http.url, SchoolCalendarDocument, { municipalityCode: HVIDOVRE.code, schoolYear: '2024/25' }, auth.admin)).data!.schoolCalendar.days).toEqual([]);
    // 2 of 203 days absent, computed before the answer (no job ran).
    expect(await yearSummary()).toEqual({ school_days: 203, absence_pct: '0.99' });
    // The placed child of another municipality is counted by Hvidovre's calendar, at once too.
    expect(await yearSummary(placedId)).toEqual({ school_days: 203, absence_pct: '0.49' });
    expect(await q(`select child_id from attendance_summary_pending`)).toEqual([{ child_id: bystander }]);
    await q(`delete from attendance_summary_pending`);

    // Dropping September's last 10 days: 193 days.
    const shorter = CALENDAR.filter((d) => d < '2025-09-17' || d > '2025-09-30');
    expect((await set('admin', { days: shorter })).data!.setSchoolCalendar.days).toHaveLength(193);
    expect(await yearSummary()).toEqual({ school_days: 193, absence_pct: '1.04' });

    const audit = await q<{ actor: string; detail: Record<string, unknown> }>(
      `select actor, search_criterion as detail from audit_event where target = 'school_calendar:167:2025/26' order by id`,
    );
    expect(audit.map((a) => a.actor)).toEqual([clientIds.admin, clientIds.admin]);
    expect(audit.map((a) => a.detail)).toEqual([
      { change: 'set_school_calendar', schoolYear: '2025/26', days: 203, added: 203, removed: 0, childrenQueued: 2 },
      { change: 'set_school_calendar', schoolYear: '2025/26', days: 193, added: 0, removed: 10, childrenQueued: 2 },
    ]);
  });

  it('an empty list clears the year, and the absence-only child loses its summaries', async () => {
    const res = await set('admin', { days: [] });
    expect(res.data!.setSchoolCalendar.days).toEqual([]);
    expect(await q(`select count(*)::int as n from attendance_summary where child_id = ?`, [childId])).toEqual([{ n: 0 }]);
  });
});
