import { z } from 'zod';
import { GradeKind, isSevenStepGrade, SEVEN_STEP_SCALE, type SevenStepGrade } from '../../src/schooling/grade-scale';
import type { CanonicalRecord, CanonicalTarget, MapContext, MapResult, PupilRef } from '../../src/sources/canonical';
import type { Envelope, Stream } from './wire';

/** The canonical table each stream fills (a full resync sweeps what it did not see). */
export const STREAM_TARGETS: Record<Stream, CanonicalTarget> = {
  orgs: 'school',
  students: 'pupil',
  enrollments: 'enrollment',
  results: 'grade',
};

/** A real calendar date (rejects 2025-02-30), as YYYY-MM-DD. */
const isRealDate = (s: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};
const isoDate = z.string().refine(isRealDate, 'not a valid date (YYYY-MM-DD)');
/** OneRoster dates are YYYY-MM-DD; some providers send a DateTime: its date part (as written) counts. */
const dateOrDateTime = z
  .string()
  .refine((s) => isRealDate(s.slice(0, 10)) && (s.length === 10 || z.iso.datetime({ offset: true }).safeParse(s).success), 'not a valid date')
  .transform((s) => s.slice(0, 10));

/**
 * DDMMYY-SSSS whose date part can exist; synthetic numbers (day + 60) are accepted.
 * The value is never echoed in an error message.
 */
export function isCpr(s: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})-?\d{4}$/.exec(s);
  if (!m) return false;
  const day = Number(m[1]) > 60 ? Number(m[1]) - 60 : Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2000, month, 0)).getUTCDate();
}

const text = z.string().trim().min(1);
const timestamp = z.iso.datetime({ offset: true });
const Ref = z.object({ sourcedId: text });
const Base = z.object({
  sourcedId: text,
  status: z.enum(['active', 'tobedeleted']),
  dateLastModified: timestamp.nullish(),
});

const Org = Base.extend({ name: text, type: text, identifier: z.string().nullish() });
const Student = Base.extend({
  givenName: text,
  familyName: text,
  userIds: z.array(z.object({ type: z.string(), identifier: z.string() })).nullish(),
  metadata: z.object({ birthDate: isoDate.nullish() }).nullish(),
});
const Demographics = z.object({ birthDate: isoDate.nullish() });
const Enrollment = Base.extend({
  role: text,
  user: Ref,
  class: Ref,
  school: Ref,
  beginDate: dateOrDateTime.nullish(),
  endDate: dateOrDateTime.nullish(),
});
const Class = Base.extend({
  title: text,
  classType: text,
  grades: z.array(z.string()).nullish(),
  subjects: z.array(z.string()).nullish(),
  course: Ref.nullish(),
  school: Ref.nullish(),
});
const Course = Base.extend({ title: text, subjects: z.array(z.string()).nullish() });
const Session = Base.extend({ startDate: dateOrDateTime, schoolYear: z.string().regex(/^\d{4}$/, 'not a year (YYYY)') });
const Category = Base.extend({ title: text });
const ScoreScale = Base.extend({
  title: text,
  scoreScaleValue: z.array(z.object({ itemValueLHS: z.string(), itemValueRHS: z.string() })).min(1),
});
const LineItem = Base.extend({
  class: Ref,
  category: Ref,
  gradingPeriod: Ref.nullish(),
  academicSession: Ref.nullish(),
  scoreScale: Ref.nullish(),
});
const Result = Base.extend({
  lineItem: Ref,
  student: Ref,
  scoreScale: Ref.nullish(),
  scoreStatus: text,
  score: z.number().finite().nullish(),
  textScore: z.string().nullish(),
  scoreDate: dateOrDateTime,
});

const UNI_LOGIN_TYPE = /^uni-?login$/i;
const CPR_TYPE = /^cpr$/i;

