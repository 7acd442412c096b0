import { mapEdFiRecord } from '../../../connectors/edfi/mapper';
import { minimise } from '../../../connectors/edfi/minimise';
import { EdFiSimulator } from '../../../connectors/edfi/simulator';
import { RESOURCES } from '../../../connectors/edfi/wire';
import type { MapContext } from '../../../src/sources/canonical';
import { generatePopulation } from '../../../src/synthetic/generator';
import { MUNICIPALITY } from './edfi-source';

const ctx: MapContext = { municipalityCode: '167', hashCpr: (cpr) => `hmac:${cpr.replace('-', '')}` };
const ED = 'uri://ed-fi.org';
const DK = 'uri://skolebro.dk';

const event = (category: string, patch: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  studentReference: { studentUniqueId: 'elev-000001', link: { rel: 'Student', href: '/ed-fi/students/x' } },
  schoolReference: { schoolId: 916701 },
  sessionReference: { schoolId: 916701, schoolYear: 2026, sessionName: 'Skoleåret 2025/26' },
  eventDate: '2025-09-01',
  attendanceEventCategoryDescriptor: `${ED}/AttendanceEventCategoryDescriptor#${category}`,
  attendanceEventReason: 'Sygdom (mave)',
  educationalEnvironmentDescriptor: `${ED}/EducationalEnvironmentDescriptor#Classroom`,
  _etag: '5249',
  _lastModifiedDate: '2026-01-01T00:00:01.000Z',
  ...patch,
});

const student = (patch: Record<string, unknown> = {}) => ({
  id: 'stu-1',
  studentUniqueId: 'elev-000001',
  firstName: 'Freja',
  middleName: 'Marie',
  lastSurname: 'Holm',
  birthDate: '2012-03-11',
  birthCity: 'Hvidovre',
  studentIdentificationCodes: [
    { studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#CPR`, assigningOrganizationIdentificationCode: 'CPR', identificationCode: '710312-1234' },
    { studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#UNI-Login`, assigningOrganizationIdentificationCode: 'STIL', identificationCode: 'fre12345' },
    { studentIdentificationSystemDescriptor: `${ED}/StudentIdentificationSystemDescriptor#Health Record`, identificationCode: 'J-4711' },
  ],
  _lastModifiedDate: '2026-01-01T00:00:02.000Z',
  ...patch,
});

describe('Ed-Fi minimise: only what the mapper reads reaches the runner (and so quarantine)', () => {
  it('maps every item of the simulated ODS exactly as it maps the item as sent', () => {
    const population = generatePopulation({ seed: 5, children: 6, municipalities: [MUNICIPALITY] });
    const sim = EdFiSimulator.fromPopulation(population, MUNICIPALITY.code, { extraPupils: 2, omitCprRate: 0.3 });
    let ill = 0;
    for (const resource of RESOURCES) {
      for (const item of sim.records(resource)) {
        const small = minimise(resource, item)!;
        expect(mapEdFiRecord(resource, small, ctx)).toEqual(mapEdFiRecord(resource, item, ctx));
        if (small.illnessReason) ill++;
      }
    }
    expect(ill).toBeGreaterThan(0);
  });

  it('keeps an attendance event without its free-text reason: only whether it names an illness', () => {
    const sick = minimise('studentSchoolAttendanceEvents', event('Excused Absence'));
    expect(sick).toEqual({
      id: 'evt-1',
      studentReference: { studentUniqueId: 'elev-000001' },
      eventDate: '2025-09-01',
      attendanceEventCategoryDescriptor: `${ED}/AttendanceEventCategoryDescriptor#Excused Absence`,
      _lastModifiedDate: '2026-01-01T00:00:01.000Z',
      illnessReason: true,
    });
    expect(mapEdFiRecord('studentSchoolAttendanceEvents', sick, ctx)).toMatchObject({ ok: true, records: [{ status: 'illness' }] });
    const family = minimise('studentSchoolAttendanceEvents', event('Excused Absence', { attendanceEventReason: 'Familiebegivenhed' }));
    expect(JSON.stringify(family)).not.toContain('Familie');
    expect(family).not.toHaveProperty('illnessReason');
    expect(mapEdFiRecord('studentSchoolAttendanceEvents', family, ctx)).toMatchObject({ ok: true, records: [{ status: 'authorised' }] });
    // A flag sent by the source is not taken at its word: only the reason decides.
    expect(minimise('studentSchoolAttendanceEvents', event('Excused Absence', { attendanceEventReason: undefined, illnessReason: true }))).not.toHaveProperty('illnessReason');
    // A broken event (the category misspelt) keeps no reason text either, and still fails the same way.
    const broken = event('Excused Absense');
    expect(JSON.stringify(minimise('studentSchoolAttendanceEvents', broken))).not.toMatch(/Sygdom|mave/);
    expect(mapEdFiRecord('studentSchoolAttendanceEvents', minimise('studentSchoolAttendanceEvents', broken), ctx)).toEqual(mapEdFiRecord('studentSchoolAttendanceEvents', broken, ctx));
  });

  it('keeps a student with names, birth date and only the CPR and UNI-Login codes', () => {
    expect(minimise('students', student())).toEqual({
      id: 'stu-1',
      studentUniqueId: 'elev-000001',
      firstName: 'Freja',
      lastSurname: 'Holm',
      birthDate: '2012-03-11',
      studentIdentificationCodes: [
        { studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#CPR`, identificationCode: '710312-1234' },
        { studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#UNI-Login`, identificationCode: 'fre12345' },
      ],
      _lastModifiedDate: '2026-01-01T00:00:02.000Z',
    });
  });

  it('keeps a wrong value wrong without its contents, and turns what is not an object into null', () => {
    for (const patch of [{ birthDate: { day: 1, note: 'x' } }, { studentIdentificationCodes: { cpr: '710312-1234' } }, { studentUniqueId: ['elev-000001'] }]) {
      const item = student(patch);
      const small = minimise('students', item);
      expect(JSON.stringify(small)).not.toMatch(/note|"cpr"/);
      expect(mapEdFiRecord('students', small, ctx)).toEqual(mapEdFiRecord('students', item, ctx));
      expect(mapEdFiRecord('students', small, ctx).ok).toBe(false);
    }
    expect(minimise('grades', 'elev-000001 fik 12')).toBeNull();
    expect(minimise('grades', [1, 2])).toBeNull();
  });

  it('keeps a delete with its resource and id; the key values only of a student (its studentUniqueId)', () => {
    const keys = { studentUniqueId: 'elev-000001', eventDate: '2025-09-01', attendanceEventCategoryDescriptor: `${ED}/AttendanceEventCategoryDescriptor#Excused Absence` };
    expect(minimise('deletes', { id: 'd-1', changeVersion: 7, resource: 'studentSchoolAttendanceEvents', keyValues: keys })).toEqual({ id: 'd-1', resource: 'studentSchoolAttendanceEvents' });
    expect(minimise('deletes', { id: 'd-2', changeVersion: 8, resource: 'students', keyValues: { studentUniqueId: 'elev-000001' } })).toEqual({
      id: 'd-2',
      resource: 'students',
      keyValues: { studentUniqueId: 'elev-000001' },
    });
  });
});
