import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { GradeKind, SEVEN_STEP_SCALE, type SevenStepGrade } from '../../src/schooling/grade-scale';
import type { CanonicalRecord, CanonicalTarget, MapContext, MapResult, PupilRef } from '../../src/sources/canonical';
import { DELETES, RESOURCES, type Resource } from './wire';

// The hot path: 2.4 million attendance events a school year for a large municipality. Checks
// are plain code (no schema library per record) and descriptor look-ups are memoised.

export const RESOURCE_TARGETS: Record<Resource, CanonicalTarget> = {
  schools: 'school',
  students: 'pupil',
  studentSchoolAssociations: 'enrollment',
  studentSchoolAttendanceEvents: 'attendance_day',
  grades: 'grade',
};

// ── Descriptors ──────────────────────────────────────────────────────────────────────────

/** The code value of a descriptor URI (`uri://ed-fi.org/GradeTypeDescriptor#Final` → `Final`); any namespace. */
export function descriptorCode(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value.slice(value.lastIndexOf('#') + 1).trim();
  return code || undefined;
}

/** Identification systems (studentIdentificationSystemDescriptor codes) the hub reads. */
export const CPR_SYSTEM = 'cpr';
export const UNI_LOGIN_SYSTEMS: readonly string[] = ['uni-login', 'unilogin'];

/** The identification system of one studentIdentificationCodes entry, lower-cased. */
export const identificationSystem = (code: Item | null | undefined): string | undefined => descriptorCode(code?.studentIdentificationSystemDescriptor)?.toLowerCase();

interface AttendanceCategory {
  status: AttendanceStatus;
  /** A whole-day absence: an illness reason makes it illness. */
  absence: boolean;
  /** Kept as the day's note (partial days: which kind of partial). */
  note: string | null;
}

/**
 * Ed-Fi AttendanceEventCategoryDescriptor → the Danish whole-day categories (DOMAIN.md):
 * present; excused → authorised (fravær med tilladelse); unexcused → unauthorised (ulovligt
 * fravær); an absence with an illness reason → illness (sygefravær); tardy, early departure
 * and partial → a partial day, which counts as present, with the Ed-Fi category as its note.
 */
export const ATTENDANCE_CATEGORIES: Readonly<Record<string, AttendanceCategory>> = {
  'in attendance': { status: AttendanceStatus.Present, absence: false, note: null },
  present: { status: AttendanceStatus.Present, absence: false, note: null },
  'excused absence': { status: AttendanceStatus.Authorised, absence: true, note: null },
  'unexcused absence': { status: AttendanceStatus.Unauthorised, absence: true, note: null },
  tardy: { status: AttendanceStatus.Partial, absence: false, note: 'Tardy' },
  'early departure': { status: AttendanceStatus.Partial, absence: false, note: 'Early departure' },
  partial: { status: AttendanceStatus.Partial, absence: false, note: 'Partial' },
};
const CATEGORY_NAMES = 'In Attendance, Present, Excused Absence, Unexcused Absence, Tardy, Early departure or Partial';

/** English and Danish words for illness in a free-text absence reason ("Sick", "Sygdom", "syg", "sygemeldt"). */
const ILLNESS = /(?:^|[^\p{L}])(?:ill|illness|sick|sickness|syg\p{L}*)(?=$|[^\p{L}])/iu;

/** Ed-Fi GradeLevelDescriptor defaults; 0. klasse (børnehaveklasse) is the year before first grade, as Kindergarten. */
const EDFI_GRADE_LEVELS = [
  'kindergarten', 'first grade', 'second grade', 'third grade', 'fourth grade', 'fifth grade',
  'sixth grade', 'seventh grade', 'eighth grade', 'ninth grade', 'tenth grade',
];

/**
 * Grade level 0–10 from a GradeLevelDescriptor: the Ed-Fi defaults (`Kindergarten` = 0. klasse,
 * `First grade` … `Tenth grade`), a Danish namespace (`0. klasse` … `10. klasse`,
 * `Børnehaveklasse`) or `Grade 0` … `Grade 10`. Anything else is not a folkeskole grade level.
 */
