import { gradeKindOf, gradeLevelOf, gradeValue, isSevenStepScale, mapOneRosterRecord, schoolYearOfDate } from '../../../connectors/oneroster/mapper';
import type { Envelope } from '../../../connectors/oneroster/wire';
import { GradeKind, SEVEN_STEP_SCALE } from '../../../src/schooling/grade-scale';
import { cprHmac } from '../../../src/identity/cpr';
import type { CanonicalRecord, MapContext, MapResult } from '../../../src/sources/canonical';

const hashed: string[] = [];
const ctx: MapContext = {
  municipalityCode: '167',
  hashCpr: (cpr) => {
    hashed.push(cpr);
    return cprHmac(cpr, 'test-key');
  },
};
const T = '2026-01-05T10:00:00.000Z';
const ref = (sourcedId: string) => ({ sourcedId });

const SEVEN = [
  ['12', '12'],
  ['10', '10'],
  ['7', '7'],
  ['4', '4'],
  ['02', '2'],
  ['00', '0'],
  ['-3', '-3'],
].map(([itemValueLHS, itemValueRHS]) => ({ itemValueLHS, itemValueRHS }));
const refs = {
  lineItem: { sourcedId: 'li-1', status: 'active', dateLastModified: T, class: ref('cls-dansk-9a'), category: ref('cat-term'), gradingPeriod: ref('as-h2'), scoreScale: ref('ss-7') },
  class: { sourcedId: 'cls-dansk-9a', status: 'active', title: 'Dansk 9.A', classType: 'scheduled', grades: ['09'], course: ref('crs-dansk'), school: ref('school-167-01') },
  course: { sourcedId: 'crs-dansk', status: 'active', title: 'Dansk', subjects: ['Dansk'] },
  category: { sourcedId: 'cat-term', status: 'active', title: 'Standpunktskarakter' },
  scoreScale: { sourcedId: 'ss-7', status: 'active', title: '7-trinsskalaen', type: 'Karakterskala', scoreScaleValue: SEVEN },
  gradingPeriod: { sourcedId: 'as-h2', status: 'active', title: '2. halvår', type: 'gradingPeriod', startDate: '2026-02-01', endDate: '2026-07-31', schoolYear: '2026' },
};
const result = (patch: Record<string, unknown> = {}, refPatch: Record<string, unknown> = {}): Envelope => ({
  id: 'res-1',
  record: {
    sourcedId: 'res-1',
    status: 'active',
    dateLastModified: T,
    lineItem: ref('li-1'),
    student: ref('stu-1'),
    scoreStatus: 'fully graded',
    textScore: '7',
    score: 7,
    scoreDate: '2026-06-10',
    ...patch,
  },
  refs: { ...refs, ...refPatch },
});
const records = (r: MapResult): CanonicalRecord[] => {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r.records;
};
const reason = (r: MapResult): string => {
  if (r.ok) throw new Error(`expected a quarantine reason, got ${JSON.stringify(r.records)}`);
  return r.reason;
};