/** Category title → kind of grade (Danish titles as used by the school systems, English as a fallback). */
const KINDS: [RegExp, GradeKind][] = [
  [/^(standpunktskarakter(er)?|standpunkt|term grade)$/i, GradeKind.Term],
  [/^(prøvekarakter(er)?|eksamenskarakter(er)?|afgangsprøve|exam grade)$/i, GradeKind.Exam],
  [/^(årskarakter(er)?|year grade)$/i, GradeKind.Year],
];

export function gradeKindOf(categoryTitle: string): GradeKind | undefined {
  const t = categoryTitle.trim().normalize('NFC');
  return KINDS.find(([re]) => re.test(t))?.[1];
}

/**
 * OneRoster grade codes → Danish grade level: "00" (børnehaveklasse, also CEDS "KG") to "10".
 * Returns undefined for anything else (US grades 11–13, "PK", …).
 */
export function gradeLevelOf(code: string): number | undefined {
  const c = code.trim().toUpperCase();
  if (c === 'KG') return 0;
  if (!/^\d{1,2}$/.test(c)) return undefined;
  const n = Number(c);
  return n <= 10 ? n : undefined;
}

/** True when the scale's values are exactly the 7-step scale (7-trinsskalaen). */
export function isSevenStepScale(values: { itemValueLHS: string }[]): boolean {
  const lhs = new Set(values.map((v) => v.itemValueLHS));
  return lhs.size === SEVEN_STEP_SCALE.length && SEVEN_STEP_SCALE.every((g) => lhs.has(g));
}

/** "2026" (the year a school year ends in, as OneRoster writes it) → "2025/26". */
function schoolYearOfSession(year: string): string {
  const end = Number(year);
  return `${end - 1}/${String(end % 100).padStart(2, '0')}`;
}

/** The Danish school year (August–July) a date falls in. */
export function schoolYearOfDate(date: string): string {
  const y = Number(date.slice(0, 4));
  const start = Number(date.slice(5, 7)) >= 8 ? y : y - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

type Fail = Extract<MapResult, { ok: false }>;

function issues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.') || 'record'}: ${i.message}`).join('; ');
}

const ok = (...records: CanonicalRecord[]): MapResult => ({ ok: true, records });
const fail = (reason: string, externalId?: string): Fail => ({ ok: false, reason, externalId });

/** Parses a resolved reference; undefined = missing, Fail = present but invalid. */
function ref<T>(schema: z.ZodType<T>, value: unknown, name: string, id: string, owner: string): T | Fail {
  if (value === undefined || value === null) return fail(`${name}: unknown ${name} ${id}`, owner);
  const r = schema.safeParse(value);
  return r.success ? r.data : fail(issues(r.error, name), owner);
}
const isFail = (v: unknown): v is Fail => typeof v === 'object' && v !== null && (v as Fail).ok === false;

/**
 * Validates one OneRoster record (with the references the reader resolved) and maps it to the
 * canonical model. Records with status "tobedeleted" become deletions; a clear CPR number is
 * hashed here and never leaves the mapper.
 */
export function mapOneRosterRecord(stream: string, data: unknown, ctx: MapContext): MapResult {
  const result = mapRecord(stream, data, ctx);
  if (result.ok) return result;
  // A broken record still names its pupil as far as it can be read: the runner drops it (counted,
  // never quarantined) when that pupil is not a child in the hub.
  const pupil = pupilOf(stream, data, ctx);
  return pupil ? { ...result, pupil } : result;
}

function mapRecord(stream: string, data: unknown, ctx: MapContext): MapResult {
  const target = STREAM_TARGETS[stream as Stream];
  if (!target) return fail(`unknown stream ${stream}`);
  if (typeof data !== 'object' || data === null || !('record' in data)) return fail('record: not a OneRoster record');
  const env = data as Envelope;
  if (env.error) return fail(env.error, typeof env.id === 'string' ? env.id : undefined);
  const base = Base.safeParse(env.record);
  if (!base.success) {
    const id = (env.record as { sourcedId?: unknown } | null)?.sourcedId;
    return fail(issues(base.error), typeof id === 'string' ? id : undefined);
  }
  const id = base.data.sourcedId;
  if (base.data.status === 'tobedeleted') return ok({ target: 'deletion', of: target, externalId: id });
  switch (stream as Stream) {
    case 'orgs':
      return mapOrg(env.record, id);
    case 'students':
      return mapStudent(env, id, ctx);
    case 'enrollments':
      return mapEnrollment(env, id);
    case 'results':
      return mapResult(env, id);
  }
}