export function gradeLevelOf(descriptor: unknown): number | undefined {
  const code = descriptorCode(descriptor)?.toLowerCase();
  if (code === undefined) return undefined;
  const edfi = EDFI_GRADE_LEVELS.indexOf(code);
  if (edfi >= 0) return edfi;
  if (code === 'børnehaveklasse') return 0;
  const m = /^(?:(\d{1,2})\.\s*klasse|grade\s+(\d{1,2}))$/.exec(code);
  const n = m ? Number(m[1] ?? m[2]) : NaN;
  return n >= 0 && n <= 10 ? n : undefined;
}

/** GradeTypeDescriptor → Danish grade kind: standpunktskarakter, prøvekarakter, årskarakter. */
export const GRADE_TYPES: Readonly<Record<string, GradeKind>> = {
  'grading period': GradeKind.Term,
  exam: GradeKind.Exam,
  final: GradeKind.Year,
};

const NUMERIC_GRADES = new Map<number, SevenStepGrade>([[12, '12'], [10, '10'], [7, '7'], [4, '4'], [2, '02'], [0, '00'], [-3, '-3']]);
const SCALE_TEXT = SEVEN_STEP_SCALE.join(', ');

// ── Small checks ─────────────────────────────────────────────────────────────────────────

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date as YYYY-MM-DD (rejects 2025-02-30); the ODS may append T00:00:00. */
export function calendarDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.length === 19 && value.endsWith('T00:00:00') ? value.slice(0, 10) : value;
  const m = DATE.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return undefined;
  return s;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;

/** `_lastModifiedDate` as a timestamp PostgreSQL reads unambiguously (UTC when no offset); else null. */
function modifiedAt(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = TIMESTAMP.exec(value);
  return m ? (m[1] ? value : `${value}Z`) : null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const quote = (value: unknown) => JSON.stringify(String(value).slice(0, 40));

/**
 * DDMMYY-SSSS whose date part can exist; synthetic numbers (day + 60) are accepted.
 * The value is never echoed in an error message.
 */
export function isCpr(value: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})-?\d{4}$/.exec(value);
  if (!m) return false;
  const day = Number(m[1]) > 60 ? Number(m[1]) - 60 : Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1];
}

/** Ed-Fi schoolId → the 6-digit institution number (institutionsnummer). */
function institutionNumber(schoolId: unknown): string | undefined {
  if (typeof schoolId === 'number' && Number.isInteger(schoolId) && schoolId > 0 && schoolId <= 999_999) return String(schoolId).padStart(6, '0');
  if (typeof schoolId === 'string' && /^\d{6}$/.test(schoolId)) return schoolId;
  return undefined;
}

/** Ed-Fi names a school year by its end (2026); Danish by both ("2025/26"). */
function schoolYearLabel(endYear: unknown): string | undefined {
  if (typeof endYear !== 'number' || !Number.isInteger(endYear) || endYear < 1990 || endYear > 2100) return undefined;
  return `${endYear - 1}/${String(endYear % 100).padStart(2, '0')}`;
}

/** The school year (August–July) a date falls in. */
function schoolYearOfDate(date: string): string {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 8 ? schoolYearLabel(year + 1)! : schoolYearLabel(year)!;
}

export function isIllness(reason: unknown): boolean {
  if (typeof reason !== 'string' || reason === '') return false;
  let hit = illnessMemo.get(reason);
  if (hit === undefined) {
    hit = ILLNESS.test(reason);
    if (illnessMemo.size < 10_000) illnessMemo.set(reason, hit);
  }
  return hit;
}
const illnessMemo = new Map<string, boolean>();

function attendanceCategory(descriptor: unknown): AttendanceCategory | undefined {
  if (typeof descriptor !== 'string') return undefined;
  let hit = categoryMemo.get(descriptor);
  if (hit === undefined) {
    hit = ATTENDANCE_CATEGORIES[descriptorCode(descriptor)?.toLowerCase() ?? ''] ?? null;
    if (categoryMemo.size < 10_000) categoryMemo.set(descriptor, hit);
  }
  return hit ?? undefined;
}
const categoryMemo = new Map<string, AttendanceCategory | null>();