describe('OneRoster mapper: grades on the 7-step scale', () => {
  it.each(SEVEN_STEP_SCALE.map((v) => [v]))('maps textScore "%s" to exactly that grade', (value) => {
    const numeric = SEVEN.find((s) => s.itemValueLHS === value)!.itemValueRHS;
    const [grade] = records(mapOneRosterRecord('results', result({ textScore: value, score: Number(numeric) }), ctx));
    expect(grade).toEqual({
      target: 'grade',
      externalId: 'res-1',
      childExternalId: 'stu-1',
      subject: 'Dansk',
      kind: GradeKind.Term,
      value,
      gradeDate: '2026-06-10',
      schoolYear: '2025/26',
      sourceUpdatedAt: T,
    });
  });

  it.each([
    [12, '12'],
    [10, '10'],
    [7, '7'],
    [4, '4'],
    [2, '02'],
    [0, '00'],
    [-3, '-3'],
  ])('reads a numeric score %p alone through the scale as "%s"', (score, value) => {
    const [grade] = records(mapOneRosterRecord('results', result({ textScore: undefined, score }), ctx));
    expect(grade).toMatchObject({ value });
  });

  it.each([
    [{ textScore: '11', score: 11 }, /textScore: "11" is not a grade on the 7-step scale/],
    [{ textScore: '13', score: undefined }, /textScore: "13" is not a grade/],
    [{ textScore: '2', score: 2 }, /textScore: "2" is not a grade/],
    [{ textScore: '0', score: 0 }, /textScore: "0" is not a grade/],
    [{ textScore: '7.0', score: undefined }, /textScore: "7.0"/],
    [{ textScore: ' 7', score: undefined }, /textScore: " 7"/],
    [{ textScore: undefined, score: 11 }, /score: 11 is not a grade on the 7-step scale/],
    [{ textScore: undefined, score: 13 }, /score: 13 is not a grade/],
    [{ textScore: undefined, score: 2.5 }, /score: 2.5 is not a grade/],
    [{ textScore: undefined, score: undefined }, /without score or textScore/],
    [{ textScore: '7', score: 4 }, /score: 4 disagrees with textScore "7"/],
    [{ textScore: 11, score: undefined }, /textScore: Invalid input/],
  ])('refuses %p', (patch, why) => {
    expect(reason(mapOneRosterRecord('results', result(patch), ctx))).toMatch(why);
  });

  it('refuses results on another scale (the 13-scale) and results without a scale', () => {
    const thirteen = ['13', '11', '10', '9', '8', '7', '6', '5', '03', '00'].map((v) => ({ itemValueLHS: v, itemValueRHS: String(Number(v)) }));
    const other = { sourcedId: 'ss-13', status: 'active', title: '13-skalaen', type: 'Karakterskala', scoreScaleValue: thirteen };
    expect(reason(mapOneRosterRecord('results', result({ textScore: '10', score: 10 }, { scoreScale: other }), ctx))).toMatch(/scoreScale: "13-skalaen" is not the 7-step scale/);
    const partial = { ...refs.scoreScale, scoreScaleValue: SEVEN.slice(0, 6) };
    expect(reason(mapOneRosterRecord('results', result({}, { scoreScale: partial }), ctx))).toMatch(/not the 7-step scale/);
    const lineItem = { ...refs.lineItem, scoreScale: undefined };
    expect(reason(mapOneRosterRecord('results', result({}, { lineItem, scoreScale: undefined }), ctx))).toMatch(/scoreScale: neither the result nor its line item/);
    expect(reason(mapOneRosterRecord('results', result({}, { scoreScale: undefined }), ctx))).toMatch(/scoreScale: unknown scoreScale ss-7/);
    // A result's own scale overrides the line item's.
    expect(reason(mapOneRosterRecord('results', result({ scoreScale: ref('ss-13') }, { scoreScale: other }), ctx))).toMatch(/13-skalaen/);
  });

  it('knows the scale helpers', () => {
    expect(isSevenStepScale(SEVEN)).toBe(true);
    expect(isSevenStepScale([...SEVEN, { itemValueLHS: '11', itemValueRHS: '11' }])).toBe(false);
    expect(gradeValue('02', 2, SEVEN)).toBe('02');
    expect(gradeValue(undefined, 0, SEVEN)).toBe('00');
    expect(gradeValue('2', undefined, SEVEN)).toEqual({ reason: expect.stringContaining('"2"') });
  });

  it.each([
    ['Standpunktskarakter', GradeKind.Term],
    ['standpunktskarakterer', GradeKind.Term],
    ['Term grade', GradeKind.Term],
    ['Prøvekarakter', GradeKind.Exam],
    ['Eksamenskarakter', GradeKind.Exam],
    ['Årskarakter', GradeKind.Year],
    [' årskarakter ', GradeKind.Year],
    ['Year grade', GradeKind.Year],
  ])('category "%s" is kind %s', (title, kind) => {
    expect(gradeKindOf(title)).toBe(kind);
    const category = { ...refs.category, title };
    expect(records(mapOneRosterRecord('results', result({}, { category }), ctx))[0]).toMatchObject({ kind });
  });

  it('refuses a category that is not a kind of grade, and an unknown category', () => {
    expect(reason(mapOneRosterRecord('results', result({}, { category: { ...refs.category, title: 'Aflevering' } }), ctx))).toMatch(/category: "Aflevering" is not a kind of grade/);
    expect(reason(mapOneRosterRecord('results', result({}, { category: undefined }), ctx))).toMatch(/category: unknown category cat-term/);
  });

  it('takes the subject from the course (subjects, else title), else from the class', () => {
    expect(records(mapOneRosterRecord('results', result({}, { course: { ...refs.course, subjects: undefined, title: 'Matematik' } }), ctx))[0]).toMatchObject({ subject: 'Matematik' });
    expect(records(mapOneRosterRecord('results', result({}, { course: undefined, class: { ...refs.class, subjects: ['Engelsk'] } }), ctx))[0]).toMatchObject({ subject: 'Engelsk' });
    expect(reason(mapOneRosterRecord('results', result({}, { course: undefined }), ctx))).toMatch(/course: unknown course crs-dansk/);
  });

  it('takes the school year from the grading period, else from the date (August–July)', () => {
    const autumn = { ...refs.gradingPeriod, schoolYear: '2025' };
    expect(records(mapOneRosterRecord('results', result({}, { gradingPeriod: autumn }), ctx))[0]).toMatchObject({ schoolYear: '2024/25' });
    expect(records(mapOneRosterRecord('results', result({ scoreDate: '2025-12-10' }, { gradingPeriod: undefined }), ctx))[0]).toMatchObject({ schoolYear: '2025/26', gradeDate: '2025-12-10' });
    expect(schoolYearOfDate('2026-07-31')).toBe('2025/26');
    expect(schoolYearOfDate('2026-08-01')).toBe('2026/27');
    expect(schoolYearOfDate('2099-08-01')).toBe('2099/00');
    // A DateTime scoreDate counts by its date.
    expect(records(mapOneRosterRecord('results', result({ scoreDate: '2026-06-10T08:00:00.000Z' }), ctx))[0]).toMatchObject({ gradeDate: '2026-06-10' });
    expect(reason(mapOneRosterRecord('results', result({ scoreDate: '2026-02-30' }), ctx))).toMatch(/scoreDate: not a valid date/);
  });

  it('turns tobedeleted results, line items and not-given grades into deletions', () => {
    const deletion = { target: 'deletion', of: 'grade', externalId: 'res-1' };
    expect(records(mapOneRosterRecord('results', result({ status: 'tobedeleted' }), ctx))).toEqual([deletion]);
    // A deletion needs nothing but the id and the status (a delta row may carry no more).
    expect(records(mapOneRosterRecord('results', { id: 'res-1', record: { sourcedId: 'res-1', status: 'tobedeleted' } }, ctx))).toEqual([deletion]);
    for (const scoreStatus of ['exempt', 'not submitted', 'submitted', 'partially graded']) {
      expect(records(mapOneRosterRecord('results', result({ scoreStatus }), ctx))).toEqual([deletion]);
    }
    expect(records(mapOneRosterRecord('results', result({}, { lineItem: { ...refs.lineItem, status: 'tobedeleted' } }), ctx))).toEqual([deletion]);
    expect(records(mapOneRosterRecord('results', result({}, { class: { ...refs.class, status: 'tobedeleted' } }), ctx))).toEqual([deletion]);
  });

  it('refuses an unknown line item, a bad status and a record that is not one', () => {
    expect(reason(mapOneRosterRecord('results', result({}, { lineItem: undefined }), ctx))).toMatch(/lineItem: unknown lineItem li-1/);
    expect(reason(mapOneRosterRecord('results', result({ status: 'deleted' }), ctx))).toMatch(/status/);
    expect(reason(mapOneRosterRecord('results', result({ student: undefined }), ctx))).toMatch(/student/);
    expect(reason(mapOneRosterRecord('results', { id: 'x', record: null, error: 'results.csv line 4: 3 fields, the header has 11' }, ctx))).toBe('results.csv line 4: 3 fields, the header has 11');
    expect(reason(mapOneRosterRecord('results', 'junk', ctx))).toMatch(/not a OneRoster record/);
    expect(reason(mapOneRosterRecord('teachers', result(), ctx))).toMatch(/unknown stream/);
  });
});

