import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { GradeKind } from '../../src/schooling/grade-scale';
import { generatePopulation, type Population, type SynthChild, type SynthGrade } from '../../src/synthetic/generator';
import { mixSeed, Random } from '../../src/synthetic/random';
import { schoolDays } from '../../src/synthetic/school-calendar';
import { RESOURCES, type DeletedItem, type Resource } from './wire';
import { injectFaults, NO_FAULTS, refuseClientCredentials, unit, type SimulatorCredentials, type SimulatorFaults } from '../simulator-faults';
export type { SimulatorCredentials, SimulatorFaults } from '../simulator-faults';

export interface EdFiSimulatorOptions {
  /** Pupils at the schools who are not children in the hub (not in the case system). Default 0. */
  extraPupils?: number;
  /** Share of pupils served without a CPR code, only a UNI-Login id. Default 0. */
  omitCprRate?: number;
  /**
   * Share of the pupils served without CPR whose first name the school spells one letter
   * differently (Freja → Freka): identity matching can only propose them for review. Default 0.
   */
  misspellRate?: number;
  /** Largest `limit` the simulated ODS accepts (the real default is 500). Default 5000. */
  maxPageSize?: number;
  /** Path the API is served under, e.g. `/v7/api` (the ODS often sits below a path). Default none. */
  basePath?: string;
}

/** How the simulator knows a pupil (for tests): its studentUniqueId and whether it is a hub child. */
export interface SimulatedPupil {
  studentUniqueId: string;
  /** The synthetic child's identity as the school sends it (a misspelt first name included; see misspellRate). */
  child: Pick<SynthChild, 'index' | 'externalId' | 'cpr' | 'uniLoginId' | 'firstName' | 'lastName' | 'birthDate'>;
  /** A child in the hub (the case system's `child-…`); false for the extra pupils. */
  inHub: boolean;
  /** Served without a CPR code. */
  withoutCpr: boolean;
}

type Item = Record<string, unknown>;

const TOKEN_TTL_S = 1800;
const CLOCK_START = Date.UTC(2026, 0, 1);
const DESCRIPTOR = 'uri://ed-fi.org';
const DK = 'uri://skolebro.dk';

/** Attendance as served: one event per pupil and school day, category + reason. */
const enum Day {
  InAttendance = 0,
  Sick = 1,
  Excused = 2,
  Unexcused = 3,
  Tardy = 4,
  EarlyDeparture = 5,
  Partial = 6,
}
const CATEGORY_URI = [
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#In Attendance`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Excused Absence`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Excused Absence`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Unexcused Absence`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Tardy`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Early departure`,
  `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Partial`,
];
const EXCUSED_REASONS = ['Ekstraordinær frihed', 'Familiebegivenhed'];
const EXPECTED_STATUS = [
  AttendanceStatus.Present, AttendanceStatus.Illness, AttendanceStatus.Authorised, AttendanceStatus.Unauthorised,
  AttendanceStatus.Partial, AttendanceStatus.Partial, AttendanceStatus.Partial,
];
const EXPECTED_NOTE = [null, null, null, null, 'Tardy', 'Early departure', 'Partial'];

/** The Ed-Fi category a synthetic partial-day note ("Kom for sent", "Gik tidligt …") is recorded under. */
export function partialCategory(note: string | null): 'Tardy' | 'Early departure' | 'Partial' {
  if (note && /^kom /i.test(note)) return 'Tardy';
  if (note && /^(gik|hentet) tidligt/i.test(note)) return 'Early departure';
  return 'Partial';
}
const dayCode = (status: AttendanceStatus, note: string | null): Day => {
  switch (status) {
    case AttendanceStatus.Present:
      return Day.InAttendance;
    case AttendanceStatus.Illness:
      return Day.Sick;
    case AttendanceStatus.Authorised:
      return Day.Excused;
    case AttendanceStatus.Unauthorised:
      return Day.Unexcused;
    default: {
      const c = partialCategory(note);
      return c === 'Tardy' ? Day.Tardy : c === 'Early departure' ? Day.EarlyDeparture : Day.Partial;
    }
  }
};

const GRADE_LEVEL_URI = ['Kindergarten', 'First grade', 'Second grade', 'Third grade', 'Fourth grade', 'Fifth grade', 'Sixth grade', 'Seventh grade', 'Eighth grade', 'Ninth grade', 'Tenth grade'].map(
  (g) => `${DESCRIPTOR}/GradeLevelDescriptor#${g}`,
);
const GRADE_TYPE_URI: Record<GradeKind, string> = {
  [GradeKind.Term]: `${DESCRIPTOR}/GradeTypeDescriptor#Grading Period`,
  [GradeKind.Exam]: `${DESCRIPTOR}/GradeTypeDescriptor#Exam`,
  [GradeKind.Year]: `${DESCRIPTOR}/GradeTypeDescriptor#Final`,
};