/** The value of a 7-step grade, or why not. Text is kept exactly as the scale writes it ("02", not "2"). */
export function sevenStepGrade(letter: unknown, numeric: unknown): { value: SevenStepGrade } | { reason: string } {
  const hasLetter = letter !== undefined && letter !== null;
  const hasNumeric = numeric !== undefined && numeric !== null;
  if (!hasLetter && !hasNumeric) return { reason: 'letterGradeEarned: missing (nor is there a numericGradeEarned)' };
  let value: SevenStepGrade | undefined;
  if (hasLetter) {
    const s = typeof letter === 'string' ? letter.trim() : undefined;
    if (s === undefined || !(SEVEN_STEP_SCALE as readonly string[]).includes(s)) return { reason: `letterGradeEarned: ${quote(letter)} is not on the 7-step scale (${SCALE_TEXT})` };
    value = s as SevenStepGrade;
  }
  if (hasNumeric) {
    const n = typeof numeric === 'number' ? NUMERIC_GRADES.get(numeric) : undefined;
    if (!n) return { reason: `numericGradeEarned: ${quote(numeric)} is not on the 7-step scale (${SCALE_TEXT})` };
    if (value && n !== value) return { reason: `letterGradeEarned ${quote(value)} and numericGradeEarned ${quote(numeric)} disagree` };
    value = n;
  }
  return { value: value! };
}

// ── Records ──────────────────────────────────────────────────────────────────────────────

type Item = Record<string, unknown>;
const ok = (record: CanonicalRecord): MapResult => ({ ok: true, records: [record] });
const fail = (issues: string[], externalId: unknown): MapResult => ({
  ok: false,
  reason: issues.join('; '),
  externalId: text(externalId),
});
const studentOf = (ref: unknown): string | undefined => text((ref as Item | undefined)?.studentUniqueId);

function mapSchool(s: Item): MapResult {
  const issues: string[] = [];
  const id = text(s.id);
  const number = institutionNumber(s.schoolId);
  const name = text(s.nameOfInstitution);
  if (!id) issues.push('id: missing');
  if (!number) issues.push('schoolId: not a 6-digit institution number');
  if (!name) issues.push('nameOfInstitution: missing');
  if (issues.length) return fail(issues, s.id);
  return ok({ target: 'school', externalId: id!, institutionNumber: number!, name: name!, sourceUpdatedAt: modifiedAt(s._lastModifiedDate) });
}

/**
 * A student → a pupil, keyed by studentUniqueId (what every other resource refers to). The CPR
 * number is hashed here and never leaves the mapper; names and birth date are only for matching.
 */
function mapStudent(s: Item, ctx: MapContext): MapResult {
  const issues: string[] = [];
  const uid = text(s.studentUniqueId);
  if (!uid) issues.push('studentUniqueId: missing');
  let cpr: string | undefined;
  let uniLogin: string | undefined;
  const codes = s.studentIdentificationCodes;
  if (codes !== undefined && codes !== null && !Array.isArray(codes)) issues.push('studentIdentificationCodes: not a list');
  for (const c of Array.isArray(codes) ? (codes as Item[]) : []) {
    const system = identificationSystem(c);
    const code = text(c?.identificationCode);
    if (system === CPR_SYSTEM) {
      if (!code || !isCpr(code)) issues.push('studentIdentificationCodes: the CPR code is not a valid CPR number');
      else if (cpr && cpr.replace('-', '') !== code.replace('-', '')) issues.push('studentIdentificationCodes: two different CPR numbers');
      else cpr = code;
    } else if (system && UNI_LOGIN_SYSTEMS.includes(system)) {
      if (!code || code.length > 64) issues.push('studentIdentificationCodes: the UNI-Login code is empty or too long');
      else if (uniLogin && uniLogin !== code) issues.push('studentIdentificationCodes: two different UNI-Login ids');
      else uniLogin = code;
    }
  }
  const birthDate = s.birthDate === undefined || s.birthDate === null ? null : calendarDate(s.birthDate);
  if (birthDate === undefined) issues.push('birthDate: not a valid date (YYYY-MM-DD)');
  if (issues.length) return fail(issues, s.studentUniqueId);
  return ok({
    target: 'pupil',
    externalId: uid!,
    cprHmac: cpr ? ctx.hashCpr(cpr) : null,
    uniLoginId: uniLogin ?? null,
    firstName: text(s.firstName) ?? null,
    lastName: text(s.lastSurname) ?? null,
    birthDate: birthDate ?? null,
    sourceUpdatedAt: modifiedAt(s._lastModifiedDate),
  });
}