function mapOrg(record: unknown, id: string): MapResult {
  const r = Org.safeParse(record);
  if (!r.success) return fail(issues(r.error), id);
  const o = r.data;
  if (o.type !== 'school') return ok(); // districts, departments: not schools
  if (!o.identifier || !/^\d{6}$/.test(o.identifier)) return fail('identifier: a school needs its 6-digit institutionsnummer', id);
  return ok({ target: 'school', externalId: id, institutionNumber: o.identifier, name: o.name, sourceUpdatedAt: o.dateLastModified ?? null });
}

function mapStudent(env: Envelope, id: string, ctx: MapContext): MapResult {
  const r = Student.safeParse(env.record);
  if (!r.success) return fail(issues(r.error), id);
  const s = r.data;
  // OneRoster 1.2 keeps the birth date on the user's demographics; metadata.birthDate (an older
  // provider habit) counts only when there is none.
  let birthDate = s.metadata?.birthDate ?? null;
  const demographics = env.refs?.demographics as { status?: unknown } | null | undefined;
  if (demographics && demographics.status !== 'tobedeleted') {
    const d = Demographics.safeParse(demographics);
    if (!d.success) return fail(issues(d.error, 'demographics'), id);
    birthDate = d.data.birthDate ?? birthDate;
  }
  const ids = s.userIds ?? [];
  const cprs = [...new Set(ids.filter((u) => CPR_TYPE.test(u.type.trim())).map((u) => u.identifier.trim().replace('-', '')))];
  if (cprs.length > 1) return fail('userIds: more than one CPR number', id);
  if (cprs.length === 1 && !isCpr(cprs[0])) return fail('userIds: CPR is not a valid CPR number', id);
  const unis = [...new Set(ids.filter((u) => UNI_LOGIN_TYPE.test(u.type.trim())).map((u) => u.identifier.trim().toLowerCase()))];
  if (unis.length > 1) return fail('userIds: more than one UNI-Login id', id);
  if (unis.length === 1 && !/^[a-z0-9._-]{1,64}$/.test(unis[0])) return fail('userIds: UNI-Login id is not a UNI-Login user id', id);
  return ok({
    target: 'pupil',
    externalId: id,
    cprHmac: cprs.length ? ctx.hashCpr(cprs[0]) : null,
    uniLoginId: unis[0] ?? null,
    firstName: s.givenName,
    lastName: s.familyName,
    birthDate,
    sourceUpdatedAt: s.dateLastModified ?? null,
  });
}

const EnrollmentHead = z.object({ role: text, class: Ref });

