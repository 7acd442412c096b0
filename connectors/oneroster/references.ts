import type { Envelope, Stream } from './wire';

type Obj = Record<string, unknown>;

/** Objects a record refers to, kept only with the fields the mapper reads. */
export type RefCollection =
  | 'orgs'
  | 'classes'
  | 'courses'
  | 'academicSessions'
  | 'categories'
  | 'lineItems'
  | 'scoreScales'
  // CSV binding only: links and per-user facts that the JSON binding carries inline.
  | 'lineItemScoreScales'
  | 'resultScoreScales'
  | 'roles'
  | 'demographics';

/** Which reference collections a stream's records need. */
export const STREAM_REFS: Record<Stream, RefCollection[]> = {
  orgs: [],
  students: ['demographics'],
  enrollments: ['classes', 'orgs', 'academicSessions'],
  results: ['lineItems', 'classes', 'courses', 'categories', 'scoreScales', 'academicSessions'],
};

const BASE = ['sourcedId', 'status', 'dateLastModified'];
/** Data minimisation at the edge: what is not listed here is never held, passed on or quarantined. */
const FIELDS: Record<RefCollection | Stream, string[]> = {
  orgs: [...BASE, 'name', 'type', 'identifier'],
  students: [...BASE, 'givenName', 'familyName', 'userIds', 'metadata'],
  enrollments: [...BASE, 'role', 'user', 'class', 'school', 'beginDate', 'endDate'],
  results: [...BASE, 'lineItem', 'student', 'scoreScale', 'scoreStatus', 'score', 'textScore', 'scoreDate'],
  classes: [...BASE, 'title', 'classType', 'grades', 'subjects', 'course', 'school', 'terms'],
  courses: [...BASE, 'title', 'subjects'],
  academicSessions: [...BASE, 'title', 'type', 'startDate', 'endDate', 'schoolYear'],
  categories: [...BASE, 'title'],
  lineItems: [...BASE, 'class', 'category', 'gradingPeriod', 'academicSession', 'scoreScale'],
  scoreScales: [...BASE, 'title', 'type', 'scoreScaleValue'],
  lineItemScoreScales: [...BASE, 'lineItem', 'scoreScale'],
  resultScoreScales: [...BASE, 'result', 'scoreScale'],
  roles: [...BASE, 'user', 'role'],
  demographics: [...BASE, 'birthDate'],
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (v: unknown): string | undefined => (isObj(v) && typeof v.sourcedId === 'string' ? v.sourcedId : undefined);

export function project(kind: RefCollection | Stream, obj: Obj): Obj {
  const out: Obj = {};
  for (const k of FIELDS[kind]) if (k in obj) out[k] = obj[k];
  if (kind === 'students') {
    // Only the identifiers used for linking; only the birth date from metadata (a fallback for demographics).
    if (Array.isArray(out.userIds)) out.userIds = out.userIds.filter((u) => isObj(u) && typeof u.type === 'string' && /^(cpr|uni-?login)$/i.test(u.type.trim()));
    if (isObj(out.metadata)) out.metadata = 'birthDate' in out.metadata ? { birthDate: out.metadata.birthDate } : undefined;
    if (out.metadata === undefined) delete out.metadata;
  }
  return out;
}

/**
 * Reference objects by sourcedId. A bulk file (or a full REST read) replaces a collection, a
 * delta updates it; objects marked tobedeleted stay, so the mapper can tell "deleted" from "unknown".
 */
export class References {
  private readonly maps = new Map<RefCollection, Map<string, Obj>>();
  private index?: { lineItemScale: Map<string, string>; resultScale: Map<string, string>; rolesOf: Map<string, Set<string>> };

  clear(collection: RefCollection): void {
    this.maps.set(collection, new Map());
    this.index = undefined;
  }

  put(collection: RefCollection, obj: Obj): void {
    const id = idOf(obj);
    if (!id) return;
    let map = this.maps.get(collection);
    if (!map) this.maps.set(collection, (map = new Map()));
    map.set(id, project(collection, obj));
    this.index = undefined;
  }

  get(collection: RefCollection, id: string | undefined): Obj | undefined {
    return id === undefined ? undefined : this.maps.get(collection)?.get(id);
  }

  size(collection: RefCollection): number {
    return this.maps.get(collection)?.size ?? 0;
  }

  private links() {
    if (!this.index) {
      const active = (c: RefCollection) => [...(this.maps.get(c)?.values() ?? [])].filter((o) => o.status !== 'tobedeleted');
      this.index = {
        lineItemScale: new Map(active('lineItemScoreScales').flatMap((l) => (idOf(l.lineItem) && idOf(l.scoreScale) ? [[idOf(l.lineItem)!, idOf(l.scoreScale)!]] : []))),
        resultScale: new Map(active('resultScoreScales').flatMap((l) => (idOf(l.result) && idOf(l.scoreScale) ? [[idOf(l.result)!, idOf(l.scoreScale)!]] : []))),
        rolesOf: new Map(),
      };
      for (const r of active('roles')) {
        const user = idOf(r.user);
        if (!user || typeof r.role !== 'string') continue;
        const set = this.index.rolesOf.get(user) ?? new Set<string>();
        set.add(r.role);
        this.index.rolesOf.set(user, set);
      }
    }
    return this.index;
  }

  /**
   * The envelope the mapper gets for one record of a stream, or undefined for a record Skolebro
   * has no business reading at all (a teacher's enrolment, a user who is known not to be a pupil).
   */
  envelope(stream: Stream, raw: Obj): Envelope | undefined {
    const id = idOf(raw) ?? (typeof raw.sourcedId === 'string' ? raw.sourcedId : undefined);
    switch (stream) {
      case 'orgs':
        return { id, record: project('orgs', raw) };
      case 'students': {
        const roles = id ? this.links().rolesOf.get(id) : undefined;
        if (roles && !roles.has('student')) return undefined;
        const demographics = this.get('demographics', id);
        return { id, record: project('students', raw), ...(demographics ? { refs: { demographics } } : {}) };
      }
      case 'enrollments': {
        if (typeof raw.role === 'string' && raw.role.trim() !== '' && raw.role !== 'student') return undefined;
        const cls = this.get('classes', idOf(raw.class));
        const terms = cls && Array.isArray(cls.terms) ? cls.terms : [];
        return {
          id,
          record: project('enrollments', raw),
          refs: {
            class: cls,
            school: this.get('orgs', idOf(raw.school) ?? idOf(cls?.school)),
            term: this.get('academicSessions', idOf(terms[0])),
          },
        };
      }
      case 'results': {
        const record = project('results', raw);
        if (record.scoreScale === undefined && id && this.links().resultScale.has(id)) record.scoreScale = { sourcedId: this.links().resultScale.get(id) };
        let lineItem = this.get('lineItems', idOf(raw.lineItem));
        if (lineItem && lineItem.scoreScale === undefined) {
          const scale = this.links().lineItemScale.get(idOf(lineItem)!);
          if (scale) lineItem = { ...lineItem, scoreScale: { sourcedId: scale } };
        }
        const cls = this.get('classes', idOf(lineItem?.class) ?? idOf(raw.class));
        return {
          id,
          record,
          refs: {
            lineItem,
            class: cls,
            course: this.get('courses', idOf(cls?.course)),
            category: this.get('categories', idOf(lineItem?.category)),
            scoreScale: this.get('scoreScales', idOf(record.scoreScale) ?? idOf(lineItem?.scoreScale)),
            gradingPeriod: this.get('academicSessions', idOf(lineItem?.gradingPeriod) ?? idOf(lineItem?.academicSession)),
          },
        };
      }
    }
  }
}
