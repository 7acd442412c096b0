import { gradeLevelOf, mapEdFiRecord } from '../../../connectors/edfi/mapper';
import type { CanonicalRecord, MapContext, MapResult } from '../../../src/sources/canonical';

// Synthetic CPR numbers (day of month + 60): never a real person's.
const CPR = '710312-1234';
const hashed: string[] = [];
const ctx: MapContext = {
  municipalityCode: '167',
  hashCpr: (cpr) => {
    hashed.push(cpr);
    return `hmac:${cpr.replace('-', '').length}`;
  },
};

const ED = 'uri://ed-fi.org';
const record = (r: MapResult): CanonicalRecord => {
  if (!r.ok) throw new Error(`expected a record, got: ${r.reason}`);
  expect(r.records).toHaveLength(1);
  return r.records[0];
};
const reason = (r: MapResult): string => {
  if (r.ok) throw new Error(`expected a quarantine reason, got ${JSON.stringify(r.records)}`);
  return r.reason;
};

const event = (category: string | undefined, attendanceEventReason?: string, patch: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  studentReference: { studentUniqueId: 'elev-000001' },
  schoolReference: { schoolId: 916701 },
  sessionReference: { schoolId: 916701, schoolYear: 2026, sessionName: 'Skoleåret 2025/26' },
  eventDate: '2025-09-01',
  attendanceEventCategoryDescriptor: category,
  attendanceEventReason,
  _lastModifiedDate: '2026-01-01T00:00:01.000Z',
  ...patch,
});

const grade = (patch: Record<string, unknown> = {}) => ({
  id: 'grade-1',
  studentSectionAssociationReference: {
    beginDate: '2025-08-11',
    localCourseCode: 'Matematik',
    schoolId: 916701,
    schoolYear: 2026,
    sectionIdentifier: 'Matematik 9.A',
    sessionName: 'Skoleåret 2025/26',
    studentUniqueId: 'elev-000001',
  },
  gradingPeriodReference: { gradingPeriodDescriptor: `${ED}/GradingPeriodDescriptor#First Semester`, periodSequence: 1, schoolId: 916701, schoolYear: 2026 },
  gradeTypeDescriptor: `${ED}/GradeTypeDescriptor#Grading Period`,
  letterGradeEarned: '7',
  currentGradeAsOfDate: '2025-12-05',
  _lastModifiedDate: '2026-01-01T00:00:02.000Z',
  ...patch,
});