interface SimEnrollment {
  schoolId: number;
  gradeLevel: number;
  className: string;
  startDate: string;
  endDate: string | null;
}

/** What the simulator keeps per pupil: small, so 12,000 pupils × 200 days stay a few MB. */
interface SimPupil {
  info: SimulatedPupil;
  enrollments: SimEnrollment[];
  grades: SynthGrade[];
  /** Day code per school day. */
  days: Uint8Array;
  /** Free-text reasons of partial days, by day index. */
  partialReasons: Map<number, string>;
}


/** One letter changed: the next letter of the alphabet in the second-to-last place (Freja → Freka). */
function misspell(name: string): string {
  if (name.length < 3) return name;
  const i = name.length - 2;
  const next = name[i] === 'z' ? 'a' : String.fromCharCode(name.charCodeAt(i) + 1);
  return name.slice(0, i) + next + name.slice(i + 1);
}
const hashId = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 8 hex digits of a 32-bit word (table look-ups: ids are made millions of times a sync). */
const hex8 = (n: number) => HEX[(n >>> 24) & 255] + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255];

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * One resource of the simulated ODS: items addressed by a stable ordinal, generated on demand
 * from the pupils, each with change version `baseVersion + ordinal + 1` until a live edit gives
 * it a newer one. Removed ordinals are gone; edited ones are served from `overrides`.
 */
class Table {
  readonly overrides = new Map<number, { record: Item; changeVersion: number }>();
  readonly removed = new Set<number>();
  readonly deletes: DeletedItem[] = [];
  private removedSorted: number[] | null = [];
  private excludedSorted: number[] | null = [];
  private changedByVersion: { ordinal: number; changeVersion: number }[] | null = [];

  constructor(
    readonly resource: Resource,
    readonly code: number,
    readonly size: number,
    readonly baseVersion: number,
    readonly generate: (ordinal: number) => Item,
    /** The same item straight as JSON text, where that is much cheaper (attendance). */
    readonly generateJson?: (ordinal: number) => string,
  ) {}

  invalidate(): void {
    this.removedSorted = this.excludedSorted = this.changedByVersion = null;
  }

  live(ordinal: number): boolean {
    return ordinal >= 0 && ordinal < this.size && !this.removed.has(ordinal);
  }

  current(ordinal: number): Item {
    return this.overrides.get(ordinal)?.record ?? this.generate(ordinal);
  }

  /** The item as JSON text; `corrupt` (if given) decides per item id whether to break it. */
  json(ordinal: number, corrupt?: (item: Item) => Item | undefined): string {
    const edited = this.overrides.get(ordinal)?.record;
    if (!edited && this.generateJson && !corrupt) return this.generateJson(ordinal);
    const item = edited ?? this.generate(ordinal);
    return JSON.stringify(corrupt?.(item) ?? item);
  }

  /** The whole collection in ordinal order: `count` items and the ordinals of one page. */
  collection(offset: number, limit: number): { count: number; ordinals: number[] } {
    const skip = (this.removedSorted ??= [...this.removed].sort((a, b) => a - b));
    return { count: this.size - skip.length, ordinals: freeOrdinals(0, this.size - 1, offset, limit, skip) };
  }

  /** Items whose change version is in [min, max], ordered by change version (as the ODS does). */
  changed(min: number, max: number, offset: number, limit: number): { count: number; ordinals: number[] } {
    const skip = (this.excludedSorted ??= [...new Set([...this.removed, ...this.overrides.keys()])].sort((a, b) => a - b));
    const byVersion = (this.changedByVersion ??= [...this.overrides].map(([ordinal, o]) => ({ ordinal, changeVersion: o.changeVersion })).sort((a, b) => a.changeVersion - b.changeVersion));
    // Unedited items: a contiguous ordinal range, minus the edited and removed ones.
    const lo = Math.max(0, min - this.baseVersion - 1);
    const hi = Math.min(this.size - 1, max - this.baseVersion - 1);
    const baseCount = hi >= lo ? hi - lo + 1 - (upperBound(skip, hi) - lowerBound(skip, lo)) : 0;
    const edited = byVersion.filter((e) => e.changeVersion >= min && e.changeVersion <= max);
    const ordinals = offset < baseCount ? freeOrdinals(lo, hi, offset, limit, skip) : [];
    const from = Math.max(0, offset - baseCount);
    for (let i = from; i < edited.length && ordinals.length < limit; i++) ordinals.push(edited[i].ordinal);
    return { count: baseCount + edited.length, ordinals };
  }
}