function mapAssociation(a: Item): MapResult {
  const issues: string[] = [];
  const id = text(a.id);
  const pupil = studentOf(a.studentReference);
  const number = institutionNumber((a.schoolReference as Item | undefined)?.schoolId);
  const start = calendarDate(a.entryDate);
  const end = a.exitWithdrawDate === undefined || a.exitWithdrawDate === null ? null : calendarDate(a.exitWithdrawDate);
  const gradeLevel = gradeLevelOf(a.entryGradeLevelDescriptor);
  if (!id) issues.push('id: missing');
  if (!pupil) issues.push('studentReference.studentUniqueId: missing');
  if (!number) issues.push('schoolReference.schoolId: not a 6-digit institution number');
  if (!start) issues.push('entryDate: not a valid date (YYYY-MM-DD)');
  if (end === undefined) issues.push('exitWithdrawDate: not a valid date (YYYY-MM-DD)');
  else if (end && start && end < start) issues.push('exitWithdrawDate: before entryDate');
  if (gradeLevel === undefined) {
    issues.push(`entryGradeLevelDescriptor: ${quote(descriptorCode(a.entryGradeLevelDescriptor) ?? a.entryGradeLevelDescriptor)} is not a folkeskole grade level (Kindergarten/0. klasse to Tenth grade/10. klasse)`);
  }
  if (issues.length) return fail(issues, a.id);
  const ext = (a._ext as { dk?: { className?: unknown } } | undefined)?.dk;
  return ok({
    target: 'enrollment',
    externalId: id!,
    childExternalId: pupil!,
    institutionNumber: number!,
    gradeLevel: gradeLevel!,
    className: text(ext?.className) ?? null,
    startDate: start!,
    endDate: end ?? null,
    sourceUpdatedAt: modifiedAt(a._lastModifiedDate),
  });
}

/** One attendance event → the pupil's registration for that day (the Danish whole-day record). */
function mapAttendance(e: Item): MapResult {
  const id = e.id;
  const pupil = studentOf(e.studentReference);
  const date = calendarDate(e.eventDate);
  const category = attendanceCategory(e.attendanceEventCategoryDescriptor);
  if (typeof id !== 'string' || id === '' || !pupil || !date || !category) {
    const issues: string[] = [];
    if (typeof id !== 'string' || id === '') issues.push('id: missing');
    if (!pupil) issues.push('studentReference.studentUniqueId: missing');
    if (!date) issues.push('eventDate: not a valid date (YYYY-MM-DD)');
    if (!category) {
      issues.push(`attendanceEventCategoryDescriptor: unknown category ${quote(descriptorCode(e.attendanceEventCategoryDescriptor) ?? e.attendanceEventCategoryDescriptor)} (expected ${CATEGORY_NAMES})`);
    }
    return fail(issues, id);
  }
  // The reason is free text (and may be health information): it decides illness, and is not kept.
  // The connector has already reduced it to `illnessReason` (minimise.ts); a raw item still has the text.
  const ill = e.illnessReason === true || isIllness(e.attendanceEventReason);
  const status = category.absence && ill ? AttendanceStatus.Illness : category.status;
  return {
    ok: true,
    records: [{ target: 'attendance_day', externalId: id, childExternalId: pupil, date, status, note: category.note, sourceUpdatedAt: modifiedAt(e._lastModifiedDate) }],
  };
}

function mapGrade(g: Item): MapResult {
  const issues: string[] = [];
  const id = text(g.id);
  const section = g.studentSectionAssociationReference as Item | undefined;
  const period = g.gradingPeriodReference as Item | undefined;
  const pupil = studentOf(section);
  const subject = text(section?.localCourseCode);
  const kind = GRADE_TYPES[descriptorCode(g.gradeTypeDescriptor)?.toLowerCase() ?? ''];
  const grade = sevenStepGrade(g.letterGradeEarned, g.numericGradeEarned);
  // The grade's date: as of when it stands, else the day it was recorded.
  const date = g.currentGradeAsOfDate !== undefined && g.currentGradeAsOfDate !== null ? calendarDate(g.currentGradeAsOfDate) : calendarDate(String(g._lastModifiedDate ?? '').slice(0, 10));
  if (!id) issues.push('id: missing');
  if (!pupil) issues.push('studentSectionAssociationReference.studentUniqueId: missing');
  if (!subject) issues.push('studentSectionAssociationReference.localCourseCode: missing');
  if (!kind) issues.push(`gradeTypeDescriptor: ${quote(descriptorCode(g.gradeTypeDescriptor) ?? g.gradeTypeDescriptor)} is not a Danish grade kind (Grading Period, Exam or Final)`);
  if ('reason' in grade) issues.push(grade.reason);
  if (!date) issues.push('currentGradeAsOfDate: not a valid date (YYYY-MM-DD)');
  if (issues.length) return fail(issues, g.id);
  const schoolYear = schoolYearLabel(period?.schoolYear) ?? schoolYearLabel(section?.schoolYear) ?? schoolYearOfDate(date!);
  return ok({
    target: 'grade',
    externalId: id!,
    childExternalId: pupil!,
    subject: subject!,
    kind,
    value: (grade as { value: SevenStepGrade }).value,
    gradeDate: date!,
    schoolYear,
    sourceUpdatedAt: modifiedAt(g._lastModifiedDate),
  });
}