function mapEnrollment(env: Envelope, id: string): MapResult {
  // First whether the hub reads it at all: records it never uses are not validated (nor quarantined).
  const head = EnrollmentHead.safeParse(env.record);
  if (head.success) {
    if (head.data.role !== 'student') return ok(); // teachers' enrolments are no business of the hub
    // The Danish class (stamklasse) is the homeroom; enrolments in subject classes carry nothing more.
    const type = (env.refs?.class as { classType?: unknown } | undefined)?.classType;
    if (typeof type === 'string' && type !== 'homeroom') return ok();
  }
  const r = Enrollment.safeParse(env.record);
  if (!r.success) return fail(issues(r.error), id);
  const e = r.data;
  const cls = ref(Class, env.refs?.class, 'class', e.class.sourcedId, id);
  if (isFail(cls)) return cls;
  if (cls.status === 'tobedeleted') return ok({ target: 'deletion', of: 'enrollment', externalId: id });
  const school = ref(Org, env.refs?.school, 'school', e.school.sourcedId, id);
  if (isFail(school)) return school;
  if (!school.identifier || !/^\d{6}$/.test(school.identifier)) return fail('school: the school has no 6-digit institutionsnummer', id);
  const levels = [...new Set((cls.grades ?? []).map(gradeLevelOf))];
  if (levels.length === 0) return fail('class.grades: no grade level', id);
  if (levels.includes(undefined)) return fail(`class.grades: ${(cls.grades ?? []).join(',')} is not a Danish grade level (00–10)`, id);
  if (levels.length > 1) return fail(`class.grades: the class spans grades ${(cls.grades ?? []).join(',')}; the pupil's grade level is ambiguous`, id);
  let startDate = e.beginDate ?? undefined;
  if (!startDate) {
    const term = Session.safeParse(env.refs?.term);
    if (!term.success) return fail('beginDate: missing, and the class has no term to take it from', id);
    startDate = term.data.startDate;
  }
  const endDate = e.endDate ?? null;
  if (endDate && endDate < startDate) return fail('endDate: ends before it starts', id);
  return ok({
    target: 'enrollment',
    externalId: id,
    childExternalId: e.user.sourcedId,
    institutionNumber: school.identifier,
    gradeLevel: levels[0]!,
    className: cls.title,
    startDate,
    endDate,
    sourceUpdatedAt: e.dateLastModified ?? null,
  });
}

function mapResult(env: Envelope, id: string): MapResult {
  const r = Result.safeParse(env.record);
  if (!r.success) return fail(issues(r.error), id);
  const res = r.data;
  // Not (or no longer) a given grade: exempt, not submitted, … — any grade stored under it goes.
  if (res.scoreStatus !== 'fully graded') return ok({ target: 'deletion', of: 'grade', externalId: id });
  const lineItem = ref(LineItem, env.refs?.lineItem, 'lineItem', res.lineItem.sourcedId, id);
  if (isFail(lineItem)) return lineItem;
  if (lineItem.status === 'tobedeleted') return ok({ target: 'deletion', of: 'grade', externalId: id });

  const category = ref(Category, env.refs?.category, 'category', lineItem.category.sourcedId, id);
  if (isFail(category)) return category;
  const kind = gradeKindOf(category.title);
  if (!kind) return fail(`category: "${category.title}" is not a kind of grade (Standpunktskarakter, Prøvekarakter, Årskarakter)`, id);

  const cls = ref(Class, env.refs?.class, 'class', lineItem.class.sourcedId, id);
  if (isFail(cls)) return cls;
  if (cls.status === 'tobedeleted') return ok({ target: 'deletion', of: 'grade', externalId: id });
  let subject: string | undefined;
  if (env.refs?.course !== undefined && env.refs.course !== null) {
    const course = ref(Course, env.refs.course, 'course', cls.course?.sourcedId ?? '', id);
    if (isFail(course)) return course;
    subject = course.subjects?.find((s) => s.trim())?.trim() ?? course.title;
  } else {
    subject = cls.subjects?.find((s) => s.trim())?.trim();
  }
  if (!subject) return fail(`course: unknown course ${cls.course?.sourcedId ?? '(none)'}; no subject for the class`, id);

  const scaleId = res.scoreScale?.sourcedId ?? lineItem.scoreScale?.sourcedId;
  if (!scaleId) return fail('scoreScale: neither the result nor its line item has a score scale', id);
  const scale = ref(ScoreScale, env.refs?.scoreScale, 'scoreScale', scaleId, id);
  if (isFail(scale)) return scale;
  if (!isSevenStepScale(scale.scoreScaleValue)) return fail(`scoreScale: "${scale.title}" is not the 7-step scale`, id);

  const value = gradeValue(res.textScore ?? undefined, res.score ?? undefined, scale.scoreScaleValue);
  if (typeof value !== 'string' || !isSevenStepGrade(value)) return fail((value as { reason: string }).reason, id);

  let schoolYear = schoolYearOfDate(res.scoreDate);
  // The grading period's school year when the line item has one, else the date's (August–July).
  if (env.refs?.gradingPeriod !== undefined && env.refs.gradingPeriod !== null) {
    const period = Session.safeParse(env.refs.gradingPeriod);
    if (!period.success) return fail(issues(period.error, 'gradingPeriod'), id);
    schoolYear = schoolYearOfSession(period.data.schoolYear);
  }
  return ok({
    target: 'grade',
    externalId: id,
    childExternalId: res.student.sourcedId,
    subject,
    kind,
    value,
    gradeDate: res.scoreDate,
    schoolYear,
    sourceUpdatedAt: res.dateLastModified ?? null,
  });
}