/** Up to `limit` ordinals in [lo, hi] not in `skip` (sorted), starting at the `offset`-th such one. */
function freeOrdinals(lo: number, hi: number, offset: number, limit: number, skip: readonly number[]): number[] {
  let i = lowerBound(skip, lo);
  let k = lo + offset;
  while (i < skip.length && skip[i] <= k) (k++, i++);
  const out: number[] = [];
  for (; k <= hi && out.length < limit; k++) {
    if (i < skip.length && skip[i] === k) {
      i++;
      continue;
    }
    out.push(k);
  }
  return out;
}

function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const upperBound = (list: readonly number[], value: number) => lowerBound(list, value + 1);

/**
 * An HTTP server speaking the Ed-Fi ODS/API (OAuth2 client credentials, resources paged with
 * offset/limit, change queries and /deletes) over synthetic pupils, with switches for latency,
 * 5xx, hangs and malformed items, and live edits and deletes. Pages are generated on demand
 * from compact per-pupil data: a school year of 2.4 million attendance events is never held
 * as objects. Used by the tests and benchmarks.
 */
export class EdFiSimulator {
  readonly credentials: SimulatorCredentials = { clientId: 'skolebro-edfi-demo', clientSecret: randomBytes(18).toString('base64url') };
  faults: SimulatorFaults = { ...NO_FAULTS };
  /** Requests served per path (below the base path, without the query), for tests and benchmarks. */
  readonly requests = new Map<string, number>();
  /** Called before each request is answered, with its path and how many of it were served (tests flip faults mid-run with it). */
  onRequest?: (path: string, served: number) => void;

  private readonly tables: Record<Resource, Table>;
  private readonly days: readonly string[];
  private readonly schoolYear: number;
  private readonly sessionName: string;
  private readonly sessionNameJson: string;
  private readonly associationStart: Int32Array;
  private readonly gradeStart: Int32Array;
  private readonly tokens = new Map<string, number>();
  private readonly idSalt = RESOURCES.map((_, code) => mixSeed(this.seed, code, 0x1d5));
  private readonly maxPageSize: number;
  private readonly basePath: string;
  private version: number;
  private requestNo = 0;
  private app?: FastifyInstance;

  private constructor(
    readonly municipalityCode: string,
    private readonly seed: number,
    private readonly schools: { schoolId: number; name: string }[],
    private readonly pupils: SimPupil[],
    schoolYearStart: number,
    opts: EdFiSimulatorOptions,
  ) {
    this.days = schoolDays(schoolYearStart);
    this.schoolYear = schoolYearStart + 1;
    this.sessionName = `Skoleåret ${schoolYearStart}/${String(this.schoolYear % 100).padStart(2, '0')}`;
    this.sessionNameJson = JSON.stringify(this.sessionName);
    this.maxPageSize = opts.maxPageSize ?? 5000;
    this.basePath = (opts.basePath ?? '').replace(/\/+$/, '');
    this.associationStart = prefixSums(pupils, (p) => p.enrollments.length);
    this.gradeStart = prefixSums(pupils, (p) => p.grades.length);
    const sizes: Record<Resource, number> = {
      schools: schools.length,
      students: pupils.length,
      studentSchoolAssociations: this.associationStart[pupils.length],
      studentSchoolAttendanceEvents: pupils.length * this.days.length,
      grades: this.gradeStart[pupils.length],
    };
    const generators: Record<Resource, (k: number) => Item> = {
      schools: (k) => this.school(k),
      students: (k) => this.student(k),
      studentSchoolAssociations: (k) => this.association(k),
      studentSchoolAttendanceEvents: (k) => this.attendance(k),
      grades: (k) => this.grade(k),
    };
    // Initial change versions follow the resources' order, then their ordinals.
    let version = 0;
    this.tables = {} as Record<Resource, Table>;
    RESOURCES.forEach((resource, code) => {
      this.tables[resource] = new Table(resource, code, sizes[resource], version, generators[resource], resource === 'studentSchoolAttendanceEvents' ? (k) => this.attendanceJson(k) : undefined);
      version += sizes[resource];
    });
    this.version = version;
  }