describe('OneRoster mapper: students, schools, enrolments', () => {
  const student = (patch: Record<string, unknown> = {}): Envelope => ({
    id: 'stu-1',
    record: {
      sourcedId: 'stu-1',
      status: 'active',
      dateLastModified: T,
      givenName: 'Freja',
      familyName: 'Holm',
      userIds: [
        { type: 'UNI-Login', identifier: 'Fre12345' },
        { type: 'CPR', identifier: '710113-1234' },
      ],
      metadata: { birthDate: '2013-01-11' },
      ...patch,
    },
  });

  it('maps a student to a pupil with the CPR number hashed and never passed on', () => {
    hashed.length = 0;
    const [pupil] = records(mapOneRosterRecord('students', student(), ctx));
    expect(pupil).toEqual({
      target: 'pupil',
      externalId: 'stu-1',
      cprHmac: cprHmac('710113-1234', 'test-key'),
      uniLoginId: 'fre12345',
      firstName: 'Freja',
      lastName: 'Holm',
      birthDate: '2013-01-11',
      sourceUpdatedAt: T,
    });
    expect(hashed).toEqual(['7101131234']);
    expect(JSON.stringify(pupil)).not.toContain('710113');
  });

  it('keeps a pupil without CPR (UNI-Login only) or without any id (the writer drops it)', () => {
    expect(records(mapOneRosterRecord('students', student({ userIds: [{ type: 'unilogin', identifier: 'abc12345' }] }), ctx))[0]).toMatchObject({ cprHmac: null, uniLoginId: 'abc12345' });
    expect(records(mapOneRosterRecord('students', student({ userIds: undefined, metadata: undefined }), ctx))[0]).toMatchObject({ cprHmac: null, uniLoginId: null, birthDate: null });
  });

  it('refuses a bad CPR number without echoing it, and other broken students', () => {
    const r = reason(mapOneRosterRecord('students', student({ userIds: [{ type: 'CPR', identifier: '123456-78' }] }), ctx));
    expect(r).toBe('userIds: CPR is not a valid CPR number');
    expect(reason(mapOneRosterRecord('students', student({ userIds: [{ type: 'CPR', identifier: '711313-1234' }] }), ctx))).not.toContain('711313');
    expect(reason(mapOneRosterRecord('students', student({ userIds: [{ type: 'CPR', identifier: '710113-1234' }, { type: 'CPR', identifier: '720113-1234' }] }), ctx))).toMatch(/more than one CPR/);
    expect(reason(mapOneRosterRecord('students', student({ userIds: [{ type: 'UNI-Login', identifier: 'ugyldig login' }] }), ctx))).toMatch(/UNI-Login/);
    expect(reason(mapOneRosterRecord('students', student({ familyName: undefined }), ctx))).toMatch(/^familyName: /);
    expect(reason(mapOneRosterRecord('students', student({ metadata: { birthDate: '2013-02-30' } }), ctx))).toMatch(/metadata.birthDate: not a valid date/);
    expect(reason(mapOneRosterRecord('students', student({ dateLastModified: 'yesterday' }), ctx))).toMatch(/dateLastModified/);
  });

  it("takes the birth date from the user's demographics (OneRoster 1.2), metadata.birthDate only without one", () => {
    const withDemographics = (demographics: unknown, patch: Record<string, unknown> = {}): Envelope => ({ ...student(patch), refs: { demographics } });
    const birthDate = (env: Envelope) => records(mapOneRosterRecord('students', env, ctx))[0];
    expect(birthDate(withDemographics({ sourcedId: 'stu-1', status: 'active', birthDate: '2013-01-12' }))).toMatchObject({ birthDate: '2013-01-12' });
    expect(birthDate(withDemographics({ sourcedId: 'stu-1', status: 'active', birthDate: '2013-01-12' }, { metadata: undefined }))).toMatchObject({ birthDate: '2013-01-12' });
    // Demographics without a birth date, or marked deleted: the fallback (or none).
    expect(birthDate(withDemographics({ sourcedId: 'stu-1', status: 'active' }))).toMatchObject({ birthDate: '2013-01-11' });
    expect(birthDate(withDemographics({ sourcedId: 'stu-1', status: 'tobedeleted', birthDate: '2013-01-12' }, { metadata: undefined }))).toMatchObject({ birthDate: null });
    const bad = mapOneRosterRecord('students', withDemographics({ sourcedId: 'stu-1', status: 'active', birthDate: '2013-02-30' }), ctx);
    expect(reason(bad)).toBe('demographics.birthDate: not a valid date (YYYY-MM-DD)');
    expect(bad).toMatchObject({ externalId: 'stu-1', pupil: { externalId: 'stu-1' } });
  });

  it('maps schools by institutionsnummer, ignores other orgs, refuses a school without one', () => {
    const org = (patch: Record<string, unknown>): Envelope => ({ id: 'o', record: { sourcedId: 'o', status: 'active', dateLastModified: T, name: 'Engskolen', type: 'school', identifier: '916701', ...patch } });
    expect(records(mapOneRosterRecord('orgs', org({}), ctx))).toEqual([{ target: 'school', externalId: 'o', institutionNumber: '916701', name: 'Engskolen', sourceUpdatedAt: T }]);
    expect(records(mapOneRosterRecord('orgs', org({ type: 'district', identifier: '167' }), ctx))).toEqual([]);
    expect(reason(mapOneRosterRecord('orgs', org({ identifier: '12345' }), ctx))).toMatch(/identifier: a school needs its 6-digit institutionsnummer/);
    expect(reason(mapOneRosterRecord('orgs', org({ name: '' }), ctx))).toMatch(/^name: /);
    expect(records(mapOneRosterRecord('orgs', org({ status: 'tobedeleted' }), ctx))).toEqual([{ target: 'deletion', of: 'school', externalId: 'o' }]);
  });

  const homeroom = { sourcedId: 'cls-9a', status: 'active', title: '9.A', classType: 'homeroom', grades: ['09'], course: ref('crs-stamklasse'), school: ref('sch'), terms: [ref('as-y')] };
  const enrollment = (patch: Record<string, unknown> = {}, refPatch: Record<string, unknown> = {}): Envelope => ({
    id: 'enr-1',
    record: { sourcedId: 'enr-1', status: 'active', dateLastModified: T, role: 'student', user: ref('stu-1'), class: ref('cls-9a'), school: ref('sch'), beginDate: '2025-08-11', ...patch },
    refs: {
      class: homeroom,
      school: { sourcedId: 'sch', status: 'active', name: 'Engskolen', type: 'school', identifier: '916701' },
      term: { sourcedId: 'as-y', status: 'active', title: 'Skoleåret', type: 'schoolYear', startDate: '2025-08-01', endDate: '2026-07-31', schoolYear: '2026' },
      ...refPatch,
    },
  });

  it('maps a homeroom enrolment to the pupil’s class, school and grade level', () => {
    expect(records(mapOneRosterRecord('enrollments', enrollment({ endDate: '2026-01-31' }), ctx))).toEqual([
      {
        target: 'enrollment',
        externalId: 'enr-1',
        childExternalId: 'stu-1',
        institutionNumber: '916701',
        gradeLevel: 9,
        className: '9.A',
        startDate: '2025-08-11',
        endDate: '2026-01-31',
        sourceUpdatedAt: T,
      },
    ]);
  });

  it.each([
    ['00', 0],
    ['KG', 0],
    ['01', 1],
    ['7', 7],
    ['09', 9],
    ['10', 10],
  ])('reads grade code %s as %d. klasse', (code, level) => {
    expect(gradeLevelOf(code)).toBe(level);
    expect(records(mapOneRosterRecord('enrollments', enrollment({}, { class: { ...homeroom, grades: [code] } }), ctx))[0]).toMatchObject({ gradeLevel: level });
  });

  it('refuses grade levels outside 0–10, mixed-grade classes and broken dates', () => {
    for (const code of ['11', '12', 'PK', 'x']) {
      expect(reason(mapOneRosterRecord('enrollments', enrollment({}, { class: { ...homeroom, grades: [code] } }), ctx))).toMatch(/is not a Danish grade level/);
    }
    expect(reason(mapOneRosterRecord('enrollments', enrollment({}, { class: { ...homeroom, grades: ['00', '01'] } }), ctx))).toMatch(/ambiguous/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({}, { class: { ...homeroom, grades: [] } }), ctx))).toMatch(/no grade level/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({ beginDate: '2025-13-01' }), ctx))).toMatch(/beginDate: not a valid date/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({ endDate: '1999-01-01' }), ctx))).toMatch(/endDate: ends before it starts/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({}, { class: undefined }), ctx))).toMatch(/class: unknown class cls-9a/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({}, { school: undefined }), ctx))).toMatch(/school: unknown school sch/);
    expect(reason(mapOneRosterRecord('enrollments', enrollment({ beginDate: undefined }, { term: undefined }), ctx))).toMatch(/beginDate: missing/);
  });

  it('takes a missing begin date from the class’s term; skips subject classes and teachers', () => {
    expect(records(mapOneRosterRecord('enrollments', enrollment({ beginDate: undefined }), ctx))[0]).toMatchObject({ startDate: '2025-08-01', endDate: null });
    expect(records(mapOneRosterRecord('enrollments', enrollment({}, { class: { ...homeroom, classType: 'scheduled' } }), ctx))).toEqual([]);
    expect(records(mapOneRosterRecord('enrollments', enrollment({ role: 'teacher' }), ctx))).toEqual([]);
    expect(records(mapOneRosterRecord('enrollments', enrollment({ status: 'tobedeleted' }), ctx))).toEqual([{ target: 'deletion', of: 'enrollment', externalId: 'enr-1' }]);
  });
});

