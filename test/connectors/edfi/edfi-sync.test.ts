import { edFiConnector } from '../../../connectors/edfi/connector';
import type { EdFiSimulator, EdFiSimulatorOptions, SimulatedPupil } from '../../../connectors/edfi/simulator';
import type { Resource } from '../../../connectors/edfi/wire';
import { secretEnvName } from '../../../connectors/secrets';
import { rawQuery } from '../../../src/platform/db/bulk';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { of, registerEdFiSource, seedHubChildren, startEdFi, syncer, total } from './edfi-source';

const CHILDREN = 30;
const EXTRA_PUPILS = 12;
const ED = 'uri://ed-fi.org';
const ATTENDANCE = '/data/v3/ed-fi/studentSchoolAttendanceEvents';

type Item = Record<string, unknown>;
/** The pupil an item is about, whichever resource it comes from. */
const pupilOf = (item: Item): string =>
  (item.studentUniqueId ?? (item.studentReference as Item | undefined)?.studentUniqueId ?? (item.studentSectionAssociationReference as Item | undefined)?.studentUniqueId) as string;

describe('Ed-Fi sync (simulated ODS/API over HTTP, real PostgreSQL)', () => {
  let rt: TestRuntime;
  let sim: EdFiSimulator;
  let url: string;
  let hub: SimulatedPupil[];
  let extras: SimulatedPupil[];
  let sync: ReturnType<typeof syncer>;

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) => Number((await q<{ n: string }>(sql, params))[0].n);
  /** Items of a resource about the given pupils. */
  const about = (resource: Resource, pupils: SimulatedPupil[]) => {
    const ids = new Set(pupils.map((p) => p.studentUniqueId));
    return sim.records(resource).filter((r) => ids.has(pupilOf(r)));
  };
  const PUPIL_RESOURCES: Resource[] = ['students', 'studentSchoolAssociations', 'studentSchoolAttendanceEvents', 'grades'];

  async function setUp(children = CHILDREN, opts: EdFiSimulatorOptions = { extraPupils: EXTRA_PUPILS }, hubOpts: { uniLoginKnown?: boolean } = {}) {
    rt = await createTestRuntime();
    const started = await startEdFi(children, opts);
    ({ sim, url } = started);
    await seedHubChildren(rt, started.population, hubOpts);
    hub = sim.pupilList().filter((p) => p.inHub);
    extras = sim.pupilList().filter((p) => !p.inHub);
    sync = syncer(rt);
  }
  afterEach(async () => {
    await sim?.stop();
    await rt?.dispose();
  });

  it("lands every linked pupil's school year on a full sync, nothing about other pupils, and a second run changes nothing", async () => {
    await setUp();
    expect(hub).toHaveLength(CHILDREN);
    expect(extras).toHaveLength(EXTRA_PUPILS);
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 250 });
    const first = await sync(sourceId, SyncMode.Full);
    expect(first.map((r) => r.stream)).toEqual(['deletes', 'schools', 'students', 'studentSchoolAssociations', 'studentSchoolAttendanceEvents', 'grades']);
    expect(first.every((r) => r.status === 'succeeded')).toBe(true);

    // Pupils: linked by CPR hash, exactly the hub's children.
    const links = await q<{ external_id: string; method: string }>(`select external_id, method from identity_link where source_system_id = ? order by external_id`, [sourceId]);
    expect(links.map((l) => l.external_id)).toEqual(hub.map((p) => p.studentUniqueId).sort());
    expect(new Set(links.map((l) => l.method))).toEqual(new Set(['cpr']));
    expect(await count(`select count(*) as n from school where source_system_id = ?`, [sourceId])).toBe(sim.count('schools'));

    // Attendance: every school day of every linked pupil, in the Danish categories.
    const days = await q<{ pupil: string; date: string; status: string; note: string | null }>(
      `select il.external_id as pupil, to_char(ad.date, 'YYYY-MM-DD') as date, ad.status, ad.note
       from attendance_day ad join identity_link il on il.child_id = ad.child_id and il.source_system_id = ad.source_system_id
       where ad.source_system_id = ? order by il.external_id, ad.date`,
      [sourceId],
    );
    expect(days).toHaveLength(about('studentSchoolAttendanceEvents', hub).length);
    const byPupil = new Map<string, unknown[]>();
    for (const d of days) byPupil.set(d.pupil, [...(byPupil.get(d.pupil) ?? []), { date: d.date, status: d.status, note: d.note }]);
    for (const p of hub) expect(byPupil.get(p.studentUniqueId)).toEqual(sim.expectedAttendance(p.studentUniqueId));
    expect(new Set(days.map((d) => d.status))).toEqual(new Set(['present', 'illness', 'authorised', 'unauthorised', 'partial']));

    // Enrolments and grades, field by field.
    const enrollments = await q<Item>(
      `select e.external_id, e.grade_level, e.class_name, s.institution_number, to_char(e.start_date, 'YYYY-MM-DD') as start_date
       from enrollment e join school s on s.id = e.school_id where e.source_system_id = ?`,
      [sourceId],
    );
    const associations = about('studentSchoolAssociations', hub);
    expect(enrollments).toHaveLength(associations.length);
    const enrollmentById = new Map(enrollments.map((e) => [e.external_id, e]));
    for (const a of associations) {
      expect(enrollmentById.get(a.id)).toEqual({
        external_id: a.id,
        grade_level: [...'Kindergarten,First grade,Second grade,Third grade,Fourth grade,Fifth grade,Sixth grade,Seventh grade,Eighth grade,Ninth grade,Tenth grade'.split(',')].indexOf(
          String(a.entryGradeLevelDescriptor).split('#')[1],
        ),
        class_name: (a._ext as { dk: { className: string } }).dk.className,
        institution_number: String((a.schoolReference as Item).schoolId),
        start_date: a.entryDate,
      });
    }
    const grades = await q<Item>(`select external_id, subject, kind, value, school_year, to_char(grade_date, 'YYYY-MM-DD') as grade_date from grade where source_system_id = ?`, [sourceId]);
    const gradeItems = about('grades', hub);
    expect(gradeItems.length).toBeGreaterThan(0);
    expect(grades).toHaveLength(gradeItems.length);
    const gradeById = new Map(grades.map((g) => [g.external_id, g]));
    const kinds: Record<string, string> = { 'Grading Period': 'term', Exam: 'exam', Final: 'year' };
    for (const g of gradeItems) {
      expect(gradeById.get(g.id)).toEqual({
        external_id: g.id,
        subject: (g.studentSectionAssociationReference as Item).localCourseCode,
        kind: kinds[String(g.gradeTypeDescriptor).split('#')[1]],
        value: g.letterGradeEarned,
        school_year: '2025/26',
        grade_date: g.currentGradeAsOfDate,
      });
    }

    // Minimisation: the other pupils are read, counted and dropped — no link, no row, no quarantine.
    const extraIds = extras.map((p) => p.studentUniqueId);
    expect(await count(`select count(*) as n from identity_link where external_id = any(?)`, [extraIds])).toBe(0);
    const extraRecords = PUPIL_RESOURCES.reduce((n, r) => n + about(r, extras).length, 0);
    expect(extraRecords).toBeGreaterThan(EXTRA_PUPILS * 200);
    expect(total(first, 'skippedUnlinked')).toBe(extraRecords);
    expect(await count(`select count(*) as n from quarantined_record`)).toBe(0);
    expect(total(first, 'quarantined')).toBe(0);
    const served = [...PUPIL_RESOURCES, 'schools' as const].reduce((n, r) => n + sim.count(r), 0);
    expect(total(first, 'read')).toBe(served);
    expect(total(first, 'inserted')).toBe(served - extraRecords);
    // The summaries of the children whose attendance arrived were computed after the sync.
    expect(await count(`select count(distinct child_id) as n from attendance_summary`)).toBe(CHILDREN);

    // The first full pass found the school tables empty for this source: nothing to delete, so
    // it recorded no seen keys; the pupil and school streams always do.
    expect(await q(`select stream, sweeps_unseen from sync_run where source_system_id = ? order by stream`, [sourceId])).toEqual(
      ['deletes', 'grades', 'schools', 'studentSchoolAssociations', 'studentSchoolAttendanceEvents', 'students'].map((stream) => ({
        stream,
        sweeps_unseen: ['deletes', 'schools', 'students'].includes(stream),
      })),
    );
    expect(await count(`select count(*) as n from sync_seen`)).toBe(0);
    // A day the source does not have (say, left behind by a lost deletion).
    const [{ child_id: someChild }] = await q<{ child_id: string }>(`select child_id from attendance_day where source_system_id = ? limit 1`, [sourceId]);
    await q(`insert into attendance_day (source_system_id, external_id, child_id, date, status) values (?, 'stray', ?, '2030-01-02', 'present')`, [sourceId, someChild]);

    // A second full run: everything read again, nothing changed, and the stray day swept.
    const second = await sync(sourceId, SyncMode.Full);
    expect(total(second, 'inserted')).toBe(0);
    expect(total(second, 'updated')).toBe(0);
    expect(of(second, 'studentSchoolAttendanceEvents').deleted).toBe(1);
    expect(total(second, 'deleted')).toBe(1);
    expect(total(second, 'unchanged')).toBe(served - extraRecords);
    // An incremental run with nothing new at the source reads nothing at all.
    const third = await sync(sourceId);
    expect(total(third, 'read')).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(days.length);
  });

  it('runs the next incremental sync as a full pass when a pupil was linked since the last one, so its older records arrive', async () => {
    await setUp();
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 250 });
    await sync(sourceId, SyncMode.Full);
    // A pupil who was no hub child turns out to be one (the matching job or a reviewer linked it).
    const pupil = extras[0];
    const [{ id: childId }] = await q<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date)
       select municipality_id, repeat('e', 64), 'Ny', 'Elev', '2014-05-05' from source_system where id = ? returning id`,
      [sourceId],
    );
    await q(
      `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status, decided_by, decided_at)
       values (?, ?, ?, 'manual', 1, 'linked', 'test-admin', now())`,
      [sourceId, pupil.studentUniqueId, childId],
    );
    const jobId = 'after-link';
    const next = await sync(sourceId, SyncMode.Incremental, { jobId });
    expect(await q(`select distinct mode from sync_run where job_id = ?`, [jobId])).toEqual([{ mode: 'full' }]);
    expect(of(next, 'studentSchoolAttendanceEvents').inserted).toBe(about('studentSchoolAttendanceEvents', [pupil]).length);
    expect(await count(`select count(*) as n from attendance_day where child_id = ?`, [childId])).toBe(about('studentSchoolAttendanceEvents', [pupil]).length);
    // Caught up: the sync after that is incremental again.
    await sync(sourceId, SyncMode.Incremental, { jobId: 'caught-up' });
    expect(await q(`select distinct mode from sync_run where job_id = 'caught-up'`)).toEqual([{ mode: 'incremental' }]);
  });

  it('brings live edits and deletes with an incremental run (change versions and /deletes)', async () => {
    await setUp();
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 500 });
    await sync(sourceId, SyncMode.Full);
    const [a, b, c, d] = hub;
    const events = (p: SimulatedPupil) => about('studentSchoolAttendanceEvents', [p]);

    // A present day corrected to unauthorised absence; a grade corrected; a class renamed.
    const presentDay = events(a).find((e) => String(e.attendanceEventCategoryDescriptor).endsWith('#In Attendance'))!;
    sim.update('studentSchoolAttendanceEvents', presentDay.id as string, { attendanceEventCategoryDescriptor: `${ED}/AttendanceEventCategoryDescriptor#Unexcused Absence` });
    const gradeItem = about('grades', hub).find((g) => g.letterGradeEarned !== '12')!;
    sim.update('grades', gradeItem.id as string, { letterGradeEarned: '12', numericGradeEarned: 12 });
    const association = about('studentSchoolAssociations', [b])[0];
    sim.update('studentSchoolAssociations', association.id as string, { _ext: { dk: { className: 'Modtageklassen' } } });
    // An attendance event removed; a pupil gone from the school system (with everything about it).
    const removedDay = events(c)[10];
    sim.remove('studentSchoolAttendanceEvents', removedDay.id as string);
    const leaving = PUPIL_RESOURCES.reduce((n, r) => n + about(r, [d]).length, 0);
    const student = about('students', [d])[0];
    sim.remove('students', student.id as string);
    // An edit about a pupil who is not a hub child: read, dropped.
    sim.update('studentSchoolAttendanceEvents', events(extras[0])[3].id as string, { attendanceEventReason: 'Sygdom' });

    const results = await sync(sourceId);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(of(results, 'deletes')).toMatchObject({ read: 1 + leaving, deleted: 1 + leaving });
    expect(of(results, 'studentSchoolAttendanceEvents')).toMatchObject({ read: 2, updated: 1, skippedUnlinked: 1 });
    expect(of(results, 'grades')).toMatchObject({ read: 1, updated: 1 });
    expect(of(results, 'studentSchoolAssociations')).toMatchObject({ read: 1, updated: 1 });
    expect(of(results, 'students')).toMatchObject({ read: 0 });
    expect(total(results, 'inserted')).toBe(0);

    const status = await q<{ status: string }>(`select status from attendance_day where external_id = ?`, [presentDay.id]);
    expect(status).toEqual([{ status: 'unauthorised' }]);
    expect(await q(`select value from grade where external_id = ?`, [gradeItem.id])).toEqual([{ value: '12' }]);
    expect(await q(`select class_name from enrollment where external_id = ?`, [association.id])).toEqual([{ class_name: 'Modtageklassen' }]);
    expect(await count(`select count(*) as n from attendance_day where external_id = ?`, [removedDay.id])).toBe(0);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ? and external_id = ?`, [sourceId, d.studentUniqueId])).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where external_id = any(?)`, [events(d).map((e) => e.id)])).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAttendanceEvents', hub).length);
    // The hub child itself stays: the case system, not the school, decides that.
    expect(await count(`select count(*) as n from child`)).toBe(CHILDREN);

    // Nothing new: the next incremental run reads nothing.
    expect(total(await sync(sourceId), 'read')).toBe(0);
  });

  it('pages through many small pages; an interrupted incremental pass resumes where it stopped, a full one starts afresh', async () => {
    await setUp(12, { extraPupils: 4 });
    const pageSize = 37;
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize });
    const events = sim.count('studentSchoolAttendanceEvents');
    const pages = Math.floor(events / pageSize) + 1;
    expect(pages).toBeGreaterThan(80);
    const landed = about('studentSchoolAttendanceEvents', hub).length;
    const interruptAt = (page: number) => {
      const controller = new AbortController();
      sim.requests.clear();
      sim.onRequest = (path, n) => {
        if (path === ATTENDANCE && n === page) controller.abort(new Error('worker stopped'));
      };
      return controller.signal;
    };
    const attendanceState = async () =>
      (await q<{ state: { pass?: { offset: number } } }>(`select state from sync_state where source_system_id = ? and stream = 'studentSchoolAttendanceEvents'`, [sourceId]))[0].state;

    // A first (incremental) read, interrupted on its 40th attendance page; the retry continues it.
    const jobId = '00000000-0000-4000-8000-0000000000e1';
    await expect(sync(sourceId, SyncMode.Incremental, { jobId, signal: interruptAt(40), finalAttempt: false })).rejects.toThrow('worker stopped');
    sim.onRequest = undefined;
    expect((await attendanceState()).pass?.offset).toBe(39 * pageSize);
    const resumed = await sync(sourceId, SyncMode.Incremental, { jobId });
    expect(resumed.every((r) => r.status === 'succeeded')).toBe(true);
    // Every page once, plus the one asked for but not committed when the job stopped.
    expect(sim.requests.get(ATTENDANCE)).toBe(pages + 1);
    expect(of(resumed, 'studentSchoolAttendanceEvents')).toMatchObject({ read: events, inserted: landed });
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(landed);
    expect(await count(`select count(*) as n from enrollment where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAssociations', hub).length);
    expect(await count(`select count(*) as n from grade where source_system_id = ?`, [sourceId])).toBe(about('grades', hub).length);

    // A full resync that fails for good half-way; the next full job reads from the start, so its
    // sweep (which deletes what that job did not see) removes nothing.
    await expect(sync(sourceId, SyncMode.Full, { signal: interruptAt(20) })).rejects.toThrow('worker stopped');
    sim.onRequest = undefined;
    expect((await attendanceState()).pass?.offset).toBe(19 * pageSize);
    const full = await sync(sourceId, SyncMode.Full);
    expect(sim.requests.get(ATTENDANCE)! - 20).toBe(pages);
    expect(of(full, 'studentSchoolAttendanceEvents')).toMatchObject({ read: events, inserted: 0, updated: 0, deleted: 0, unchanged: landed });
    expect(total(full, 'deleted')).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(landed);
  });

  it('links pupils sent without a CPR number by a UNI-Login id another source already linked', async () => {
    await setUp(20, { extraPupils: 10, omitCprRate: 0.4 }, { uniLoginKnown: true });
    const withoutCpr = hub.filter((p) => p.withoutCpr);
    expect(withoutCpr.length).toBeGreaterThan(2);
    expect(extras.some((p) => p.withoutCpr)).toBe(true);
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 500 });
    const results = await sync(sourceId, SyncMode.Full);
    const links = await q<{ external_id: string; method: string }>(`select external_id, method from identity_link where source_system_id = ?`, [sourceId]);
    expect(links).toHaveLength(hub.length);
    expect(links.filter((l) => l.method === 'uni_login').map((l) => l.external_id).sort()).toEqual(withoutCpr.map((p) => p.studentUniqueId).sort());
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAttendanceEvents', hub).length);
    expect(of(results, 'students').skippedUnlinked).toBe(extras.length);
  });

  it('fails without retry on bad credentials (config error)', async () => {
    await setUp(5, {});
    const { sourceId, credentialRef } = await registerEdFiSource(rt, sim, url);
    process.env[secretEnvName(credentialRef)] = JSON.stringify({ clientId: sim.credentials.clientId, clientSecret: 'wrong' });
    await expect(sync(sourceId)).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/HTTP 401/) });
    expect(sim.requests.get('/oauth/token')).toBe(1);
    expect(await count(`select count(*) as n from sync_run where source_system_id = ? and status = 'failed'`, [sourceId])).toBe(1);
    expect(await count(`select count(*) as n from sync_run where source_system_id = ?`, [sourceId])).toBe(1);

    // The admin's "test connection" says the same.
    const config = edFiConnector.parseConfig({ baseUrl: url, auth: { clientId: sim.credentials.clientId, clientSecret: 'wrong' } });
    expect(await edFiConnector.check(config)).toMatchObject({ ok: false, failure: 'config_error' });
    expect(await edFiConnector.check({ ...config, auth: { ...config.auth, clientSecret: sim.credentials.clientSecret } })).toEqual({ ok: true });
  });

  it('retries 5xx answers and timeouts, and completes', async () => {
    await setUp(10, { extraPupils: 3 });
    sim.faults = { ...sim.faults, errorRate: 0.3, timeoutRate: 0.02, hangMs: 1500, seed: 3 };
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 200, http: { attempts: 8, timeoutMs: 400, backoffMs: 2 } });
    const results = await sync(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAttendanceEvents', hub).length);
    expect(await count(`select count(*) as n from grade where source_system_id = ?`, [sourceId])).toBe(about('grades', hub).length);
    const pages = Math.floor(sim.count('studentSchoolAttendanceEvents') / 200) + 1;
    expect(sim.requests.get(ATTENDANCE)!).toBeGreaterThan(pages);
  });

  it('quarantines malformed items of linked pupils with reasons (CPR and absence reasons kept out), drops those of other pupils, and resolves them once fixed', async () => {
    // Extra pupils are not hub children: their broken items must be dropped like the rest of their
    // data. Another source has linked the hub children's UNI-Login ids, so a hub pupil whose CPR
    // number is broken is still recognised (and its student item quarantined).
    await setUp(CHILDREN, { extraPupils: EXTRA_PUPILS }, { uniLoginKnown: true });
    // Seed 53 breaks a school, and students, associations, grades and attendance events of both kinds of pupil.
    sim.faults = { ...sim.faults, malformedRate: 0.08, seed: 53 };
    const { sourceId } = await registerEdFiSource(rt, sim, url, { pageSize: 500 });
    const results = await sync(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);

    const malformed = (resource: Resource) => sim.records(resource).filter((r) => sim.isMalformed(r.id as string));
    const badPupils = new Set(malformed('students').map((s) => s.studentUniqueId as string));
    const badSchools = new Set(malformed('schools').map((s) => s.schoolId));
    const good = hub.filter((p) => !badPupils.has(p.studentUniqueId));
    // Not linked by this sync: the extra pupils, and hub pupils whose own student item was broken.
    const others = [...extras, ...hub.filter((p) => badPupils.has(p.studentUniqueId))];
    const landing = (resource: Resource) => about(resource, good).filter((r) => !sim.isMalformed(r.id as string));
    expect(hub.filter((p) => badPupils.has(p.studentUniqueId)).length).toBeGreaterThan(0);
    expect(extras.filter((p) => badPupils.has(p.studentUniqueId)).length).toBeGreaterThan(0);
    expect(badSchools.size).toBeGreaterThan(0);
    const CHILD_RESOURCES: Resource[] = ['studentSchoolAssociations', 'studentSchoolAttendanceEvents', 'grades'];
    for (const r of CHILD_RESOURCES) {
      const ofExtras = new Set(about(r, extras).map((i) => i.id));
      expect(malformed(r).filter((i) => ofExtras.has(i.id)).length).toBeGreaterThan(0);
    }

    expect(await count(`select count(*) as n from identity_link where source_system_id = ?`, [sourceId])).toBe(good.length);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(landing('studentSchoolAttendanceEvents').length);
    expect(await count(`select count(*) as n from grade where source_system_id = ?`, [sourceId])).toBe(landing('grades').length);
    // Enrolments at a school whose own item was malformed wait for the school (the writer rejects them).
    const atBadSchool = landing('studentSchoolAssociations').filter((a) => badSchools.has((a.schoolReference as Item).schoolId));
    expect(await count(`select count(*) as n from enrollment where source_system_id = ?`, [sourceId])).toBe(landing('studentSchoolAssociations').length - atBadSchool.length);

    const quarantined = await q<{ stream: string; external_id: string | null; reason: string; redacted_payload: Item }>(
      `select stream, external_id, reason, redacted_payload from quarantined_record where source_system_id = ? and resolved_at is null`,
      [sourceId],
    );
    const entry = (stream: string, id: unknown) => quarantined.find((e) => e.stream === stream && e.external_id === id);
    const expectedReasons: Record<Resource, RegExp> = {
      schools: /^(schoolId: not a 6-digit institution number|nameOfInstitution: missing)$/,
      students: /^(studentIdentificationCodes: the CPR code is not a valid CPR number|studentIdentificationCodes: the UNI-Login code is empty or too long|birthDate: not a valid date \(YYYY-MM-DD\))$/,
      studentSchoolAssociations: /^(studentReference.studentUniqueId: missing|entryGradeLevelDescriptor: "Eleventh grade" is not a folkeskole grade level.*|entryDate: not a valid date \(YYYY-MM-DD\))$/,
      studentSchoolAttendanceEvents: /^(eventDate: not a valid date \(YYYY-MM-DD\)|attendanceEventCategoryDescriptor: unknown category "Excused Absense".*|studentReference.studentUniqueId: missing)$/,
      grades: /^(letterGradeEarned: "1[13]" is not on the 7-step scale.*|gradeTypeDescriptor: "Progress Report" is not a Danish grade kind.*)$/,
    };
    // Linked pupils' broken items (and schools) are quarantined with their reasons.
    let expected = atBadSchool.length;
    for (const item of malformed('schools')) expect(entry('schools', item.id)?.reason).toMatch(expectedReasons.schools);
    for (const item of about('students', hub).filter((s) => badPupils.has(s.studentUniqueId as string))) expect(entry('students', item.studentUniqueId)?.reason).toMatch(expectedReasons.students);
    for (const r of CHILD_RESOURCES) for (const item of about(r, good).filter((i) => sim.isMalformed(i.id as string))) expect(entry(r, item.id)?.reason).toMatch(expectedReasons[r]);
    expected += malformed('schools').length + hub.filter((p) => badPupils.has(p.studentUniqueId)).length;
    expected += CHILD_RESOURCES.reduce((n, r) => n + about(r, good).filter((i) => sim.isMalformed(i.id as string)).length, 0);
    for (const a of atBadSchool) expect(entry('studentSchoolAssociations', a.id)?.reason).toMatch(/^institutionNumber: no school \d{6} known$/);

    // Minimisation: nothing about the extra pupils (no hub children), except items that name no
    // pupil at all (an association or attendance event without its studentReference identifies nobody).
    const itemsOf = (pupils: SimulatedPupil[]) => new Set(CHILD_RESOURCES.flatMap((r) => about(r, pupils).map((i) => i.id)));
    const nameless = (e: (typeof quarantined)[number]) => e.reason === 'studentReference.studentUniqueId: missing' && !('studentReference' in e.redacted_payload);
    const extraItems = itemsOf(extras);
    const ofExtras = quarantined.filter((e) => extraItems.has(e.external_id));
    expect(ofExtras.filter((e) => !nameless(e))).toEqual([]);
    const dump = JSON.stringify(quarantined);
    for (const p of extras) {
      expect(dump).not.toContain(p.studentUniqueId);
      expect(dump).not.toContain(p.child.uniLoginId);
    }
    // Hub pupils whose student item was broken are not linked either: their broken items are dropped
    // too, but for nameless ones and enrolments the writer rejects for the unknown (broken) school.
    const badHubItems = itemsOf(hub.filter((p) => badPupils.has(p.studentUniqueId)));
    const ofBadHub = quarantined.filter((e) => badHubItems.has(e.external_id));
    for (const e of ofBadHub) expect(nameless(e) || /^institutionNumber: no school \d{6} known$/.test(e.reason)).toBe(true);
    expected += ofExtras.length + ofBadHub.length;
    expect(quarantined).toHaveLength(expected);
    expect(total(results, 'quarantined')).toBe(expected);
    const aboutOthers = PUPIL_RESOURCES.reduce((n, r) => n + about(r, others).length, 0);
    // (The writer counts an enrolment it rejects as skipped too, if its pupil is not linked.)
    const namelessOfOthers = [...ofExtras, ...ofBadHub].filter(nameless).length;
    expect(total(results, 'skippedUnlinked')).toBe(aboutOthers - hub.filter((p) => badPupils.has(p.studentUniqueId)).length - namelessOfOthers);

    // No CPR number in clear anywhere in quarantine, and only the fields the mapper reads.
    for (const p of sim.pupilList()) expect(dump).not.toContain(p.child.cpr);
    expect(dump).not.toMatch(/\b\d{6}-?\d{4}\b/);
    const student = quarantined.find((e) => e.stream === 'students')!;
    expect(Object.keys(student.redacted_payload).sort()).toEqual(['_lastModifiedDate', 'birthDate', 'firstName', 'id', 'lastSurname', 'studentIdentificationCodes', 'studentUniqueId']);
    // The free-text absence reason (possibly health information) is never stored, not even in quarantine.
    const events = quarantined.filter((e) => e.stream === 'studentSchoolAttendanceEvents');
    const reasons = new Set(sim.records('studentSchoolAttendanceEvents').flatMap((e) => (e.attendanceEventReason ? [e.attendanceEventReason as string] : [])));
    const withReason = events.filter((e) => sim.record('studentSchoolAttendanceEvents', e.external_id!)?.attendanceEventReason);
    expect(withReason.length).toBeGreaterThan(0);
    expect(reasons.has('Sygdom')).toBe(true);
    const eventDump = JSON.stringify(events);
    for (const reason of reasons) expect(eventDump).not.toContain(reason);
    for (const e of events) expect(e.redacted_payload).not.toHaveProperty('attendanceEventReason');
    // Only whether the reason named an illness is kept (it decides the Danish category).
    expect(withReason.some((e) => e.redacted_payload.illnessReason === true)).toBe(true);

    // Fixed at the source: the next full run lands them all and resolves the quarantine.
    sim.faults.malformedRate = 0;
    await sync(sourceId, SyncMode.Full);
    expect(await count(`select count(*) as n from identity_link where source_system_id = ?`, [sourceId])).toBe(CHILDREN);
    expect(await count(`select count(*) as n from attendance_day where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAttendanceEvents', hub).length);
    expect(await count(`select count(*) as n from enrollment where source_system_id = ?`, [sourceId])).toBe(about('studentSchoolAssociations', hub).length);
    expect(await count(`select count(*) as n from quarantined_record where resolved_at is null`)).toBe(0);
  });
});