  /**
   * The population's children of this municipality as pupils of its schools, plus
   * `extraPupils` classmates who are not children in the hub (generated as further children of
   * the same population, so every CPR number and UNI-Login id stays unique), in a mixed order.
   */
  static fromPopulation(population: Population, municipalityCode: string, opts: EdFiSimulatorOptions = {}): EdFiSimulator {
    const o = population.options;
    const local = population.schools.filter((s) => s.municipalityCode === municipalityCode);
    if (!local.length) throw new Error(`the population has no schools in municipality ${municipalityCode}`);
    const localById = new Map(local.map((s) => [s.externalId, s]));
    const schoolOf = (externalId: string) => {
      // Extra pupils may come from another municipality's schools: seat them at one of these.
      const here = localById.get(externalId);
      if (here) return here;
      const serial = Number(/-(\d+)$/.exec(externalId)?.[1] ?? 1);
      return local[(serial - 1) % local.length];
    };
    // Each child is reduced to its compact form as it is generated: the full objects of a large
    // population (200 attendance objects a child) are never all alive at once.
    const compact = (child: SynthChild, inHub: boolean): SimPupil => {
      const days = new Uint8Array(child.attendance.length);
      const partialReasons = new Map<number, string>();
      child.attendance.forEach((a, i) => {
        days[i] = dayCode(a.status, a.note);
        if (a.note) partialReasons.set(i, a.note);
      });
      const withoutCpr = unit(o.seed, child.index, 0xc9) < (opts.omitCprRate ?? 0);
      const misspelt = withoutCpr && unit(o.seed, child.index, 0xca) < (opts.misspellRate ?? 0);
      return {
        info: {
          studentUniqueId: `elev-${String(child.index + 1).padStart(6, '0')}`,
          child: { index: child.index, externalId: child.externalId, cpr: child.cpr, uniLoginId: child.uniLoginId, firstName: misspelt ? misspell(child.firstName) : child.firstName, lastName: child.lastName, birthDate: child.birthDate },
          inHub,
          withoutCpr,
        },
        enrollments: child.enrollments.map((e) => ({
          schoolId: Number(schoolOf(e.schoolExternalId).institutionNumber),
          gradeLevel: e.gradeLevel,
          className: e.className,
          startDate: e.startDate,
          endDate: e.endDate,
        })),
        grades: child.grades,
        days,
        partialReasons,
      };
    };
    const pupils: SimPupil[] = [];
    for (const child of population.children()) if (child.municipalityCode === municipalityCode) pupils.push(compact(child, true));
    const extra = opts.extraPupils ?? 0;
    if (extra > 0) {
      let index = 0;
      for (const child of generatePopulation({ ...o, children: o.children + extra }).children()) if (index++ >= o.children) pupils.push(compact(child, false));
    }
    const shuffled = new Random(o.seed, 0xedf1).shuffle(pupils);
    const schools = local.map((s) => ({ schoolId: Number(s.institutionNumber), name: s.name }));
    return new EdFiSimulator(municipalityCode, o.seed, schools, shuffled, o.schoolYearStart, opts);
  }

  // ── For tests and benchmarks ────────────────────────────────────────────────────────────

  get newestChangeVersion(): number {
    return this.version;
  }

  /** The pupils served (hub children and extra pupils), in the order the students resource lists them. */
  pupilList(): SimulatedPupil[] {
    return this.pupils.map((p) => p.info);
  }

  /**
   * What the hub should hold for a pupil's school year: the whole-day status per school day and
   * the note (the Ed-Fi category of a partial day), as served before any live edit.
   */
  expectedAttendance(studentUniqueId: string): { date: string; status: AttendanceStatus; note: string | null }[] {
    const pupil = this.pupils.find((p) => p.info.studentUniqueId === studentUniqueId);
    if (!pupil) throw new Error(`no pupil ${studentUniqueId}`);
    return [...pupil.days].map((code, d) => ({ date: this.days[d], status: EXPECTED_STATUS[code], note: EXPECTED_NOTE[code] }));
  }

  /** Live items of a resource. Materialises them: for tests on small populations. */
  records(resource: Resource): Item[] {
    const t = this.tables[resource];
    return t.collection(0, t.size).ordinals.map((k) => t.current(k));
  }

  count(resource: Resource): number {
    const t = this.tables[resource];
    return t.size - t.removed.size;
  }

  record(resource: Resource, id: string): Item | undefined {
    const k = this.ordinalOf(resource, id);
    return k === undefined ? undefined : this.tables[resource].current(k);
  }

  /** Items the simulator serves broken under the current `malformedRate`. */
  isMalformed(id: string): boolean {
    return this.faults.malformedRate > 0 && unit(this.faults.seed, hashId(id)) < this.faults.malformedRate;
  }