describe('Ed-Fi mapper: attendance event categories → Danish whole-day categories', () => {
  const status = (category: string, why?: string) => record(mapEdFiRecord('studentSchoolAttendanceEvents', event(category, why), ctx));

  it.each([
    ['In Attendance', undefined, 'present', null],
    ['Present', undefined, 'present', null],
    ['Excused Absence', undefined, 'authorised', null],
    ['Excused Absence', 'Ekstraordinær frihed', 'authorised', null],
    ['Excused Absence', 'Familiebegivenhed', 'authorised', null],
    ['Excused Absence', 'Sygdom', 'illness', null],
    ['Excused Absence', 'Sick', 'illness', null],
    ['Excused Absence', 'Illness', 'illness', null],
    ['Excused Absence', 'Barnet er sygemeldt', 'illness', null],
    ['Excused Absence', 'syg', 'illness', null],
    ['Unexcused Absence', undefined, 'unauthorised', null],
    ['Unexcused Absence', 'Pjækkede', 'unauthorised', null],
    ['Unexcused Absence', 'Sygdom (meldt for sent)', 'illness', null],
    ['Tardy', undefined, 'partial', 'Tardy'],
    ['Tardy', 'Kom for sent', 'partial', 'Tardy'],
    ['Early departure', 'Gik tidligt (tandlæge)', 'partial', 'Early departure'],
    // A partial day counts as present: an illness reason does not make it an absence.
    ['Early departure', 'Syg, hentet kl. 11', 'partial', 'Early departure'],
    ['Partial', undefined, 'partial', 'Partial'],
  ])('%s (reason %s) → %s', (category, why, expected, note) => {
    expect(status(`${ED}/AttendanceEventCategoryDescriptor#${category}`, why)).toEqual({
      target: 'attendance_day',
      externalId: 'evt-1',
      childExternalId: 'elev-000001',
      date: '2025-09-01',
      status: expected,
      note,
      sourceUpdatedAt: '2026-01-01T00:00:01.000Z',
    });
  });

  it('reads the code value in any namespace, case-insensitively', () => {
    expect(status('uri://hvidovre.dk/AttendanceEventCategoryDescriptor#excused absence')).toMatchObject({ status: 'authorised' });
    expect(status('uri://hvidovre.dk/AttendanceEventCategoryDescriptor#UNEXCUSED ABSENCE')).toMatchObject({ status: 'unauthorised' });
  });

  it('does not read illness into words that merely contain "ill"', () => {
    expect(status(`${ED}/AttendanceEventCategoryDescriptor#Excused Absence`, 'Will attend a funeral')).toMatchObject({ status: 'authorised' });
    expect(status(`${ED}/AttendanceEventCategoryDescriptor#Excused Absence`, 'Skiferie')).toMatchObject({ status: 'authorised' });
  });

  it('never keeps the free-text reason (it may be health information)', () => {
    const r = status(`${ED}/AttendanceEventCategoryDescriptor#Excused Absence`, 'Sygdom: mellemørebetændelse');
    expect(JSON.stringify(r)).not.toContain('mellemøre');
  });

  it('quarantines an unknown or missing category, an impossible date and a missing pupil, with reasons', () => {
    expect(reason(mapEdFiRecord('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#Excused Absense`), ctx))).toMatch(
      /attendanceEventCategoryDescriptor: unknown category "Excused Absense"/,
    );
    expect(reason(mapEdFiRecord('studentSchoolAttendanceEvents', event(undefined), ctx))).toMatch(/attendanceEventCategoryDescriptor: unknown category/);
    const bad = mapEdFiRecord('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#Tardy`, undefined, { eventDate: '2025-02-29', studentReference: {} }), ctx);
    expect(bad).toEqual({
      ok: false,
      externalId: 'evt-1',
      reason: 'studentReference.studentUniqueId: missing; eventDate: not a valid date (YYYY-MM-DD)',
    });
  });
});

describe('Ed-Fi mapper: grades on the 7-step scale', () => {
  const map = (patch: Record<string, unknown>) => mapEdFiRecord('grades', grade(patch), ctx);

  it.each(['12', '10', '7', '4', '02', '00', '-3'])('accepts letterGradeEarned "%s" and keeps it exactly', (value) => {
    expect(record(map({ letterGradeEarned: value }))).toMatchObject({ target: 'grade', value });
  });

  it.each([
    [12, '12'],
    [10, '10'],
    [7, '7'],
    [4, '4'],
    [2, '02'],
    [0, '00'],
    [-3, '-3'],
  ])('reads numericGradeEarned %d as "%s" when there is no letter grade', (numeric, value) => {
    expect(record(map({ letterGradeEarned: undefined, numericGradeEarned: numeric }))).toMatchObject({ value });
  });

  it('accepts a letter and a numeric grade that agree', () => {
    expect(record(map({ letterGradeEarned: '02', numericGradeEarned: 2 }))).toMatchObject({ value: '02' });
    expect(record(map({ letterGradeEarned: '-3', numericGradeEarned: -3 }))).toMatchObject({ value: '-3' });
  });

  it.each([['11'], ['13'], ['2'], ['0'], [''], ['7.0'], ['B'], [' '], ['03']])('rejects letterGradeEarned "%s"', (value) => {
    expect(reason(map({ letterGradeEarned: value }))).toMatch(/^letterGradeEarned: ".*" is not on the 7-step scale \(12, 10, 7, 4, 02, 00, -3\)$/);
  });

  it.each([[11], [13], [5], [1], [-2], [7.5], ['7']])('rejects numericGradeEarned %p', (numeric) => {
    expect(reason(map({ letterGradeEarned: undefined, numericGradeEarned: numeric }))).toMatch(/^numericGradeEarned: .* is not on the 7-step scale/);
  });

  it('rejects a letter and a numeric grade that disagree, and a grade with neither', () => {
    expect(reason(map({ letterGradeEarned: '7', numericGradeEarned: 4 }))).toBe('letterGradeEarned "7" and numericGradeEarned "4" disagree');
    expect(reason(map({ letterGradeEarned: undefined }))).toMatch(/letterGradeEarned: missing/);
  });

  it.each([
    ['Grading Period', 'term'],
    ['Exam', 'exam'],
    ['Final', 'year'],
  ])('maps GradeTypeDescriptor %s to kind %s', (type, kind) => {
    expect(record(map({ gradeTypeDescriptor: `${ED}/GradeTypeDescriptor#${type}` }))).toMatchObject({ kind });
  });

  it('rejects grade types with no Danish counterpart', () => {
    expect(reason(map({ gradeTypeDescriptor: `${ED}/GradeTypeDescriptor#Progress Report` }))).toMatch(/gradeTypeDescriptor: "Progress Report" is not a Danish grade kind/);
  });

  it('takes the subject from localCourseCode and the school year from the grading period, else the session, else the date', () => {
    expect(record(map({}))).toEqual({
      target: 'grade',
      externalId: 'grade-1',
      childExternalId: 'elev-000001',
      subject: 'Matematik',
      kind: 'term',
      value: '7',
      gradeDate: '2025-12-05',
      schoolYear: '2025/26',
      sourceUpdatedAt: '2026-01-01T00:00:02.000Z',
    });
    const withoutYears = (date: string) =>
      record(
        map({
          currentGradeAsOfDate: date,
          gradingPeriodReference: { gradingPeriodDescriptor: `${ED}/GradingPeriodDescriptor#End of Year`, periodSequence: 1, schoolId: 916701 },
          studentSectionAssociationReference: { ...grade().studentSectionAssociationReference, schoolYear: undefined },
        }),
      );
    expect(withoutYears('2025-12-05')).toMatchObject({ schoolYear: '2025/26' });
    expect(withoutYears('2026-06-20')).toMatchObject({ schoolYear: '2025/26' });
    expect(withoutYears('2026-08-20')).toMatchObject({ schoolYear: '2026/27' });
    expect(withoutYears('2000-01-10')).toMatchObject({ schoolYear: '1999/00' });
  });

  it('dates a grade by currentGradeAsOfDate, else by the day it was recorded', () => {
    expect(record(map({ currentGradeAsOfDate: undefined }))).toMatchObject({ gradeDate: '2026-01-01' });
    expect(reason(map({ currentGradeAsOfDate: '2025-06-31' }))).toMatch(/currentGradeAsOfDate: not a valid date/);
  });
});

describe('Ed-Fi mapper: grade levels', () => {
  const names = ['Kindergarten', 'First grade', 'Second grade', 'Third grade', 'Fourth grade', 'Fifth grade', 'Sixth grade', 'Seventh grade', 'Eighth grade', 'Ninth grade', 'Tenth grade'];

  it.each(names.map((n, i) => [n, i]))('Ed-Fi %s → %d. klasse', (name, level) => {
    expect(gradeLevelOf(`${ED}/GradeLevelDescriptor#${name}`)).toBe(level);
  });

  it('reads Danish and "Grade N" descriptors too', () => {
    for (let n = 0; n <= 10; n++) {
      expect(gradeLevelOf(`uri://skolebro.dk/GradeLevelDescriptor#${n}. klasse`)).toBe(n);
      expect(gradeLevelOf(`uri://example.dk/GradeLevelDescriptor#Grade ${n}`)).toBe(n);
    }
    expect(gradeLevelOf('uri://skolebro.dk/GradeLevelDescriptor#Børnehaveklasse')).toBe(0);
  });

  it.each(['Eleventh grade', 'Twelfth grade', 'Preschool/Prekindergarten', 'Ungraded', '11. klasse', 'Grade 11', '', 'Postsecondary'])('%s is not a folkeskole grade level', (name) => {
    expect(gradeLevelOf(`${ED}/GradeLevelDescriptor#${name}`)).toBeUndefined();
  });

  it('maps an association to an enrolment (institution number, class, period) and refuses a bad one', () => {
    const association = {
      id: 'ssa-1',
      studentReference: { studentUniqueId: 'elev-000001' },
      schoolReference: { schoolId: 16701 },
      entryDate: '2025-08-11',
      entryGradeLevelDescriptor: `${ED}/GradeLevelDescriptor#Seventh grade`,
      exitWithdrawDate: '2026-01-30',
      _ext: { dk: { className: '7.B' } },
    };
    expect(record(mapEdFiRecord('studentSchoolAssociations', association, ctx))).toEqual({
      target: 'enrollment',
      externalId: 'ssa-1',
      childExternalId: 'elev-000001',
      institutionNumber: '016701',
      gradeLevel: 7,
      className: '7.B',
      startDate: '2025-08-11',
      endDate: '2026-01-30',
      sourceUpdatedAt: null,
    });
    expect(reason(mapEdFiRecord('studentSchoolAssociations', { ...association, exitWithdrawDate: '2025-08-01', schoolReference: { schoolId: 12345678 } }, ctx))).toBe(
      'schoolReference.schoolId: not a 6-digit institution number; exitWithdrawDate: before entryDate',
    );
    expect(reason(mapEdFiRecord('studentSchoolAssociations', { ...association, entryGradeLevelDescriptor: `${ED}/GradeLevelDescriptor#Eleventh grade` }, ctx))).toMatch(
      /entryGradeLevelDescriptor: "Eleventh grade" is not a folkeskole grade level/,
    );
  });
});

describe('Ed-Fi mapper: students, schools, deletes', () => {
  const student = (codes: unknown[] | undefined, patch: Record<string, unknown> = {}) => ({
    id: 'stu-1',
    studentUniqueId: 'elev-000001',
    firstName: 'Freja',
    lastSurname: 'Østergaard',
    birthDate: '2012-03-11',
    studentIdentificationCodes: codes,
    ...patch,
  });
  const cprCode = (identificationCode: string) => ({ studentIdentificationSystemDescriptor: 'uri://skolebro.dk/StudentIdentificationSystemDescriptor#CPR', identificationCode });
  const uniCode = (identificationCode: string) => ({ studentIdentificationSystemDescriptor: 'uri://skolebro.dk/StudentIdentificationSystemDescriptor#UNI-Login', identificationCode });

  it('hashes the CPR number (never keeps it) and keeps the UNI-Login id', () => {
    hashed.length = 0;
    const r = record(mapEdFiRecord('students', student([cprCode(CPR), uniCode('fre12345')]), ctx));
    expect(r).toEqual({
      target: 'pupil',
      externalId: 'elev-000001',
      cprHmac: 'hmac:10',
      uniLoginId: 'fre12345',
      firstName: 'Freja',
      lastName: 'Østergaard',
      birthDate: '2012-03-11',
      sourceUpdatedAt: null,
    });
    expect(hashed).toEqual([CPR]);
    expect(JSON.stringify(r)).not.toContain('710312');
  });

  it('keeps a pupil without identification codes (the writer then cannot link it and drops it)', () => {
    expect(record(mapEdFiRecord('students', student(undefined), ctx))).toMatchObject({ cprHmac: null, uniLoginId: null });
    expect(record(mapEdFiRecord('students', student([uniCode('fre12345')]), ctx))).toMatchObject({ cprHmac: null, uniLoginId: 'fre12345' });
  });

  it('quarantines a bad CPR number without echoing it, and conflicting or missing identifiers', () => {
    const bad = mapEdFiRecord('students', student([cprCode('711385-1234')]), ctx);
    expect(reason(bad)).toBe('studentIdentificationCodes: the CPR code is not a valid CPR number');
    expect(JSON.stringify(bad)).not.toContain('711385');
    expect(reason(mapEdFiRecord('students', student([cprCode(CPR), cprCode('650811-4321')]), ctx))).toMatch(/two different CPR numbers/);
    expect(reason(mapEdFiRecord('students', student([uniCode('')]), ctx))).toMatch(/UNI-Login code is empty/);
    expect(mapEdFiRecord('students', student([], { studentUniqueId: ' ', birthDate: '2013-02-30' }), ctx)).toEqual({
      ok: false,
      reason: 'studentUniqueId: missing; birthDate: not a valid date (YYYY-MM-DD)',
      externalId: undefined,
    });
  });

  it('names the pupil of a broken student item: its valid CPR (hashed) and UNI-Login id, none that are invalid or ambiguous', () => {
    const pupil = (r: MapResult) => (r.ok ? undefined : r.pupil);
    expect(pupil(mapEdFiRecord('students', student([cprCode(CPR), uniCode('fre12345')], { birthDate: '2013-02-30' }), ctx))).toEqual({ externalId: 'elev-000001', cprHmac: 'hmac:10', uniLoginId: 'fre12345' });
    const badCpr = mapEdFiRecord('students', student([cprCode('711385-1234'), uniCode('fre12345')]), ctx);
    expect(pupil(badCpr)).toEqual({ externalId: 'elev-000001', cprHmac: null, uniLoginId: 'fre12345' });
    expect(JSON.stringify(badCpr)).not.toContain('711385');
    expect(pupil(mapEdFiRecord('students', student([cprCode(CPR), cprCode('650811-4321'), uniCode('')]), ctx))).toEqual({ externalId: 'elev-000001', cprHmac: null, uniLoginId: null });
    expect(pupil(mapEdFiRecord('students', student([], { studentUniqueId: ' ', birthDate: '2013-02-30' }), ctx))).toBeUndefined();
  });

  it('maps a school to its institution number and name', () => {
    expect(record(mapEdFiRecord('schools', { id: 'sch-1', schoolId: 916701, nameOfInstitution: 'Egeskolen', _lastModifiedDate: '2026-01-01T00:00:00' }, ctx))).toEqual({
      target: 'school',
      externalId: 'sch-1',
      institutionNumber: '916701',
      name: 'Egeskolen',
      sourceUpdatedAt: '2026-01-01T00:00:00Z',
    });
    expect(reason(mapEdFiRecord('schools', { id: 'sch-2', schoolId: 1234567 }, ctx))).toBe('schoolId: not a 6-digit institution number; nameOfInstitution: missing');
  });

  it('maps deletes: pupils by studentUniqueId from keyValues, the rest by resource id', () => {
    expect(record(mapEdFiRecord('deletes', { resource: 'students', id: 'stu-1', changeVersion: 9, keyValues: { studentUniqueId: 'elev-000001' } }, ctx))).toEqual({
      target: 'deletion',
      of: 'pupil',
      externalId: 'elev-000001',
    });
    for (const [resource, of] of [
      ['studentSchoolAttendanceEvents', 'attendance_day'],
      ['grades', 'grade'],
      ['studentSchoolAssociations', 'enrollment'],
      ['schools', 'school'],
    ]) {
      expect(record(mapEdFiRecord('deletes', { resource, id: 'x-1', changeVersion: 10 }, ctx))).toEqual({ target: 'deletion', of, externalId: 'x-1' });
    }
    expect(reason(mapEdFiRecord('deletes', { resource: 'students', id: 'stu-1', changeVersion: 9 }, ctx))).toMatch(/keyValues.studentUniqueId: missing/);
    expect(reason(mapEdFiRecord('deletes', { resource: 'sections', id: 's-1', changeVersion: 9 }, ctx))).toMatch(/resource: "sections" is not read/);
  });

  it('refuses what is not an object, and unknown streams', () => {
    expect(mapEdFiRecord('grades', null, ctx)).toEqual({ ok: false, reason: 'record: not a JSON object' });
    expect(mapEdFiRecord('sections', {}, ctx)).toEqual({ ok: false, reason: 'unknown stream sections' });
  });

  it('accepts real calendar dates only (29 February in leap years), with or without T00:00:00', () => {
    const day = (eventDate: string) => mapEdFiRecord('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#In Attendance`, undefined, { eventDate }), ctx);
    expect(record(day('2024-02-29'))).toMatchObject({ date: '2024-02-29' });
    expect(record(day('2025-09-01T00:00:00'))).toMatchObject({ date: '2025-09-01' });
    for (const bad of ['2025-02-29', '2025-04-31', '2025-13-01', '2025-9-1', '01-09-2025', '2100-02-29']) expect(day(bad).ok).toBe(false);
  });
});

describe('Ed-Fi mapper: a broken item names its pupil, so the runner can drop it when the pupil is no hub child', () => {
  const pupil = (stream: string, item: unknown) => {
    const r = mapEdFiRecord(stream, item, ctx);
    if (r.ok) throw new Error('expected a broken item');
    return r.pupil;
  };
  const elev = { externalId: 'elev-000001', cprHmac: null, uniLoginId: null };

  it('reads the studentUniqueId of broken associations, attendance events and grades', () => {
    expect(pupil('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#Excused Absense`))).toEqual(elev);
    expect(pupil('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#Present`, undefined, { eventDate: '2025-02-30' }))).toEqual(elev);
    expect(pupil('grades', grade({ letterGradeEarned: '11' }))).toEqual(elev);
    expect(pupil('studentSchoolAssociations', { id: 'ssa-1', studentReference: { studentUniqueId: 'elev-000001' }, schoolReference: { schoolId: 916701 }, entryDate: '2025-13-01' })).toEqual(elev);
  });

  it('names nobody when no pupil can be read (the item identifies nobody), nor for schools and deletes', () => {
    expect(pupil('studentSchoolAttendanceEvents', event(`${ED}/AttendanceEventCategoryDescriptor#Present`, undefined, { studentReference: undefined }))).toBeUndefined();
    expect(pupil('grades', grade({ studentSectionAssociationReference: { localCourseCode: 'Dansk' } }))).toBeUndefined();
    expect(pupil('schools', { id: 'sch-2', schoolId: 1234567 })).toBeUndefined();
    expect(pupil('deletes', { resource: 'grades', changeVersion: 3 })).toBeUndefined();
  });
});
