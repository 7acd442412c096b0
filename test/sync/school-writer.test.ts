import type { AttendanceStatus } from '../../src/schooling/attendance-status';
import { cprHmac } from '../../src/identity/cpr';
import { rawQuery } from '../../src/platform/db/bulk';
import { recomputePendingSummaries } from '../../src/schooling/attendance-summary.service';
import type { CanonicalRecord } from '../../src/sources/canonical';
import { CanonicalWriter, type SourceRef } from '../../src/sources/canonical-writer';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';
import { someoneWaits } from '../support/locks';

const KEY = 'test-cpr-hmac-key-0123456789abcdef0123456789';
// Synthetic CPR numbers: day of month + 60 (never a real person).
const CPR_A = '710312-1234';
const CPR_B = '650811-4321';
const CPR_STRANGER = '800909-1111';

describe('school data: linking, minimisation and derived summaries', () => {
  let rt: TestRuntime;
  let municipalityId: string;
  const ids: Record<string, string> = {};

  const q = async <T>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  async function source(name: string): Promise<SourceRef> {
    const [row] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, ?, 'edfi') returning id`, [municipalityId, name]);
    return { id: row.id, municipalityId };
  }
  const write = (src: SourceRef, records: CanonicalRecord[]) => rt.orm.em.fork().transactional((tx) => new CanonicalWriter(tx, src).write(records));
  const pupil = (externalId: string, cpr: string | null, uniLoginId: string | null): CanonicalRecord => ({
    target: 'pupil', externalId, cprHmac: cpr ? cprHmac(cpr, KEY) : null, uniLoginId, firstName: null, lastName: null, birthDate: null, sourceUpdatedAt: null,
  });
  const day = (childExternalId: string, date: string, status: 'present' | 'illness' | 'authorised' | 'unauthorised' | 'partial'): CanonicalRecord => ({
    target: 'attendance_day', externalId: `${childExternalId}:${date}`, childExternalId, date, status: status as AttendanceStatus, note: null, sourceUpdatedAt: null,
  });

  beforeAll(async () => {
    rt = await createTestRuntime();
    [{ id: municipalityId }] = await q<{ id: string }>(`insert into municipality (code, name) values ('167', 'Hvidovre') returning id`);
    for (const [name, cpr] of [['A', CPR_A], ['B', CPR_B]] as const) {
      const [row] = await q<{ id: string }>(
        `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, ?, 'Test', '2012-03-11') returning id`,
        [municipalityId, cprHmac(cpr, KEY), name],
      );
      ids[name] = row.id;
    }
  });
  afterAll(async () => rt?.dispose());

  it('links by CPR hash or an already linked UNI-Login, and never stores anything about other pupils', async () => {
    const edfi = await source('Ed-Fi');
    const first = await write(edfi, [pupil('s-a', CPR_A, 'unia0001'), pupil('s-b', CPR_B, 'unib0002'), pupil('s-x', CPR_STRANGER, 'unix0003')]);
    expect(first).toMatchObject({ inserted: 2, skippedUnlinked: 1 });

    // A source that knows pupils only by UNI-Login finds B through the Ed-Fi link.
    const oneroster = await source('OneRoster');
    const second = await write(oneroster, [pupil('u-b', null, 'unib0002'), pupil('u-x', null, 'unix0003')]);
    expect(second).toMatchObject({ inserted: 1, skippedUnlinked: 1 });
    expect(await q(`select child_id, method from identity_link where source_system_id = ?`, [oneroster.id])).toEqual([{ child_id: ids.B, method: 'uni_login' }]);

    const days = await write(edfi, [day('s-a', '2025-09-01', 'present'), day('s-x', '2025-09-01', 'unauthorised'), day('s-x', '2025-09-02', 'illness')]);
    expect(days).toMatchObject({ inserted: 1, skippedUnlinked: 2, rejected: [] });
    // Nothing about the stranger anywhere: no link, no day, no quarantine.
    expect(await q(`select count(*)::int as n from identity_link where external_id in ('s-x', 'u-x')`)).toEqual([{ n: 0 }]);
    expect(await q(`select count(*)::int as n from attendance_day where external_id like 's-x%'`)).toEqual([{ n: 0 }]);
    expect(await q(`select count(*)::int as n from quarantined_record`)).toEqual([{ n: 0 }]);
  });

  it('recomputes the summaries of exactly the children whose attendance changed', async () => {
    const [{ id: srcId }] = await q<{ id: string }>(`select id from source_system where name = 'Ed-Fi'`);
    const edfi = { id: srcId, municipalityId };
    // Ten school days in September for A: 6 present, 1 partial, 1 illness, 2 unauthorised.
    const statuses = ['present', 'present', 'present', 'present', 'present', 'partial', 'illness', 'unauthorised', 'unauthorised', 'present'] as const;
    const dates = ['01', '02', '03', '04', '05', '08', '09', '10', '11', '12'].map((d) => `2025-09-${d}`);
    await write(edfi, dates.map((d, i) => day('s-a', d, statuses[i])));
    expect(await q(`select child_id from attendance_summary_pending`)).toEqual([{ child_id: ids.A }]);

    const result = await recomputePendingSummaries(rt.orm.em.fork(), { municipalityId });
    expect(result.children).toBe(1);
    expect(await q(`select count(*)::int as n from attendance_summary_pending`)).toEqual([{ n: 0 }]);
    const month = await q<Record<string, unknown>>(
      `select school_days, present_days, partial_days, illness_days, unauthorised_days, absence_pct::float, unauthorised_pct::float
       from attendance_summary where child_id = ? and period_kind = 'month'`,
      [ids.A],
    );
    expect(month).toEqual([{ school_days: 10, present_days: 7, partial_days: 1, illness_days: 1, unauthorised_days: 2, absence_pct: 30, unauthorised_pct: 20 }]);
    expect(await q(`select count(*)::int as n from attendance_summary where child_id = ?`, [ids.B])).toEqual([{ n: 0 }]);

    // A deletion at the source queues the child again; the unauthorised share falls to 1 in 9.
    await write(edfi, [{ target: 'deletion', of: 'attendance_day', externalId: 's-a:2025-09-11' }]);
    await recomputePendingSummaries(rt.orm.em.fork(), { municipalityId });
    const after = await q<{ school_days: number; unauthorised_pct: number }>(
      `select school_days, unauthorised_pct::float from attendance_summary where child_id = ? and period_kind = 'quarter'`,
      [ids.A],
    );
    expect(after).toEqual([{ school_days: 9, unauthorised_pct: 11.11 }]);
  });

  it('stages pages with COPY without mangling tabs, newlines, backslashes or Danish letters', async () => {
    const [{ id: srcId }] = await q<{ id: string }>(`select id from source_system where name = 'Ed-Fi'`);
    const note = 'kom for sent\tkl. 9:15\nårsag: "bus" \\ æøå \\N';
    await write({ id: srcId, municipalityId }, [{ ...(day('s-a', '2025-10-01', 'partial') as object), note } as CanonicalRecord]);
    expect(await q(`select note from attendance_day where external_id = 's-a:2025-10-01'`)).toEqual([{ note }]);
  });

  it('rejects enrolments at unknown schools and keeps grades on the 7-step scale', async () => {
    const [{ id: srcId }] = await q<{ id: string }>(`select id from source_system where name = 'Ed-Fi'`);
    const edfi = { id: srcId, municipalityId };
    await q(`delete from attendance_summary_pending`);
    const res = await write(edfi, [
      { target: 'school', externalId: '101010', institutionNumber: '101010', name: 'Lyngskolen', sourceUpdatedAt: null },
      { target: 'enrollment', externalId: 'e1', childExternalId: 's-a', institutionNumber: '101010', gradeLevel: 7, className: '7.A', startDate: '2025-08-11', endDate: null, sourceUpdatedAt: null },
      { target: 'enrollment', externalId: 'e2', childExternalId: 's-b', institutionNumber: '999999', gradeLevel: 7, className: null, startDate: '2025-08-11', endDate: null, sourceUpdatedAt: null },
      // A pupil the hub does not follow, at a school it does not know: dropped, not quarantined.
      { target: 'enrollment', externalId: 'e3', childExternalId: 'nobody', institutionNumber: '999999', gradeLevel: 7, className: null, startDate: '2025-08-11', endDate: null, sourceUpdatedAt: null },
      { target: 'grade', externalId: 'g1', childExternalId: 's-a', subject: 'Dansk', kind: 'term' as never, value: '02', gradeDate: '2025-12-01', schoolYear: '2025/26', sourceUpdatedAt: null },
    ]);
    expect(res.rejected).toEqual([{ externalId: 'e2', reason: 'institutionNumber: no school 999999 known' }]);
    expect(res.skippedUnlinked).toBe(1);
    // An enrolment bounds the calendar days an absence-only source's child is counted for.
    expect(await q(`select count(*)::int as n from attendance_summary_pending where child_id = ?`, [ids.A])).toEqual([{ n: 1 }]);
    expect(await q(`select value from grade where child_id = ?`, [ids.A])).toEqual([{ value: '02' }]);
    const again = await write(edfi, [{ target: 'grade', externalId: 'g1', childExternalId: 's-a', subject: 'Dansk', kind: 'term' as never, value: '02', gradeDate: '2025-12-01', schoolYear: '2025/26', sourceUpdatedAt: null }]);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
  });

  it('waits for a link being undone: no row attaches through a link an admin unlinks meanwhile', async () => {
    const src = await source('Ed-Fi (race)');
    await write(src, [pupil('r-a', CPR_A, null)]);
    const [link] = await q<{ id: string }>(`select id from identity_link where source_system_id = ? and external_id = 'r-a'`, [src.id]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let undone!: () => void;
    const isUndone = new Promise<void>((r) => (undone = r));
    // An unlink in progress: the link locked and rejected, not yet committed.
    const unlink = rt.orm.em.fork().transactional(async (tx) => {
      await rawQuery(tx, `select id from identity_link where id = ? for update`, [link.id]);
      await rawQuery(tx, `update identity_link set status = 'rejected', child_id = null where id = ?`, [link.id]);
      undone();
      await held;
    });
    await isUndone;
    const page = write(src, [day('r-a', '2025-10-01', 'present')]);
    expect(await someoneWaits(q)).toBe(true); // the page's statement waits for the link
    release();
    await unlink;
    expect(await page).toMatchObject({ inserted: 0, skippedUnlinked: 1 });
    expect(await q(`select count(*)::int as n from attendance_day where source_system_id = ?`, [src.id])).toEqual([{ n: 0 }]);
  });

  it("moves an automatic link to the child the CPR hash names, taking along nothing of the other child's view", async () => {
    const src = await source('Ed-Fi (moves)');
    // The matching job linked pupil m-1 to B on names and dates; B got a day through that link.
    const [{ id: linkId }] = await q<{ id: string }>(
      `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'm-1', ?, 'probabilistic', 0.92, 'linked') returning id`,
      [src.id, ids.B],
    );
    await write(src, [day('m-1', '2025-11-03', 'unauthorised')]);
    expect(await q(`select child_id, identity_link_id from attendance_day where source_system_id = ?`, [src.id])).toEqual([{ child_id: ids.B, identity_link_id: linkId }]);
    await q(`delete from attendance_summary_pending`);

    // The source now sends the pupil with A's CPR number: A it is.
    const moved = await write(src, [pupil('m-1', CPR_A, null)]);
    expect(moved).toMatchObject({ updated: 1 });
    expect(await q(`select child_id, method, status from identity_link where id = ?`, [linkId])).toEqual([{ child_id: ids.A, method: 'cpr', status: 'linked' }]);
    expect(await q(`select count(*)::int as n from attendance_day where source_system_id = ?`, [src.id])).toEqual([{ n: 0 }]);
    expect(await q(`select child_id from attendance_summary_pending`)).toEqual([{ child_id: ids.B }]);
    // A person's link is never moved by a sync.
    await q(`update identity_link set child_id = ?, method = 'manual', decided_by = 'admin' where id = ?`, [ids.B, linkId]);
    expect(await write(src, [pupil('m-1', CPR_A, null)])).toMatchObject({ updated: 0 });
    expect(await q(`select child_id from identity_link where id = ?`, [linkId])).toEqual([{ child_id: ids.B }]);
  });

  it('links by UNI-Login only when no CPR hash contradicts it, and never a second record of one source to a child', async () => {
    const first = await source('Ed-Fi (uni)');
    await write(first, [pupil('u-a', CPR_A, 'unia9001')]);
    const second = await source('CSV (uni)');
    // Same UNI-Login id, but a CPR hash that is not A's: not linked.
    const conflicting = await write(second, [pupil('c-x', CPR_STRANGER, 'unia9001')]);
    expect(conflicting).toMatchObject({ inserted: 0, skippedUnlinked: 1 });
    // Without a CPR hash the UNI-Login id links it.
    expect(await write(second, [pupil('c-a', null, 'unia9001')])).toMatchObject({ inserted: 1 });
    // A second record of the same source naming A (by CPR, or twice in a page) waits for the matching job.
    expect(await write(second, [pupil('c-a2', CPR_A, null)])).toMatchObject({ inserted: 0, skippedUnlinked: 1 });
    expect(await write(second, [pupil('c-b1', CPR_B, null), pupil('c-b2', CPR_B, null)])).toMatchObject({ inserted: 0, skippedUnlinked: 2 });
    expect(await q(`select external_id from identity_link where source_system_id = ? order by external_id`, [second.id])).toEqual([{ external_id: 'c-a' }]);
  });
});