  /** A live edit at the source (a PUT): the item gets the patch and a new change version. */
  update(resource: Resource, id: string, patch: Item): void {
    const t = this.tables[resource];
    const k = this.ordinalOf(resource, id);
    if (k === undefined) throw new Error(`no ${resource} ${id}`);
    const changeVersion = ++this.version;
    t.overrides.set(k, { record: { ...t.current(k), ...patch, id, ...stamp(changeVersion) }, changeVersion });
    t.invalidate();
  }

  /**
   * A DELETE at the source, logged for /deletes with the natural key. A student takes its
   * associations, attendance events and grades with it (the ODS would refuse to delete it first).
   */
  remove(resource: Resource, id: string): void {
    const t = this.tables[resource];
    const k = this.ordinalOf(resource, id);
    if (k === undefined) throw new Error(`no ${resource} ${id}`);
    if (resource === 'students') {
      const range = (table: Table, from: number, to: number) => {
        for (let j = from; j < to; j++) if (table.live(j)) this.remove(table.resource, this.idOf(table.code, j));
      };
      range(this.tables.grades, this.gradeStart[k], this.gradeStart[k + 1]);
      range(this.tables.studentSchoolAttendanceEvents, k * this.days.length, (k + 1) * this.days.length);
      range(this.tables.studentSchoolAssociations, this.associationStart[k], this.associationStart[k + 1]);
    }
    const item = t.current(k);
    t.removed.add(k);
    t.overrides.delete(k);
    t.invalidate();
    t.deletes.push({ id, changeVersion: ++this.version, keyValues: keyValues(resource, item) });
  }

  async start(port = 0): Promise<string> {
    const app = Fastify({ logger: false });
    const base = this.basePath;
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post(`${base}/oauth/token`, (req, reply) => this.token(req, reply));
    app.get(`${base}/changeQueries/v1/availableChangeVersions`, (req, reply) => this.available(req, reply));
    app.get(`${base}/data/v3/ed-fi/:resource`, (req, reply) => this.page(req, reply, false));
    app.get(`${base}/data/v3/ed-fi/:resource/deletes`, (req, reply) => this.page(req, reply, true));
    await app.listen({ host: '127.0.0.1', port });
    this.app = app;
    const { port: bound } = app.server.address() as { port: number };
    return `http://127.0.0.1:${bound}${base}`;
  }

  async stop(): Promise<void> {
    this.app?.server.closeAllConnections();
    await this.app?.close();
  }

  // ── Items ───────────────────────────────────────────────────────────────────────────────

  /** A GUID-shaped id (32 hex digits) that carries its resource and (masked) ordinal, so edits find the item. */
  private idOf(code: number, ordinal: number): string {
    const a = fmix32(this.idSalt[code] ^ ordinal);
    const b = fmix32(a + 0x6a09e667);
    const c = fmix32(b ^ 0x3c6ef372);
    return hex8(a) + hex8(b) + hex8(c).slice(4) + code.toString(16) + hex8(c).slice(1, 4) + hex8(ordinal ^ this.idSalt[code]);
  }

  private ordinalOf(resource: Resource, id: string): number | undefined {
    const t = this.tables[resource];
    if (typeof id !== 'string' || id.length !== 32 || parseInt(id[20], 16) !== t.code) return undefined;
    const k = (parseInt(id.slice(24), 16) ^ this.idSalt[t.code]) >>> 0;
    return t.live(k) && this.idOf(t.code, k) === id ? k : undefined;
  }

  private school(k: number): Item {
    const s = this.schools[k];
    return {
      id: this.idOf(0, k),
      schoolId: s.schoolId,
      nameOfInstitution: s.name,
      educationOrganizationCategories: SCHOOL_CATEGORIES,
      gradeLevels: SCHOOL_GRADE_LEVELS,
      ...stamp(this.tables.schools.baseVersion + k + 1),
    };
  }

