import { OneRosterSimulator } from '../../../connectors/oneroster/simulator';
import { SEVEN_STEP_SCALE } from '../../../src/schooling/grade-scale';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import type { Population, SynthEnrollment } from '../../../src/synthetic/generator';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { byStream, expected, MUNICIPALITY, queries, registerOneRoster, seedHub, syncer, total } from './support';

const CHILDREN = 40;
const RESULTS = '/ims/oneroster/gradebook/v1p2/results';

describe('OneRoster REST sync (simulator over HTTP, real PostgreSQL)', () => {
  let rt: TestRuntime;
  let population: Population;
  let sim: OneRosterSimulator;
  let url: string;
  let sync: ReturnType<typeof syncer>;
  let q: ReturnType<typeof queries>['q'];
  let count: ReturnType<typeof queries>['count'];

  async function startSim(opts: ConstructorParameters<typeof OneRosterSimulator>[2] = {}) {
    await sim?.stop();
    sim = OneRosterSimulator.fromPopulation(population, MUNICIPALITY.code, opts);
    url = await sim.start();
  }
  const register = (config: Record<string, unknown> = {}) =>
    registerOneRoster(rt, { sim, url, config: { pageSize: 25, http: { backoffMs: 5, timeoutMs: 2000, attempts: 4 }, ...config } });
  const inHub = (id: string) => id.startsWith('stu-child-') && Number(id.slice('stu-child-'.length)) <= CHILDREN;

  beforeEach(async () => {
    rt = await createTestRuntime();
    ({ q, count } = queries(rt));
    sync = syncer(rt);
    population = await seedHub(rt, CHILDREN);
    await startSim();
  });
  afterEach(async () => {
    await sim?.stop();
    await rt?.dispose();
  });

  it('lands schools, pupil links, homeroom enrolments and every grade exactly; a second run changes nothing', async () => {
    const { sourceId } = await register();
    const first = await sync(sourceId, SyncMode.Full);
    expect(first.map((r) => [r.stream, r.status])).toEqual([
      ['orgs', 'succeeded'],
      ['students', 'succeeded'],
      ['enrollments', 'succeeded'],
      ['results', 'succeeded'],
    ]);
    const want = expected(sim, () => true);
    expect(want.results.length).toBeGreaterThan(50);
    expect(await count(`select count(*) from identity_link where source_system_id = ? and method = 'cpr'`, [sourceId])).toBe(want.students.length);
    expect(await count(`select count(*) from enrollment where source_system_id = ?`, [sourceId])).toBe(want.enrollments.length);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(want.results.length);
    expect(total(first, 'quarantined')).toBe(0);
    expect(total(first, 'skippedUnlinked')).toBe(0);
    // Schools are known by institution number already (the seed): the same rows, unchanged.
    expect(byStream(first, 'orgs')).toMatchObject({ read: population.schools.length + 1, inserted: 0, unchanged: population.schools.length });

    // Every grade is the synthetic grade, value for value ("02" stays "02"), with subject, kind and year.
    const grades = await q<{ external_id: string; subject: string; kind: string; value: string; grade_date: string; school_year: string }>(
      `select external_id, subject, kind, value, to_char(grade_date, 'YYYY-MM-DD') as grade_date, school_year from grade where source_system_id = ?`,
      [sourceId],
    );
    const byId = new Map(grades.map((g) => [g.external_id, g]));
    const values = new Set<string>();
    for (const child of population.children()) {
      for (const g of child.grades) {
        expect(byId.get(`res-${g.externalId}`)).toEqual({ external_id: `res-${g.externalId}`, subject: g.subject, kind: g.kind, value: g.value, grade_date: g.gradeDate, school_year: g.schoolYear });
        values.add(g.value);
      }
    }
    expect(values.size).toBeGreaterThanOrEqual(5);
    // Enrolments: the homeroom (stamklasse) with its grade level and class name, at the right school.
    const enrollments = await q<{ external_id: string; grade_level: number; class_name: string; institution_number: string }>(
      `select e.external_id, e.grade_level, e.class_name, s.institution_number from enrollment e join school s on s.id = e.school_id where e.source_system_id = ?`,
      [sourceId],
    );
    const schoolNo = new Map(population.schools.map((s) => [s.externalId, s.institutionNumber]));
    const synthEnrollments = new Map<string, SynthEnrollment>([...population.children()].flatMap((c) => c.enrollments.map((e): [string, SynthEnrollment] => [`enr-${e.externalId}`, e])));
    for (const e of enrollments) {
      const s = synthEnrollments.get(e.external_id)!;
      expect(e).toEqual({ external_id: e.external_id, grade_level: s.gradeLevel, class_name: s.className, institution_number: schoolNo.get(s.schoolExternalId) });
    }

    const second = await sync(sourceId);
    expect(total(second, 'inserted')).toBe(0);
    expect(total(second, 'updated')).toBe(0);
    expect(total(second, 'deleted')).toBe(0);
    expect(total(second, 'quarantined')).toBe(0);
    // Only the newest record (>= is inclusive) is read again per stream, not the source.
    expect(total(second, 'read')).toBeLessThanOrEqual(4);
  });

  it('brings edits and tobedeleted deletes with an incremental run (filter on dateLastModified)', async () => {
    const { sourceId } = await register();
    await sync(sourceId, SyncMode.Full);
    const want = expected(sim, () => true);
    const [gone, other] = want.linkedStudents.filter((s) => want.results.some((r) => (r.student as { sourcedId: string }).sourcedId === s.sourcedId));
    const goneResults = want.results.filter((r) => (r.student as { sourcedId: string }).sourcedId === gone.sourcedId);
    const goneEnrollments = want.enrollments.filter((e) => (e.user as { sourcedId: string }).sourcedId === gone.sourcedId);
    const [edited, deleted] = want.results.filter((r) => (r.student as { sourcedId: string }).sourcedId === other.sourcedId);
    const newValue = edited.textScore === '02' ? '-3' : '02';
    sim.update('results', edited.sourcedId, { textScore: newValue, score: Number(newValue) });
    const enrollment = want.enrollments.find((e) => (e.user as { sourcedId: string }).sourcedId === other.sourcedId)!;
    sim.update('enrollments', enrollment.sourcedId, { endDate: '2026-03-31' });
    sim.markToBeDeleted('results', deleted.sourcedId);
    sim.markToBeDeleted('students', gone.sourcedId); // with their enrolments and results

    const results = await sync(sourceId);
    expect(total(results, 'updated')).toBe(2);
    expect(total(results, 'inserted')).toBe(0);
    expect(total(results, 'quarantined')).toBe(0);
    // The result, the pupil's link, their homeroom enrolments and grades (subject-class enrolments were never stored).
    expect(total(results, 'deleted')).toBe(1 + 1 + goneEnrollments.length + goneResults.length);
    expect(await q(`select value from grade where external_id = ?`, [edited.sourcedId])).toEqual([{ value: newValue }]);
    expect(await count(`select count(*) from grade where external_id = ?`, [deleted.sourcedId])).toBe(0);
    expect(await count(`select count(*) from enrollment where external_id = ? and end_date = '2026-03-31'`, [enrollment.sourcedId])).toBe(1);
    expect(await count(`select count(*) from identity_link where source_system_id = ? and external_id = ?`, [sourceId, gone.sourcedId])).toBe(0);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(want.results.length - 1 - goneResults.length);
    // The hub child stays: other sources know it.
    expect(await count('select count(*) from child')).toBe(CHILDREN);
    // Incremental reads are filtered: far fewer records than the source holds.
    expect(total(results, 'read')).toBeLessThan(20 + goneResults.length + goneEnrollments.length * 12);
  });

  it('pages through many pages with limit/offset and stops on X-Total-Count', async () => {
    const { sourceId } = await register({ pageSize: 5 });
    const results = await sync(sourceId, SyncMode.Full);
    const n = sim.records('results').length;
    expect(byStream(results, 'results').read).toBe(n);
    // One request per page, none past the end: the total says when to stop.
    expect(sim.requests.get(RESULTS)).toBe(Math.ceil(n / 5));
    expect(Math.ceil(n / 5)).toBeGreaterThan(20);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(n);
    expect(await count(`select count(*) from sync_run where source_system_id = ? and status = 'succeeded'`, [sourceId])).toBe(4);
  });

  it('fails without retry on bad credentials (config error)', async () => {
    const { sourceId } = await registerOneRoster(rt, { url, config: { http: { backoffMs: 5, attempts: 4 } }, credentials: { clientId: sim.credentials.clientId, clientSecret: 'wrong' } });
    await expect(sync(sourceId)).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/oauth\/token: HTTP 401/) });
    expect(sim.requests.get('/oauth/token')).toBe(1);
    expect(await count(`select count(*) from sync_run where source_system_id = ? and status = 'failed'`, [sourceId])).toBe(1);
    expect(await count(`select count(*) from identity_link where source_system_id = ?`, [sourceId])).toBe(0);
  });

  it("reads pupils' birth dates from the demographics collection (OneRoster 1.2), paged like the others", async () => {
    const { sourceId } = await register();
    await sync(sourceId, SyncMode.Full);
    // The users carry none: a birth date can only have come from /demographics.
    expect(sim.records('students').filter((s) => s.metadata !== undefined)).toEqual([]);
    expect(sim.requests.get('/ims/oneroster/rostering/v1p2/demographics')).toBe(Math.ceil(CHILDREN / 25));
    const staged = await q<{ external_id: string; birth_date: string }>(
      `select external_id, to_char(birth_date, 'YYYY-MM-DD') as birth_date from pupil_record where source_system_id = ?`,
      [sourceId],
    );
    expect(new Map(staged.map((p) => [p.external_id, p.birth_date]))).toEqual(new Map([...population.children()].map((c) => [OneRosterSimulator.studentId(c), c.birthDate])));
  });

  it('retries 5xx pages and completes', async () => {
    sim.faults.errorRate = 0.3;
    const { sourceId } = await register({ pageSize: 10 });
    const results = await sync(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    const want = expected(sim, () => true);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(want.results.length);
    expect(await count(`select count(*) from enrollment where source_system_id = ?`, [sourceId])).toBe(want.enrollments.length);
  });

  it('retries a hanging request after the client timeout', async () => {
    sim.faults.timeoutRate = 0.15;
    sim.faults.hangMs = 3000;
    const { sourceId } = await register({ pageSize: 50, http: { backoffMs: 5, timeoutMs: 300, attempts: 6 } });
    const results = await sync(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(sim.records('results').length);
  });

  it('quarantines malformed records with reasons (no clear CPR) and lands the rest; fixed at the source, they land', async () => {
    sim.faults.malformedRate = 0.12;
    const { sourceId } = await register();
    const results = await sync(sourceId, SyncMode.Full);
    const bad = (c: 'orgs' | 'students' | 'enrollments' | 'results') => sim.records(c).filter((r) => sim.corruptible(c, r) && sim.isMalformed(r.sourcedId));
    const badSchools = new Set(bad('orgs').map((o) => o.sourcedId));
    const badStudents = new Set(bad('students').map((s) => s.sourcedId));
    const badEnrollments = new Set(bad('enrollments').map((e) => e.sourcedId));
    const badResults = new Set(bad('results').map((r) => r.sourcedId));
    expect(badStudents.size).toBeGreaterThan(0);
    expect(badResults.size).toBeGreaterThan(0);

    const quarantined = await q<{ stream: string; external_id: string; reason: string; redacted_payload: unknown }>(
      `select stream, external_id, reason, redacted_payload from quarantined_record where source_system_id = ? and resolved_at is null`,
      [sourceId],
    );
    expect(quarantined.length).toBe(total(results, 'quarantined'));
    const reasonOf = (stream: string, id: string) => quarantined.find((r) => r.stream === stream && r.external_id === id)?.reason;
    for (const id of badSchools) expect(reasonOf('orgs', id)).toMatch(/identifier|name/);
    for (const id of badStudents) expect(reasonOf('students', id)).toMatch(/userIds|familyName|birthDate/);
    // A broken record about a pupil whose own record was broken (so not linked) is dropped and counted, like the rest of their data.
    const pupilOf = (c: 'enrollments' | 'results', id: string) => (sim.served(c, sim.get(c, id)!)[c === 'enrollments' ? 'user' : 'student'] as { sourcedId?: string } | undefined)?.sourcedId;
    for (const id of badEnrollments) {
      const pupil = pupilOf('enrollments', id);
      if (pupil && badStudents.has(pupil)) expect(reasonOf('enrollments', id)).toBeUndefined();
      else expect(reasonOf('enrollments', id)).toMatch(/beginDate|endDate|user|school/);
    }
    for (const id of badResults) {
      if (badStudents.has(pupilOf('results', id) ?? '')) expect(reasonOf('results', id)).toBeUndefined();
      else expect(reasonOf('results', id)).toMatch(/textScore: "(11|2)" is not a grade on the 7-step scale|scoreDate: not a valid date/);
    }

    // Everything else landed; nothing about a pupil who could not be linked.
    const want = expected(sim, (id) => !badStudents.has(id));
    const schoolOf = (e: Record<string, unknown>) => (e.school as { sourcedId: string }).sourcedId;
    expect(await count(`select count(*) from identity_link where source_system_id = ?`, [sourceId])).toBe(want.students.length - badStudents.size);
    expect(await count(`select count(*) from enrollment where source_system_id = ?`, [sourceId])).toBe(
      want.linkedEnrollments.filter((e) => !badEnrollments.has(e.sourcedId) && !badSchools.has(schoolOf(e))).length,
    );
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(want.linkedResults.filter((r) => !badResults.has(r.sourcedId)).length);
    expect(await count(`select count(*) from grade where source_system_id = ? and value <> all(?)`, [sourceId, [...SEVEN_STEP_SCALE]])).toBe(0);
    const dump = JSON.stringify(quarantined);
    expect(dump).not.toMatch(/\b\d{6}-?\d{4}\b/);
    for (const child of population.children()) expect(dump).not.toContain(child.cpr);

    // Fixed at the source: a full resync lands them and resolves the quarantine.
    sim.faults.malformedRate = 0;
    await sync(sourceId, SyncMode.Full);
    expect(await count(`select count(*) from quarantined_record where source_system_id = ? and resolved_at is null`, [sourceId])).toBe(0);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(sim.records('results').length);
  });

  it('never stores anything about pupils who are not children in the hub, and links UNI-Login-only pupils', async () => {
    await startSim({ extraPupils: 15, cprShare: 0.5 });
    const { sourceId } = await register();
    const results = await sync(sourceId, SyncMode.Full);
    const want = expected(sim, inHub);
    const strangers = want.students.filter((s) => !inHub(s.sourcedId));
    expect(strangers.length).toBe(15);
    const strangerResults = want.results.length - want.linkedResults.length;
    const strangerEnrollments = want.enrollments.length - want.linkedEnrollments.length;
    expect(strangerResults + strangerEnrollments).toBeGreaterThan(15);

    expect(byStream(results, 'students').skippedUnlinked).toBe(15);
    expect(byStream(results, 'enrollments').skippedUnlinked).toBe(strangerEnrollments);
    expect(byStream(results, 'results').skippedUnlinked).toBe(strangerResults);
    expect(await count(`select count(*) from identity_link where source_system_id = ?`, [sourceId])).toBe(want.linkedStudents.length);
    // Pupils without a CPR number in the source link through the UNI-Login id the seed's source linked.
    expect(await count(`select count(*) from identity_link where source_system_id = ? and method = 'uni_login'`, [sourceId])).toBeGreaterThan(5);
    expect(await count(`select count(*) from grade where source_system_id = ?`, [sourceId])).toBe(want.linkedResults.length);
    expect(await count(`select count(*) from enrollment where source_system_id = ?`, [sourceId])).toBe(want.linkedEnrollments.length);
    const ids = strangers.map((s) => s.sourcedId);
    const like = ids.map((id) => id.replace('stu-', '%'));
    expect(await count(`select count(*) from identity_link where external_id = any(?)`, [ids])).toBe(0);
    expect(await count(`select count(*) from grade where external_id like any(?)`, [like.map((l) => `res-${l.slice(1)}-%`)])).toBe(0);
    expect(await count(`select count(*) from enrollment where external_id like any(?)`, [like.map((l) => `enr-${l.slice(1)}-%`)])).toBe(0);
    expect(await count(`select count(*) from quarantined_record where source_system_id = ?`, [sourceId])).toBe(0);
    expect(await count('select count(*) from child')).toBe(CHILDREN);
  });

  it('drops broken records about pupils who are not hub children (counted, never quarantined) and quarantines those of hub children', async () => {
    await startSim({ extraPupils: 20 });
    sim.faults.malformedRate = 0.25;
    const { sourceId } = await register();
    const results = await sync(sourceId, SyncMode.Full);
    const want = expected(sim, inHub);
    const strangers = new Set(want.students.filter((s) => !inHub(s.sourcedId)).map((s) => s.sourcedId));
    const broken = (c: 'students' | 'enrollments' | 'results') => sim.records(c).filter((r) => sim.corruptible(c, r) && sim.isMalformed(r.sourcedId));
    const ofStranger = (r: Record<string, unknown>) => strangers.has(((r.user ?? r.student) as { sourcedId: string } | undefined)?.sourcedId ?? (r.sourcedId as string));
    expect(broken('students').filter(ofStranger).length + broken('results').filter(ofStranger).length).toBeGreaterThan(5);

    const quarantined = await q<{ external_id: string; redacted_payload: unknown }>(`select external_id, redacted_payload from quarantined_record where source_system_id = ?`, [sourceId]);
    expect(quarantined.length).toBeGreaterThan(0); // hub children's broken records are kept to be fixed
    const dump = JSON.stringify(quarantined);
    for (const id of strangers) expect(dump).not.toContain(`"${id}"`);
    // Every record about a stranger, broken or not, is counted as skipped.
    expect(byStream(results, 'students').skippedUnlinked).toBe(strangers.size);
    // (An enrolment served without its user names no pupil: it is quarantined, and identifies nobody.)
    const brokenStudent = new Set(broken('students').map((x) => x.sourcedId));
    const aboutUnlinked = (e: Record<string, unknown>) => ofStranger(e) || brokenStudent.has((e.user as { sourcedId: string }).sourcedId);
    const userless = want.enrollments.filter((e) => sim.served('enrollments', e).user === undefined);
    expect(userless.length).toBeGreaterThan(0);
    expect(byStream(results, 'enrollments').skippedUnlinked).toBe(want.enrollments.filter((e) => aboutUnlinked(e) && !userless.includes(e)).length);
    expect(byStream(results, 'results').skippedUnlinked).toBe(want.results.filter((r) => ofStranger(r) || brokenStudent.has((r.student as { sourcedId: string }).sourcedId)).length);
  });

  it('repairs drift with a full resync: a record removed outright at the source is deleted', async () => {
    const { sourceId } = await register();
    await sync(sourceId, SyncMode.Full);
    const [r] = sim.records('results');
    sim.remove('results', r.sourcedId);
    expect(total(await sync(sourceId), 'deleted')).toBe(0); // an incremental read cannot see a hard delete
    const full = await sync(sourceId, SyncMode.Full);
    expect(byStream(full, 'results').deleted).toBe(1);
    expect(await count(`select count(*) from grade where external_id = ?`, [r.sourcedId])).toBe(0);
  });
});
