/**
 * Wire format of the Ed-Fi ODS/API (Data Standard 4/5, API v5–v7, camelCase JSON) as far as
 * Skolebro reads it. These are what a source sends; nothing here is trusted until the mapper
 * has checked it. Optional fields are often absent altogether: the ODS omits nulls.
 */

/** `uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence`: namespace + '#' + code value. */
export type Descriptor = string;

export interface StudentReference {
  studentUniqueId: string;
}

export interface SchoolReference {
  schoolId: number;
}

export interface StudentIdentificationCode {
  /** `…/StudentIdentificationSystemDescriptor#CPR` or `…#UNI-Login` in a Danish profile. */
  studentIdentificationSystemDescriptor: Descriptor;
  assigningOrganizationIdentificationCode?: string;
  identificationCode: string;
}

/** Fields every resource item carries. */
export interface ResourceItem {
  id: string;
  _etag?: string;
  _lastModifiedDate?: string;
}

export interface EdFiSchool extends ResourceItem {
  /** The Danish institution number (institutionsnummer), 6 digits. */
  schoolId: number;
  nameOfInstitution: string;
  shortNameOfInstitution?: string;
  educationOrganizationCategories?: { educationOrganizationCategoryDescriptor: Descriptor }[];
  gradeLevels?: { gradeLevelDescriptor: Descriptor }[];
}

export interface EdFiStudent extends ResourceItem {
  studentUniqueId: string;
  firstName?: string;
  lastSurname?: string;
  birthDate?: string;
  /**
   * Danish profile: CPR number and UNI-Login id on the student. (The core Data Standard keeps
   * identification codes on studentEducationOrganizationAssociations; see README.md.)
   */
  studentIdentificationCodes?: StudentIdentificationCode[];
}

export interface EdFiStudentSchoolAssociation extends ResourceItem {
  studentReference: StudentReference;
  schoolReference: SchoolReference;
  entryDate: string;
  entryGradeLevelDescriptor: Descriptor;
  exitWithdrawDate?: string;
  exitWithdrawTypeDescriptor?: Descriptor;
  /** Danish extension: the class as the school names it ("7.B"). */
  _ext?: { dk?: { className?: string } };
}

export interface SessionReference {
  schoolId: number;
  /** Ed-Fi school years are named by their end: 2026 = 2025/26. */
  schoolYear: number;
  sessionName: string;
}

export interface EdFiStudentSchoolAttendanceEvent extends ResourceItem {
  studentReference: StudentReference;
  schoolReference: SchoolReference;
  sessionReference?: SessionReference;
  eventDate: string;
  attendanceEventCategoryDescriptor: Descriptor;
  attendanceEventReason?: string;
}

export interface StudentSectionAssociationReference {
  beginDate: string;
  localCourseCode: string;
  schoolId: number;
  schoolYear: number;
  sectionIdentifier: string;
  sessionName: string;
  studentUniqueId: string;
}

export interface GradingPeriodReference {
  gradingPeriodDescriptor: Descriptor;
  periodSequence: number;
  schoolId: number;
  schoolYear: number;
}

export interface EdFiGrade extends ResourceItem {
  studentSectionAssociationReference: StudentSectionAssociationReference;
  gradingPeriodReference: GradingPeriodReference;
  gradeTypeDescriptor: Descriptor;
  letterGradeEarned?: string;
  numericGradeEarned?: number;
  currentGradeAsOfDate?: string;
}

/** GET /changeQueries/v1/availableChangeVersions */
export interface AvailableChangeVersions {
  oldestChangeVersion: number;
  newestChangeVersion: number;
}

/** GET /data/v3/ed-fi/{resource}/deletes: the ODS 5.3-cqe/6.1+ shape (older ones lack keyValues). */
export interface DeletedItem {
  id: string;
  changeVersion: number;
  keyValues?: Record<string, unknown>;
}

/**
 * A record of the `deletes` stream: the wire item plus the resource it was read from (the
 * connector adds `resource`; the /deletes endpoints are per resource).
 */
export interface DeletesRecord extends DeletedItem {
  resource: Resource;
}

/** Resources in the order a sync reads them: schools and pupils before what refers to them. */
export const RESOURCES = ['schools', 'students', 'studentSchoolAssociations', 'studentSchoolAttendanceEvents', 'grades'] as const;
export type Resource = (typeof RESOURCES)[number];
export const DELETES = 'deletes';
/** Deletes are read dependents first, as the ODS requires them to happen. */
export const DELETE_ORDER: readonly Resource[] = ['grades', 'studentSchoolAttendanceEvents', 'studentSchoolAssociations', 'students', 'schools'];