/**
 * A deleted item → a deletion. Pupils are keyed by studentUniqueId, which only the ODS 5.3-cqe
 * and 6.1+ deletes carry (`keyValues`); the rest by the resource id.
 */
function mapDeletion(d: Item): MapResult {
  const resource = d.resource as Resource;
  const issues: string[] = [];
  if (!(RESOURCES as readonly string[]).includes(resource)) issues.push(`resource: ${quote(resource)} is not read by Skolebro`);
  if (typeof d.id !== 'string' || d.id === '') issues.push('id: missing');
  let externalId = typeof d.id === 'string' ? d.id : undefined;
  if (resource === 'students') {
    externalId = text((d.keyValues as Item | undefined)?.studentUniqueId);
    if (!externalId) issues.push('keyValues.studentUniqueId: missing (an ODS before 5.3-cqe does not say which pupil; a full resync removes it)');
  }
  if (issues.length) return fail(issues, d.id);
  return ok({ target: 'deletion', of: RESOURCE_TARGETS[resource], externalId: externalId! });
}

/**
 * Checks one record of an Ed-Fi stream and maps it to the canonical (Danish) model. A broken
 * record still names its pupil as far as it can be read: the runner drops it (counted, never
 * quarantined) when that pupil is not a child in the hub.
 */
export function mapEdFiRecord(stream: string, data: unknown, ctx: MapContext): MapResult {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: 'record: not a JSON object' };
  const result = mapItem(stream, data as Item, ctx);
  if (result.ok) return result;
  const pupil = pupilOf(stream, data as Item, ctx);
  return pupil ? { ...result, pupil } : result;
}

function mapItem(stream: string, item: Item, ctx: MapContext): MapResult {
  switch (stream) {
    case 'studentSchoolAttendanceEvents':
      return mapAttendance(item);
    case 'schools':
      return mapSchool(item);
    case 'students':
      return mapStudent(item, ctx);
    case 'studentSchoolAssociations':
      return mapAssociation(item);
    case 'grades':
      return mapGrade(item);
    case DELETES:
      return mapDeletion(item);
    default:
      return { ok: false, reason: `unknown stream ${stream}` };
  }
}

/**
 * The pupil a (possibly broken) item is about, read leniently: its studentUniqueId, and for a
 * student the CPR hash and UNI-Login id when exactly one valid value of each is there.
 */
export function pupilOf(stream: string, item: Item, ctx: MapContext): PupilRef | undefined {
  const bare = (externalId: string | undefined): PupilRef | undefined => (externalId ? { externalId, cprHmac: null, uniLoginId: null } : undefined);
  switch (stream) {
    case 'studentSchoolAssociations':
    case 'studentSchoolAttendanceEvents':
      return bare(studentOf(item.studentReference));
    case 'grades':
      return bare(studentOf(item.studentSectionAssociationReference));
    case 'students': {
      const externalId = text(item.studentUniqueId);
      if (!externalId) return undefined;
      const codes = Array.isArray(item.studentIdentificationCodes) ? (item.studentIdentificationCodes as (Item | null)[]) : [];
      const of = (systems: readonly string[]) =>
        codes.flatMap((c) => {
          const system = identificationSystem(c);
          const code = text(c?.identificationCode);
          return system && systems.includes(system) && code ? [code] : [];
        });
      const cprs = [...new Set(of([CPR_SYSTEM]).filter(isCpr).map((c) => c.replace('-', '')))];
      const unis = [...new Set(of(UNI_LOGIN_SYSTEMS).filter((u) => u.length <= 64))];
      return { externalId, cprHmac: cprs.length === 1 ? ctx.hashCpr(cprs[0]) : null, uniLoginId: unis.length === 1 ? unis[0] : null };
    }
    default:
      return undefined;
  }
}
