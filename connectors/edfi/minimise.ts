import { CPR_SYSTEM, identificationSystem, isIllness, UNI_LOGIN_SYSTEMS } from './mapper';
import { DELETES, type Resource } from './wire';

type Item = Record<string, unknown>;
/** A field kept as sent, or an object field kept with only the listed fields of its own. */
type Fields = readonly (string | readonly [string, Fields])[];

const MODIFIED = '_lastModifiedDate';
const STUDENT: readonly [string, Fields] = ['studentReference', ['studentUniqueId']];

/**
 * Data minimisation at the edge: what the mapper reads of each resource. Nothing else of an
 * item (other identification codes, addresses, the free-text absence reason, …) is held, passed
 * to the runner or stored in quarantine. `id` is kept so a record the writer rejects finds its payload.
 */
const FIELDS: Record<Resource | typeof DELETES, Fields> = {
  schools: ['id', 'schoolId', 'nameOfInstitution', MODIFIED],
  // + studentIdentificationCodes, CPR and UNI-Login only (below)
  students: ['id', 'studentUniqueId', 'firstName', 'lastSurname', 'birthDate', MODIFIED],
  studentSchoolAssociations: ['id', STUDENT, ['schoolReference', ['schoolId']], 'entryDate', 'exitWithdrawDate', 'entryGradeLevelDescriptor', ['_ext', [['dk', ['className']]]], MODIFIED],
  // + illnessReason instead of attendanceEventReason (below)
  studentSchoolAttendanceEvents: ['id', STUDENT, 'eventDate', 'attendanceEventCategoryDescriptor', MODIFIED],
  grades: [
    'id',
    ['studentSectionAssociationReference', ['studentUniqueId', 'localCourseCode', 'schoolYear']],
    ['gradingPeriodReference', ['schoolYear']],
    'gradeTypeDescriptor', 'letterGradeEarned', 'numericGradeEarned', 'currentGradeAsOfDate', MODIFIED,
  ],
  // + keyValues.studentUniqueId of a student (below)
  [DELETES]: ['id', 'resource'],
};

/** Identification systems the mapper reads. */
const CODE_SYSTEMS = new Set([CPR_SYSTEM, ...UNI_LOGIN_SYSTEMS]);

const isObj = (v: unknown): v is Item => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value where the mapper expects a scalar: an object in its place stays wrong ({}), without its contents. */
const scalar = (v: unknown): unknown => (typeof v === 'object' && v !== null ? {} : v);

function pick(obj: Item, fields: Fields): Item {
  const out: Item = {};
  for (const f of fields) {
    if (typeof f === 'string') {
      if (f in obj) out[f] = scalar(obj[f]);
    } else {
      const v = obj[f[0]];
      if (v !== undefined) out[f[0]] = typeof v === 'object' && v !== null ? pick(v as Item, f[1]) : v;
    }
  }
  return out;
}

function identificationCodes(codes: unknown): unknown {
  if (!Array.isArray(codes)) return scalar(codes);
  return codes.flatMap((c: Item | null) => {
    const system = identificationSystem(c);
    return system && CODE_SYSTEMS.has(system) ? [{ studentIdentificationSystemDescriptor: c!.studentIdentificationSystemDescriptor, identificationCode: scalar(c!.identificationCode) }] : [];
  });
}

/** An item of a stream cut down to what the mapper reads; anything but an object becomes null. */
export function minimise(stream: Resource | typeof DELETES, item: unknown): Item | null {
  if (!isObj(item)) return null;
  const out = pick(item, FIELDS[stream]);
  if (stream === 'students' && item.studentIdentificationCodes !== undefined) out.studentIdentificationCodes = identificationCodes(item.studentIdentificationCodes);
  // Only whether the reason names an illness: the text may be health information and is never kept.
  if (stream === 'studentSchoolAttendanceEvents' && isIllness(item.attendanceEventReason)) out.illnessReason = true;
  if (stream === DELETES && item.resource === 'students' && isObj(item.keyValues)) out.keyValues = { studentUniqueId: scalar(item.keyValues.studentUniqueId) };
  return out;
}
