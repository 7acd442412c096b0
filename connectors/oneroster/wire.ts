/**
 * OneRoster 1.2 (1EdTech) JSON binding: the parts Skolebro reads. Field names are the
 * specification's. Nothing here is trusted until the mapper has validated it.
 */

export type Status = 'active' | 'tobedeleted';

/** A reference to another object (GUIDRef). */
export interface GUIDRef {
  href?: string;
  sourcedId: string;
  type?: string;
}

export interface Base {
  sourcedId: string;
  status: Status;
  /** DateTime, e.g. 2026-01-05T10:00:00.000Z. Blank in a CSV bulk file. */
  dateLastModified?: string;
  metadata?: Record<string, unknown>;
}

export interface Org extends Base {
  name: string;
  /** school | district | department | local | state | national … */
  type: string;
  /** For a Danish school: the 6-digit institutionsnummer. */
  identifier?: string;
  parent?: GUIDRef;
}

export interface UserId {
  /** "UNI-Login" or "CPR" for Danish pupils. */
  type: string;
  identifier: string;
}

export interface Role {
  roleType: 'primary' | 'secondary';
  role: string;
  org: GUIDRef;
  beginDate?: string;
  endDate?: string;
}

export interface User extends Base {
  enabledUser?: boolean | string;
  username?: string;
  userIds?: UserId[];
  userMasterIdentifier?: string;
  givenName: string;
  familyName: string;
  roles?: Role[];
  primaryOrg?: GUIDRef;
  /** Grade codes: "00" = 0. klasse … "10". */
  grades?: string[];
}

/** OneRoster 1.2 demographics: per user, under the user's own sourcedId. Only `birthDate` is read. */
export interface Demographics extends Base {
  /** Date, YYYY-MM-DD. */
  birthDate?: string;
  sex?: string;
}

export interface Course extends Base {
  title: string;
  courseCode?: string;
  grades?: string[];
  subjects?: string[];
  org: GUIDRef;
  schoolYear?: GUIDRef;
}

export interface Class extends Base {
  title: string;
  classCode?: string;
  /** homeroom (stamklasse) | scheduled (a subject class). */
  classType: 'homeroom' | 'scheduled' | string;
  grades?: string[];
  subjects?: string[];
  course: GUIDRef;
  school: GUIDRef;
  terms?: GUIDRef[];
}

export interface Enrollment extends Base {
  role: 'student' | 'teacher' | 'administrator' | 'proctor' | string;
  primary?: boolean | string;
  user: GUIDRef;
  class: GUIDRef;
  school: GUIDRef;
  /** Dates, YYYY-MM-DD. */
  beginDate?: string;
  endDate?: string;
}

export interface AcademicSession extends Base {
  title: string;
  /** schoolYear | term | semester | gradingPeriod. */
  type: string;
  startDate: string;
  endDate: string;
  /** The year the school year ends in: "2026" = 2025/26. */
  schoolYear: string;
  parent?: GUIDRef;
}

export interface Category extends Base {
  /** Standpunktskarakter | Prøvekarakter | Årskarakter for Danish grades. */
  title: string;
  weight?: number;
}

export interface ScoreScaleValue {
  itemValueLHS: string;
  itemValueRHS: string;
  value?: string;
  description?: string;
}

export interface ScoreScale extends Base {
  title: string;
  type: string;
  course?: GUIDRef;
  class?: GUIDRef;
  scoreScaleValue: ScoreScaleValue[];
}

export interface LineItem extends Base {
  title: string;
  description?: string;
  assignDate?: string;
  dueDate?: string;
  class: GUIDRef;
  school?: GUIDRef;
  category: GUIDRef;
  gradingPeriod?: GUIDRef;
  academicSession?: GUIDRef;
  scoreScale?: GUIDRef;
  resultValueMin?: number;
  resultValueMax?: number;
}

export interface Result extends Base {
  lineItem: GUIDRef;
  student: GUIDRef;
  class?: GUIDRef;
  scoreScale?: GUIDRef;
  /** exempt | fully graded | not submitted | partially graded | submitted. */
  scoreStatus: string;
  score?: number;
  textScore?: string;
  scoreDate: string;
  comment?: string;
}

/** The collections read, with their service and the key that wraps a page of them. */
export const COLLECTIONS = {
  orgs: { service: 'rostering', path: 'orgs', key: 'orgs' },
  students: { service: 'rostering', path: 'students', key: 'users' },
  demographics: { service: 'rostering', path: 'demographics', key: 'demographics' },
  classes: { service: 'rostering', path: 'classes', key: 'classes' },
  courses: { service: 'rostering', path: 'courses', key: 'courses' },
  enrollments: { service: 'rostering', path: 'enrollments', key: 'enrollments' },
  academicSessions: { service: 'rostering', path: 'academicSessions', key: 'academicSessions' },
  categories: { service: 'gradebook', path: 'categories', key: 'categories' },
  lineItems: { service: 'gradebook', path: 'lineItems', key: 'lineItems' },
  results: { service: 'gradebook', path: 'results', key: 'results' },
  scoreScales: { service: 'gradebook', path: 'scoreScales', key: 'scoreScales' },
} as const;
export type Collection = keyof typeof COLLECTIONS;
export type Service = (typeof COLLECTIONS)[Collection]['service'];

export const DEFAULT_PATHS: Record<Service, string> = {
  rostering: '/ims/oneroster/rostering/v1p2',
  gradebook: '/ims/oneroster/gradebook/v1p2',
};

/** Streams in the order a sync reads them: schools, then pupils, then what refers to pupils. */
export const STREAMS = ['orgs', 'students', 'enrollments', 'results'] as const;
export type Stream = (typeof STREAMS)[number];

/** References resolved by the reader, so the mapper can map one record on its own. */
export interface Refs {
  /** students: the user's demographics (same sourcedId), where OneRoster 1.2 keeps the birth date. */
  demographics?: unknown;
  /** enrollments: the class and its school; results: the line item's class. */
  class?: unknown;
  school?: unknown;
  /** enrollments: the class's first term (start date when the enrollment has none). */
  term?: unknown;
  lineItem?: unknown;
  course?: unknown;
  category?: unknown;
  scoreScale?: unknown;
  gradingPeriod?: unknown;
}

/**
 * What the connector hands the runner for one record: the OneRoster object as read (only the
 * fields Skolebro uses), the objects it refers to, or why a CSV row could not be read at all.
 * `id` is the record's sourcedId, so the runner can find the payload of a rejected record.
 */
export interface Envelope {
  id?: string;
  record: unknown;
  refs?: Refs;
  /** A CSV row that could not be read (e.g. the wrong number of fields). */
  error?: string;
}