const SCALE_TEXT = SEVEN_STEP_SCALE.join(', ');

/**
 * The grade of a result on the 7-step scale. `textScore` is the grade as written and must be one
 * of the scale's values exactly ("02", not "2"); a numeric `score` alone is read through the
 * scale's own itemValueRHS (the scale says 02 is 2). Both present must agree.
 */
export function gradeValue(textScore: string | undefined, score: number | undefined, values: { itemValueLHS: string; itemValueRHS: string }[]): SevenStepGrade | { reason: string } {
  const numeric = (v: { itemValueRHS: string }) => (/^-?\d+(\.\d+)?$/.test(v.itemValueRHS.trim()) ? Number(v.itemValueRHS) : undefined);
  if (textScore !== undefined) {
    const entry = values.find((v) => v.itemValueLHS === textScore);
    if (!entry || !isSevenStepGrade(textScore)) return { reason: `textScore: "${textScore}" is not a grade on the 7-step scale (${SCALE_TEXT})` };
    const n = numeric(entry);
    if (score !== undefined && n !== undefined && n !== score) return { reason: `score: ${score} disagrees with textScore "${textScore}"` };
    return textScore;
  }
  if (score !== undefined) {
    const entry = values.find((v) => numeric(v) === score);
    if (!entry || !isSevenStepGrade(entry.itemValueLHS)) return { reason: `score: ${score} is not a grade on the 7-step scale (${SCALE_TEXT})` };
    return entry.itemValueLHS;
  }
  return { reason: 'score: a fully graded result without score or textScore' };
}


/**
 * The pupil a (possibly malformed) record of a school stream is about, read leniently: the
 * student's sourcedId, and for a student record its CPR hash and UNI-Login id when those are valid.
 */
export function pupilOf(stream: string, data: unknown, ctx: MapContext): PupilRef | undefined {
  const record = (data as Envelope | null)?.record as Record<string, unknown> | null | undefined;
  if (typeof record !== 'object' || record === null) return undefined;
  const id = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  const refId = (v: unknown) => (typeof v === 'object' && v !== null ? id((v as { sourcedId?: unknown }).sourcedId) : undefined);
  const bare = (externalId: string | undefined): PupilRef | undefined => (externalId ? { externalId, cprHmac: null, uniLoginId: null } : undefined);
  switch (stream) {
    case 'enrollments':
      return bare(refId(record.user));
    case 'results':
      return bare(refId(record.student));
    case 'students': {
      const externalId = id(record.sourcedId);
      if (!externalId) return undefined;
      const ids = Array.isArray(record.userIds) ? (record.userIds as unknown[]) : [];
      const of = (type: RegExp) =>
        ids.flatMap((u) => {
          const x = u as { type?: unknown; identifier?: unknown } | null;
          return typeof x?.type === 'string' && type.test(x.type.trim()) && typeof x.identifier === 'string' ? [x.identifier.trim()] : [];
        });
      const cprs = [...new Set(of(CPR_TYPE).map((c) => c.replace('-', '')))].filter(isCpr);
      const unis = [...new Set(of(UNI_LOGIN_TYPE).map((u) => u.toLowerCase()))].filter((u) => /^[a-z0-9._-]{1,64}$/.test(u));
      return { externalId, cprHmac: cprs.length === 1 ? ctx.hashCpr(cprs[0]) : null, uniLoginId: unis.length === 1 ? unis[0] : null };
    }
    default:
      return undefined;
  }
}