  private student(k: number): Item {
    const { info } = this.pupils[k];
    const c = info.child;
    const codes: Item[] = [];
    if (!info.withoutCpr) {
      codes.push({ assigningOrganizationIdentificationCode: 'CPR', identificationCode: c.cpr, studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#CPR` });
    }
    codes.push({ assigningOrganizationIdentificationCode: 'STIL', identificationCode: c.uniLoginId, studentIdentificationSystemDescriptor: `${DK}/StudentIdentificationSystemDescriptor#UNI-Login` });
    return {
      id: this.idOf(1, k),
      studentUniqueId: info.studentUniqueId,
      firstName: c.firstName,
      lastSurname: c.lastName,
      birthDate: c.birthDate,
      studentIdentificationCodes: codes,
      ...stamp(this.tables.students.baseVersion + k + 1),
    };
  }

  private association(k: number): Item {
    const p = upperBoundInt(this.associationStart, k) - 1;
    const pupil = this.pupils[p];
    const e = pupil.enrollments[k - this.associationStart[p]];
    return {
      id: this.idOf(2, k),
      studentReference: { studentUniqueId: pupil.info.studentUniqueId },
      schoolReference: { schoolId: e.schoolId },
      entryDate: e.startDate,
      entryGradeLevelDescriptor: GRADE_LEVEL_URI[e.gradeLevel],
      ...(e.endDate ? { exitWithdrawDate: e.endDate, exitWithdrawTypeDescriptor: `${DESCRIPTOR}/ExitWithdrawTypeDescriptor#Transferred` } : {}),
      _ext: { dk: { className: e.className } },
      ...stamp(this.tables.studentSchoolAssociations.baseVersion + k + 1),
    };
  }

  /** What an attendance event is made of; shared by the object and the JSON text forms. */
  private attendanceParts(k: number) {
    const n = this.days.length;
    const p = Math.floor(k / n);
    const d = k - p * n;
    const pupil = this.pupils[p];
    const date = this.days[d];
    const code = pupil.days[d];
    const reason =
      code === Day.Sick ? 'Sygdom' : code === Day.Excused ? EXCUSED_REASONS[(p + d) % EXCUSED_REASONS.length] : code >= Day.Tardy ? pupil.partialReasons.get(d) : undefined;
    return { id: this.idOf(3, k), uid: pupil.info.studentUniqueId, schoolId: schoolOn(pupil, date), date, category: CATEGORY_URI[code], reason, version: this.tables.studentSchoolAttendanceEvents.baseVersion + k + 1 };
  }

  private attendance(k: number): Item {
    const a = this.attendanceParts(k);
    return {
      id: a.id,
      studentReference: { studentUniqueId: a.uid },
      schoolReference: { schoolId: a.schoolId },
      sessionReference: { schoolId: a.schoolId, schoolYear: this.schoolYear, sessionName: this.sessionName },
      eventDate: a.date,
      attendanceEventCategoryDescriptor: a.category,
      attendanceEventReason: a.reason, // undefined is left out of the JSON, as the ODS leaves out nulls
      _etag: etag(a.version),
      _lastModifiedDate: modifiedDate(a.version),
    };
  }

  /** `JSON.stringify(this.attendance(k))`, written directly: no objects for 2.4 million events. */
  private attendanceJson(k: number): string {
    const a = this.attendanceParts(k);
    return (
      `{"id":"${a.id}","studentReference":{"studentUniqueId":${JSON.stringify(a.uid)}},"schoolReference":{"schoolId":${a.schoolId}},` +
      `"sessionReference":{"schoolId":${a.schoolId},"schoolYear":${this.schoolYear},"sessionName":${this.sessionNameJson}},` +
      `"eventDate":"${a.date}","attendanceEventCategoryDescriptor":"${a.category}",` +
      (a.reason === undefined ? '' : `"attendanceEventReason":${JSON.stringify(a.reason)},`) +
      `"_etag":"${etag(a.version)}","_lastModifiedDate":"${modifiedDate(a.version)}"}`
    );
  }

  private grade(k: number): Item {
    const p = upperBoundInt(this.gradeStart, k) - 1;
    const pupil = this.pupils[p];
    const g = pupil.grades[k - this.gradeStart[p]];
    const schoolId = schoolOn(pupil, g.gradeDate);
    const enrollment = pupil.enrollments.find((e) => e.schoolId === schoolId) ?? pupil.enrollments[0];
    const december = g.gradeDate.slice(5, 7) === '12';
    return {
      id: this.idOf(4, k),
      studentSectionAssociationReference: {
        beginDate: enrollment.startDate,
        localCourseCode: g.subject,
        schoolId,
        schoolYear: this.schoolYear,
        sectionIdentifier: `${g.subject} ${enrollment.className}`,
        sessionName: this.sessionName,
        studentUniqueId: pupil.info.studentUniqueId,
      },
      gradingPeriodReference: {
        gradingPeriodDescriptor: `${DESCRIPTOR}/GradingPeriodDescriptor#${december ? 'First Semester' : g.kind === GradeKind.Term ? 'Second Semester' : 'End of Year'}`,
        periodSequence: december ? 1 : 2,
        schoolId,
        schoolYear: this.schoolYear,
      },
      gradeTypeDescriptor: GRADE_TYPE_URI[g.kind],
      letterGradeEarned: g.value,
      numericGradeEarned: Number(g.value),
      currentGradeAsOfDate: g.gradeDate,
      ...stamp(this.tables.grades.baseVersion + k + 1),
    };
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────

  private token(req: FastifyRequest, reply: FastifyReply) {
    this.tally(req);
    const refused = refuseClientCredentials(req, this.credentials);
    if (refused) return reply.code(refused.status).send({ error: refused.error });
    const token = randomBytes(24).toString('hex');
    this.tokens.set(token, Date.now() + TOKEN_TTL_S * 1000);
    return reply.send({ access_token: token, expires_in: TOKEN_TTL_S, token_type: 'bearer' });
  }

  /** Auth, latency and injected failures common to every data request; true = answered already. */
  private tally(req: FastifyRequest): void {
    const route = req.url.split('?')[0].slice(this.basePath.length);
    const n = (this.requests.get(route) ?? 0) + 1;
    this.requests.set(route, n);
    this.onRequest?.(route, n);
  }

  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    this.tally(req);
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || (this.tokens.get(bearer) ?? 0) < Date.now()) {
      reply.code(401).send({ message: 'Authorization denied. The access token is invalid or has expired.' });
      return true;
    }
    const n = ++this.requestNo;
    if (await injectFaults(this.faults, n)) {
      reply.code(503).send({ message: 'Service unavailable (simulated)' });
      return true;
    }
    return false;
  }

  private async available(req: FastifyRequest, reply: FastifyReply) {
    if (await this.gate(req, reply)) return;
    return reply.send({ oldestChangeVersion: 0, newestChangeVersion: this.version });
  }

  private async page(req: FastifyRequest, reply: FastifyReply, deletes: boolean) {
    if (await this.gate(req, reply)) return;
    const resource = (req.params as { resource: string }).resource as Resource;
    const t = (RESOURCES as readonly string[]).includes(resource) ? this.tables[resource] : undefined;
    if (!t) return reply.code(404).send({ message: `The specified resource could not be found: ${resource}` });
    const q = req.query as Record<string, string | undefined>;
    const int = (name: string) => (q[name] === undefined ? undefined : /^\d+$/.test(q[name]!) ? Number(q[name]) : NaN);
    const offset = int('offset') ?? 0;
    const limit = int('limit') ?? 25;
    const min = int('minChangeVersion');
    const max = int('maxChangeVersion');
    if (Number.isNaN(offset) || Number.isNaN(limit) || limit < 1 || limit > this.maxPageSize || Number.isNaN(min) || Number.isNaN(max)) {
      return reply.code(400).send({ message: `Offset must be 0 or more, limit between 1 and ${this.maxPageSize}, change versions non-negative integers.` });
    }
    let body: string;
    if (deletes) {
      const inWindow = t.deletes.filter((d) => d.changeVersion >= (min ?? 0) && d.changeVersion <= (max ?? Infinity));
      if (q.totalCount === 'true') reply.header('Total-Count', String(inWindow.length));
      body = JSON.stringify(inWindow.slice(offset, offset + limit));
    } else {
      const window = min === undefined && max === undefined ? t.collection(offset, limit) : t.changed(min ?? 0, max ?? Number.MAX_SAFE_INTEGER, offset, limit);
      if (q.totalCount === 'true') reply.header('Total-Count', String(window.count));
      const broken = this.faults.malformedRate > 0 ? (item: Item) => (this.isMalformed(item.id as string) ? corrupt(resource, item) : undefined) : undefined;
      body = `[${window.ordinals.map((k) => t.json(k, broken)).join(',')}]`;
    }
    return reply.header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

const SCHOOL_CATEGORIES = [{ educationOrganizationCategoryDescriptor: `${DESCRIPTOR}/EducationOrganizationCategoryDescriptor#School` }];
const SCHOOL_GRADE_LEVELS = GRADE_LEVEL_URI.map((gradeLevelDescriptor) => ({ gradeLevelDescriptor }));

/** `_etag` and `_lastModifiedDate` of an item at a change version (one simulated second apart). */
function stamp(changeVersion: number): { _etag: string; _lastModifiedDate: string } {
  return { _etag: etag(changeVersion), _lastModifiedDate: modifiedDate(changeVersion) };
}
const etag = (changeVersion: number) => `52${changeVersion}`;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayPrefix: string[] = [];
/** `new Date(CLOCK_START + v s).toISOString()`, without a Date per item. */
function modifiedDate(changeVersion: number): string {
  const day = Math.floor(changeVersion / 86_400);
  const s = changeVersion - day * 86_400;
  const prefix = (dayPrefix[day] ??= new Date(CLOCK_START + day * 86_400_000).toISOString().slice(0, 11));
  return `${prefix}${TWO[Math.floor(s / 3600)]}:${TWO[Math.floor(s / 60) % 60]}:${TWO[s % 60]}.000Z`;
}

function schoolOn(pupil: SimPupil, date: string): number {
  for (const e of pupil.enrollments) if (e.startDate <= date && (!e.endDate || date <= e.endDate)) return e.schoolId;
  return pupil.enrollments[0].schoolId;
}

function prefixSums<T>(items: T[], size: (item: T) => number): Int32Array {
  const out = new Int32Array(items.length + 1);
  for (let i = 0; i < items.length; i++) out[i + 1] = out[i] + size(items[i]);
  return out;
}

function upperBoundInt(list: Int32Array, value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The natural key of a deleted item, as the ODS reports it in `keyValues`. */
function keyValues(resource: Resource, item: Item): Record<string, unknown> {
  const student = (item.studentReference as Item | undefined)?.studentUniqueId;
  switch (resource) {
    case 'schools':
      return { schoolId: item.schoolId };
    case 'students':
      return { studentUniqueId: item.studentUniqueId };
    case 'studentSchoolAssociations':
      return { entryDate: item.entryDate, schoolId: (item.schoolReference as Item).schoolId, studentUniqueId: student };
    case 'studentSchoolAttendanceEvents': {
      const session = item.sessionReference as Item;
      return {
        attendanceEventCategoryDescriptor: item.attendanceEventCategoryDescriptor,
        eventDate: item.eventDate,
        schoolId: (item.schoolReference as Item).schoolId,
        schoolYear: session.schoolYear,
        sessionName: session.sessionName,
        studentUniqueId: student,
      };
    }
    case 'grades': {
      const s = item.studentSectionAssociationReference as Item;
      const g = item.gradingPeriodReference as Item;
      return {
        beginDate: s.beginDate,
        gradeTypeDescriptor: item.gradeTypeDescriptor,
        gradingPeriodDescriptor: g.gradingPeriodDescriptor,
        localCourseCode: s.localCourseCode,
        periodSequence: g.periodSequence,
        schoolId: s.schoolId,
        schoolYear: s.schoolYear,
        sectionIdentifier: s.sectionIdentifier,
        sessionName: s.sessionName,
        studentUniqueId: s.studentUniqueId,
      };
    }
  }
}

/** One of the ways a real ODS export goes wrong, chosen by the item's id. */
function corrupt(resource: Resource, item: Item): Item {
  const kind = (hashId(item.id as string) >>> 3) % 3;
  const copy: Item = { ...item };
  switch (resource) {
    case 'schools':
      if (kind === 0) copy.schoolId = 12345678;
      else delete copy.nameOfInstitution;
      break;
    case 'students':
      if (kind === 0) {
        // Month 13: still CPR-shaped, so quarantine's redaction masks it.
        copy.studentIdentificationCodes = (copy.studentIdentificationCodes as Item[]).map((c) =>
          String(c.studentIdentificationSystemDescriptor).endsWith('#CPR') ? { ...c, identificationCode: `${String(c.identificationCode).slice(0, 2)}13${String(c.identificationCode).slice(4)}` } : c,
        );
        if (!(copy.studentIdentificationCodes as Item[]).some((c) => String(c.studentIdentificationSystemDescriptor).endsWith('#CPR'))) copy.birthDate = '2013-02-30';
      } else if (kind === 1) {
        copy.studentIdentificationCodes = (copy.studentIdentificationCodes as Item[]).map((c) =>
          String(c.studentIdentificationSystemDescriptor).endsWith('#UNI-Login') ? { ...c, identificationCode: '' } : c,
        );
      } else copy.birthDate = '2013-02-30';
      break;
    case 'studentSchoolAssociations':
      if (kind === 0) delete copy.studentReference;
      else if (kind === 1) copy.entryGradeLevelDescriptor = `${DESCRIPTOR}/GradeLevelDescriptor#Eleventh grade`;
      else copy.entryDate = '2025-13-01';
      break;
    case 'studentSchoolAttendanceEvents':
      if (kind === 0) copy.eventDate = `${String(copy.eventDate).slice(0, 4)}-02-30`;
      else if (kind === 1) copy.attendanceEventCategoryDescriptor = `${DESCRIPTOR}/AttendanceEventCategoryDescriptor#Excused Absense`;
      else delete copy.studentReference;
      break;
    case 'grades':
      if (kind === 0) Object.assign(copy, { letterGradeEarned: '11', numericGradeEarned: 11 });
      else if (kind === 1) {
        copy.letterGradeEarned = '13';
        delete copy.numericGradeEarned;
      } else copy.gradeTypeDescriptor = `${DESCRIPTOR}/GradeTypeDescriptor#Progress Report`;
      break;
  }
  return copy;
}