test('a broken school record names its pupil, so the runner can drop it if that pupil is not in the hub', () => {
  const broken = (stream: string, record: Record<string, unknown>) => {
    const r = mapOneRosterRecord(stream, { id: record.sourcedId as string, record }, ctx);
    if (r.ok) throw new Error('expected a failure');
    return r.pupil;
  };
  expect(broken('results', { sourcedId: 'r', status: 'active', student: { sourcedId: 'stu-9' }, textScore: '11' })).toEqual({ externalId: 'stu-9', cprHmac: null, uniLoginId: null });
  expect(broken('enrollments', { sourcedId: 'e', status: 'active', role: 'student', user: { sourcedId: 'stu-9' }, beginDate: 'x' })).toEqual({ externalId: 'stu-9', cprHmac: null, uniLoginId: null });
  // A student: the identifiers that can be read; a broken CPR is not one of them.
  const ids = [{ type: 'CPR', identifier: '710113-1234' }, { type: 'UNI-Login', identifier: 'ABC12345' }];
  expect(broken('students', { sourcedId: 'stu-9', status: 'active', givenName: 'A', userIds: ids })).toEqual({ externalId: 'stu-9', cprHmac: cprHmac('710113-1234', 'test-key'), uniLoginId: 'abc12345' });
  expect(broken('students', { sourcedId: 'stu-9', status: 'active', givenName: 'A', familyName: 'B', userIds: [{ type: 'CPR', identifier: '123456-78' }] })).toEqual({ externalId: 'stu-9', cprHmac: null, uniLoginId: null });
  // Schools are not about a pupil; a record without a readable student names none.
  expect(broken('orgs', { sourcedId: 'o', status: 'active', name: 'x', type: 'school', identifier: '1' })).toBeUndefined();
  expect(broken('results', { sourcedId: 'r', status: 'active' })).toBeUndefined();
  expect(mapOneRosterRecord('results', { record: { student: { sourcedId: 'stu-9' } }, error: 'results.csv line 3: 2 fields, the header has 11' }, ctx)).toMatchObject({ ok: false, pupil: { externalId: 'stu-9' } });
});
