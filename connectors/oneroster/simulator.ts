import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GradeKind } from '../../src/schooling/grade-scale';
import { asciiFold } from '../../src/synthetic/danish-names';
import { generatePopulation, MAX_CHILDREN, type Population, type SynthChild, type SynthEnrollment, type SynthSchool } from '../../src/synthetic/generator';
import { writeBundle, type CsvFile } from './bundle';
import { COLLECTIONS, DEFAULT_PATHS, type Collection, type GUIDRef } from './wire';
import { injectFaults, NO_FAULTS, refuseClientCredentials, unit, type SimulatorCredentials, type SimulatorFaults } from '../simulator-faults';
export type { SimulatorCredentials, SimulatorFaults } from '../simulator-faults';

export interface OneRosterSimulatorOptions {
  /** Pupils of the same schools who are not children of the population (the hub never links them). */
  extraPupils?: number;
  /** Share of pupils whose userIds carry their CPR number; the others only their UNI-Login id. Default 1. */
  cprShare?: number;
  /** Token endpoint path (default /oauth/token). */
  tokenPath?: string;
}

type Obj = { sourcedId: string; status: 'active' | 'tobedeleted'; dateLastModified: string } & Record<string, unknown>;

const MAX_LIMIT = 5000;
const TOKEN_TTL_S = 3600;
const SEVEN_STEP: [string, string][] = [
  ['12', '12'],
  ['10', '10'],
  ['7', '7'],
  ['4', '4'],
  ['02', '2'],
  ['00', '0'],
  ['-3', '-3'],
];
/** The scale before 2007, for tests of results on another scale. */
const THIRTEEN_SCALE = ['13', '11', '10', '9', '8', '7', '6', '5', '03', '00'];
export const CATEGORY_TITLES: Record<GradeKind, string> = {
  [GradeKind.Term]: 'Standpunktskarakter',
  [GradeKind.Exam]: 'Prøvekarakter',
  [GradeKind.Year]: 'Årskarakter',
};

const hashId = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);
const slug = (s: string) => asciiFold(s).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const pad2 = (n: number) => String(n).padStart(2, '0');
const ref = (sourcedId: string, type: string): GUIDRef => ({ sourcedId, type });
const oneRosterError = (description: string) => ({ imsx_codeMajor: 'failure', imsx_severity: 'error', imsx_description: description });

/**
 * An HTTP server speaking OneRoster 1.2 REST (rostering + gradebook, OAuth 2.0 client
 * credentials, limit/offset with X-Total-Count, filter/sort) over synthetic data, with switches
 * for latency, 5xx, hangs and malformed records, live edits and tobedeleted marks, and a writer
 * for CSV bundles of the same data. Used by the demo, the tests and the benchmarks.
 */
export class OneRosterSimulator {
  readonly credentials: SimulatorCredentials = { clientId: 'skolebro-oneroster', clientSecret: randomBytes(18).toString('base64url') };
  faults: SimulatorFaults = { ...NO_FAULTS };
  /** Requests served per route, for tests and benchmarks. */
  readonly requests = new Map<string, number>();
  readonly tokenPath: string;

  private readonly store = new Map<Collection, Map<string, Obj>>((Object.keys(COLLECTIONS) as Collection[]).map((c) => [c, new Map()]));
  private readonly sorted = new Map<Collection, Obj[] | null>();
  private readonly tokens = new Map<string, number>();
  private readonly schools = new Map<string, SynthSchool>();
  /** Data loaded at construction is dated from here; live edits from the wall clock (as the Date header). */
  private clock = Date.UTC(2026, 0, 1);
  private live = false;
  private requestNo = 0;
  private app?: FastifyInstance;

  constructor(
    readonly municipalityCode: string,
    private readonly schoolYearStart: number,
    private readonly opts: OneRosterSimulatorOptions = {},
  ) {
    this.tokenPath = opts.tokenPath ?? '/oauth/token';
    this.addSessions();
    for (const kind of Object.values(GradeKind)) this.put('categories', { sourcedId: `cat-${kind}`, title: CATEGORY_TITLES[kind], weight: 1 });
    this.put('scoreScales', {
      sourcedId: 'ss-7-trin',
      title: '7-trinsskalaen',
      type: 'Karakterskala',
      scoreScaleValue: SEVEN_STEP.map(([itemValueLHS, itemValueRHS]) => ({ itemValueLHS, itemValueRHS })),
    });
    this.put('scoreScales', {
      sourcedId: 'ss-13',
      title: '13-skalaen',
      type: 'Karakterskala',
      scoreScaleValue: THIRTEEN_SCALE.map((v) => ({ itemValueLHS: v, itemValueRHS: String(Number(v)) })),
    });
  }

  /**
   * The population's children of this municipality as pupils of its schools, with their classes,
   * enrolments and grades; `extraPupils` more from the same generator who are not in the population.
   */
  static fromPopulation(population: Population, municipalityCode: string, opts: OneRosterSimulatorOptions = {}): OneRosterSimulator {
    const sim = new OneRosterSimulator(municipalityCode, population.options.schoolYearStart, opts);
    const municipality = population.municipalities.find((m) => m.code === municipalityCode);
    sim.put('orgs', { sourcedId: `org-${municipalityCode}`, name: `${municipality?.name ?? municipalityCode} Kommune`, type: 'district', identifier: municipalityCode });
    for (const s of population.schools.filter((x) => x.municipalityCode === municipalityCode)) {
      sim.schools.set(s.externalId, s);
      sim.put('orgs', { sourcedId: s.externalId, name: s.name, type: 'school', identifier: s.institutionNumber, parent: ref(`org-${municipalityCode}`, 'org') });
    }
    for (const child of population.children()) if (child.municipalityCode === municipalityCode) sim.addPupil(child);
    const extra = opts.extraPupils ?? 0;
    if (extra > 0) {
      // Later children of a larger population with the same seed: same schools, other people.
      const larger = generatePopulation({ ...population.options, children: Math.min(MAX_CHILDREN, population.options.children + extra * 8 + 50) });
      let added = 0;
      for (const child of larger.children()) {
        if (added >= extra) break;
        if (child.index < population.options.children || child.municipalityCode !== municipalityCode) continue;
        sim.addPupil(child);
        added++;
      }
    }
    return sim;
  }

  /** Student sourcedId of a synthetic child. */
  static studentId(child: SynthChild): string {
    return `stu-${child.externalId}`;
  }

  addPupil(c: SynthChild): void {
    const current = c.enrollments[c.enrollments.length - 1];
    const withCpr = unit(hashId(c.externalId), 0xc9) < (this.opts.cprShare ?? 1);
    const studentId = OneRosterSimulator.studentId(c);
    this.put('students', {
      sourcedId: studentId,
      enabledUser: true,
      username: c.uniLoginId,
      userIds: [{ type: 'UNI-Login', identifier: c.uniLoginId }, ...(withCpr ? [{ type: 'CPR', identifier: c.cpr }] : [])],
      givenName: c.firstName,
      familyName: c.lastName,
      roles: [{ roleType: 'primary', role: 'student', org: ref(current.schoolExternalId, 'org') }],
      primaryOrg: ref(current.schoolExternalId, 'org'),
      grades: [pad2(c.gradeLevel)],
    });
    // OneRoster 1.2 keeps birth dates (and sex) on the user's demographics, under the user's sourcedId.
    this.put('demographics', { sourcedId: studentId, birthDate: c.birthDate, sex: c.sex });
    for (const e of c.enrollments) {
      const homeroom = this.homeroom(e);
      this.put('enrollments', {
        sourcedId: `enr-${e.externalId}`,
        role: 'student',
        primary: true,
        user: ref(studentId, 'user'),
        class: ref(homeroom, 'class'),
        school: ref(e.schoolExternalId, 'org'),
        beginDate: e.startDate,
        ...(e.endDate ? { endDate: e.endDate } : {}),
      });
    }
    const subjectsOf = new Map<SynthEnrollment, Set<string>>();
    for (const g of c.grades) {
      const e = c.enrollments.find((x) => x.startDate <= g.gradeDate && (!x.endDate || g.gradeDate <= x.endDate)) ?? current;
      const classId = this.subjectClass(e, g.subject);
      (subjectsOf.get(e) ?? subjectsOf.set(e, new Set()).get(e)!).add(g.subject);
      const autumn = Number(g.gradeDate.slice(5, 7)) >= 8 || Number(g.gradeDate.slice(5, 7)) === 1;
      const period = `as-${this.schoolYearStart}-${autumn ? 'h1' : 'h2'}`;
      const lineItemId = `li-${classId.slice(4)}-${g.kind}-${autumn ? 'h1' : 'h2'}`;
      if (!this.store.get('lineItems')!.has(lineItemId)) {
        const p = this.store.get('academicSessions')!.get(period)!;
        this.put('lineItems', {
          sourcedId: lineItemId,
          title: `${CATEGORY_TITLES[g.kind]} ${g.subject} ${e.className} (${p.title as string})`,
          assignDate: p.startDate,
          dueDate: p.endDate,
          class: ref(classId, 'class'),
          school: ref(e.schoolExternalId, 'org'),
          category: ref(`cat-${g.kind}`, 'category'),
          gradingPeriod: ref(period, 'academicSession'),
          scoreScale: ref('ss-7-trin', 'scoreScale'),
          resultValueMin: -3,
          resultValueMax: 12,
        });
      }
      this.put('results', {
        sourcedId: `res-${g.externalId}`,
        lineItem: ref(lineItemId, 'lineItem'),
        student: ref(studentId, 'user'),
        class: ref(classId, 'class'),
        scoreStatus: 'fully graded',
        score: Number(g.value),
        textScore: g.value,
        scoreDate: g.gradeDate,
      });
    }
    // Enrolments in the subject classes too, as a school system has them (the hub reads only the homeroom's).
    for (const [e, subjects] of subjectsOf) {
      for (const subject of subjects) {
        this.put('enrollments', {
          sourcedId: `enr-${e.externalId}-${slug(subject)}`,
          role: 'student',
          primary: false,
          user: ref(studentId, 'user'),
          class: ref(this.subjectClass(e, subject), 'class'),
          school: ref(e.schoolExternalId, 'org'),
          beginDate: e.startDate,
          ...(e.endDate ? { endDate: e.endDate } : {}),
        });
      }
    }
  }

  /** A live edit at the source: the record gets a new dateLastModified. */
  update(collection: Collection, sourcedId: string, patch: Record<string, unknown>): void {
    const current = this.store.get(collection)!.get(sourcedId);
    if (!current) throw new Error(`no ${collection} ${sourcedId}`);
    this.live = true;
    this.put(collection, { ...current, ...patch, sourcedId });
  }

  /** Deletion as OneRoster expresses it: status tobedeleted (a pupil's demographics, enrolments and results with it). */
  markToBeDeleted(collection: Collection, sourcedId: string): void {
    this.update(collection, sourcedId, { status: 'tobedeleted' });
    if (collection === 'students') {
      if (this.get('demographics', sourcedId)) this.update('demographics', sourcedId, { status: 'tobedeleted' });
      for (const dep of ['enrollments', 'results'] as const) {
        for (const r of this.records(dep)) {
          const owner = dep === 'enrollments' ? r.user : r.student;
          if ((owner as GUIDRef).sourcedId === sourcedId && r.status !== 'tobedeleted') this.update(dep, r.sourcedId, { status: 'tobedeleted' });
        }
      }
    }
  }

  /** A hard delete: the record is simply gone (only a full resync notices); a pupil takes theirs along. */
  remove(collection: Collection, sourcedId: string): void {
    if (!this.store.get(collection)!.delete(sourcedId)) throw new Error(`no ${collection} ${sourcedId}`);
    this.sorted.set(collection, null);
    if (collection === 'students') {
      if (this.store.get('demographics')!.delete(sourcedId)) this.sorted.set('demographics', null);
      for (const dep of ['enrollments', 'results'] as const) {
        for (const r of this.records(dep)) if (((dep === 'enrollments' ? r.user : r.student) as GUIDRef).sourcedId === sourcedId) this.remove(dep, r.sourcedId);
      }
    }
  }

  records(collection: Collection): Obj[] {
    return [...this.store.get(collection)!.values()];
  }

  get(collection: Collection, sourcedId: string): Obj | undefined {
    return this.store.get(collection)!.get(sourcedId);
  }

  /** The source's clock: the dateLastModified of the latest change (for a delta bundle's `since`). */
  lastModified(): string {
    return new Date(this.clock).toISOString();
  }

  /** Ids the simulator serves broken under the current `malformedRate`. */
  isMalformed(sourcedId: string): boolean {
    return this.faults.malformedRate > 0 && unit(this.faults.seed, hashId(sourcedId)) < this.faults.malformedRate;
  }

  /** Whether `isMalformed` applies to this record (schools, pupils and their demographics, pupils' homeroom enrolments, results). */
  corruptible(collection: Collection, r: Obj): boolean {
    if (collection === 'orgs') return r.type === 'school';
    if (collection === 'enrollments') return r.role === 'student' && this.get('classes', (r.class as GUIDRef).sourcedId)?.classType === 'homeroom';
    return collection === 'students' || collection === 'demographics' || collection === 'results';
  }

  /** The record as served: broken when `isMalformed` says so. */
  served(collection: Collection, r: Obj): Obj {
    return this.corruptible(collection, r) && this.isMalformed(r.sourcedId) ? corrupt(collection, r) : r;
  }

  async start(port = 0): Promise<string> {
    const app = Fastify({ logger: false });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post(this.tokenPath, (req, reply) => this.token(req, reply));
    for (const collection of Object.keys(COLLECTIONS) as Collection[]) {
      const { service, path } = COLLECTIONS[collection];
      app.get(`${DEFAULT_PATHS[service]}/${path}`, (req, reply) => this.page(collection, req, reply));
    }
    await app.listen({ host: '127.0.0.1', port });
    this.app = app;
    const { port: bound } = app.server.address() as { port: number };
    return `http://127.0.0.1:${bound}`;
  }

  async stop(): Promise<void> {
    this.app?.server.closeAllConnections();
    await this.app?.close();
  }

  /**
   * Writes the data as a OneRoster 1.2 CSV bundle: `bulk` = every active record (status and
   * dateLastModified blank, as the binding allows), `delta` = records changed after `since`,
   * tobedeleted ones included. Malformed records are written broken, as served.
   */
  async writeBundle(path: string, opts: { mode: 'bulk' } | { mode: 'delta'; since: string }): Promise<Partial<Record<CsvFile, number>>> {
    const since = opts.mode === 'delta' ? Date.parse(opts.since) : -Infinity;
    const pick = (c: Collection) =>
      this.records(c)
        .filter((r) => (opts.mode === 'bulk' ? r.status === 'active' : Date.parse(r.dateLastModified) > since))
        .sort((a, b) => (a.sourcedId < b.sourcedId ? -1 : 1))
        .map((r) => this.served(c, r) as Record<string, unknown>);
    const students = pick('students');
    const lineItems = pick('lineItems');
    const files: Partial<Record<CsvFile, Record<string, unknown>[]>> = {
      orgs: pick('orgs'),
      users: students,
      roles: students.flatMap((u) =>
        ((u.roles as Record<string, unknown>[] | undefined) ?? []).map((role, i) => ({ ...role, sourcedId: `${u.sourcedId as string}-r${i}`, status: u.status, dateLastModified: u.dateLastModified, user: ref(u.sourcedId as string, 'user') })),
      ),
      demographics: pick('demographics'),
      academicSessions: pick('academicSessions'),
      courses: pick('courses'),
      classes: pick('classes'),
      enrollments: pick('enrollments'),
      categories: pick('categories'),
      lineItems,
      lineItemScoreScales: lineItems
        .filter((l) => l.scoreScale)
        .map((l) => ({ sourcedId: `${l.sourcedId as string}-ss`, status: l.status, dateLastModified: l.dateLastModified, lineItem: ref(l.sourcedId as string, 'lineItem'), scoreScale: l.scoreScale })),
      results: pick('results'),
      scoreScales: pick('scoreScales'),
    };
    // A delta lists only the files with changes; the others are absent.
    if (opts.mode === 'delta') for (const [k, rows] of Object.entries(files)) if (!rows?.length) delete files[k as CsvFile];
    await writeBundle(path, { mode: opts.mode, files, systemName: `OneRoster simulator ${this.municipalityCode}` });
    return Object.fromEntries(Object.entries(files).map(([k, rows]) => [k, rows!.length]));
  }

  // ── data ──

  private tick(): string {
    this.clock = this.live ? Math.max(this.clock + 1, Date.now()) : this.clock + 1;
    return new Date(this.clock).toISOString();
  }

  private put(collection: Collection, record: { sourcedId: string; status?: Obj['status'] } & Record<string, unknown>): void {
    this.store.get(collection)!.set(record.sourcedId, { status: 'active', ...record, dateLastModified: this.tick() } as Obj);
    this.sorted.set(collection, null);
  }

  private addSessions(): void {
    const y = this.schoolYearStart;
    const year = `as-${y}`;
    this.put('academicSessions', { sourcedId: year, title: `Skoleåret ${y}/${pad2((y + 1) % 100)}`, type: 'schoolYear', startDate: `${y}-08-01`, endDate: `${y + 1}-07-31`, schoolYear: String(y + 1) });
    this.put('academicSessions', { sourcedId: `${year}-h1`, title: '1. halvår', type: 'gradingPeriod', startDate: `${y}-08-01`, endDate: `${y + 1}-01-31`, schoolYear: String(y + 1), parent: ref(year, 'academicSession') });
    this.put('academicSessions', { sourcedId: `${year}-h2`, title: '2. halvår', type: 'gradingPeriod', startDate: `${y + 1}-02-01`, endDate: `${y + 1}-07-31`, schoolYear: String(y + 1), parent: ref(year, 'academicSession') });
  }

  private course(school: string, title: string, subject: string | null): string {
    const id = `crs-${school}-${slug(title)}`;
    if (!this.store.get('courses')!.has(id)) {
      this.put('courses', { sourcedId: id, title, ...(subject ? { subjects: [subject] } : {}), org: ref(school, 'org'), schoolYear: ref(`as-${this.schoolYearStart}`, 'academicSession') });
    }
    return id;
  }

  private homeroom(e: SynthEnrollment): string {
    const id = `cls-${e.schoolExternalId}-${slug(e.className)}`;
    if (!this.store.get('classes')!.has(id)) {
      this.put('classes', {
        sourcedId: id,
        title: e.className,
        classType: 'homeroom',
        grades: [pad2(e.gradeLevel)],
        course: ref(this.course(e.schoolExternalId, 'Stamklasse', null), 'course'),
        school: ref(e.schoolExternalId, 'org'),
        terms: [ref(`as-${this.schoolYearStart}`, 'academicSession')],
      });
      // The class teacher's enrolment: served, never read by the hub.
      this.put('enrollments', { sourcedId: `enr-${id}-teacher`, role: 'teacher', primary: true, user: ref(`tea-${id}`, 'user'), class: ref(id, 'class'), school: ref(e.schoolExternalId, 'org') });
    }
    return id;
  }

  private subjectClass(e: SynthEnrollment, subject: string): string {
    const id = `cls-${e.schoolExternalId}-${slug(e.className)}-${slug(subject)}`;
    if (!this.store.get('classes')!.has(id)) {
      this.put('classes', {
        sourcedId: id,
        title: `${subject} ${e.className}`,
        classType: 'scheduled',
        grades: [pad2(e.gradeLevel)],
        subjects: [subject],
        course: ref(this.course(e.schoolExternalId, subject, subject), 'course'),
        school: ref(e.schoolExternalId, 'org'),
        terms: [ref(`as-${this.schoolYearStart}`, 'academicSession')],
      });
    }
    return id;
  }

  // ── HTTP ──

  private token(req: FastifyRequest, reply: FastifyReply) {
    this.requests.set(this.tokenPath, (this.requests.get(this.tokenPath) ?? 0) + 1);
    const refused = refuseClientCredentials(req, this.credentials, { formCredentials: true });
    if (refused) return reply.code(refused.status).send({ error: refused.error });
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + TOKEN_TTL_S * 1000);
    return reply.send({ access_token: token, token_type: 'Bearer', expires_in: TOKEN_TTL_S, ...(form.get('scope') ? { scope: form.get('scope') } : {}) });
  }

  /** Auth, latency and injected failures common to every data request; true = answered already. */
  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const route = req.routeOptions.url ?? req.url;
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || (this.tokens.get(bearer) ?? 0) <= Date.now()) {
      reply.code(401).send(oneRosterError('unauthorized'));
      return true;
    }
    const n = ++this.requestNo;
    if (await injectFaults(this.faults, n)) {
      reply.code(503).send(oneRosterError('service unavailable (simulated)'));
      return true;
    }
    return false;
  }

  /** A collection page: filter, sort (default sourcedId), limit/offset, X-Total-Count and Link headers. */
  private async page(collection: Collection, req: FastifyRequest, reply: FastifyReply) {
    if (await this.gate(req, reply)) return;
    const q = req.query as { limit?: string; offset?: string; filter?: string; sort?: string; orderBy?: string };
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) return reply.code(400).send(oneRosterError('limit and offset must be non-negative integers'));
    let predicate: ((r: Obj) => boolean) | undefined;
    try {
      predicate = q.filter ? parseFilter(q.filter) : undefined;
    } catch (err) {
      return reply.code(400).send(oneRosterError((err as Error).message));
    }
    let list = this.sortedRecords(collection);
    if (q.sort && q.sort !== 'sourcedId') list = [...list].sort((a, b) => compare(String(a[q.sort!] ?? ''), String(b[q.sort!] ?? '')));
    if (q.orderBy === 'desc') list = [...list].reverse();
    const matching = predicate ? list.filter(predicate) : list;
    const items = matching.slice(offset, offset + Math.min(limit, MAX_LIMIT)).map((r) => this.served(collection, r));
    const url = new URL(req.url, 'http://sim');
    const link = (o: number, rel: string) => {
      url.searchParams.set('offset', String(o));
      url.searchParams.set('limit', String(limit));
      return `<${url.pathname}${url.search}>; rel="${rel}"`;
    };
    const links = [link(0, 'first'), link(Math.max(0, Math.floor((matching.length - 1) / limit) * limit), 'last')];
    if (offset + limit < matching.length) links.push(link(offset + limit, 'next'));
    if (offset > 0) links.push(link(Math.max(0, offset - limit), 'prev'));
    reply.header('X-Total-Count', String(matching.length)).header('Link', links.join(', '));
    return reply.send({ [COLLECTIONS[collection].key]: items });
  }

  private sortedRecords(collection: Collection): Obj[] {
    let list = this.sorted.get(collection);
    if (!list) {
      list = [...this.store.get(collection)!.values()].sort((a, b) => compare(a.sourcedId, b.sourcedId));
      this.sorted.set(collection, list);
    }
    return list;
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * OneRoster filter expressions: `field op 'value'` with = != > >= < <= ~ (contains), joined by
 * AND or OR (not mixed). dateLastModified compares as instants.
 */
export function parseFilter(expr: string): (r: Record<string, unknown>) => boolean {
  const hasAnd = / AND /.test(expr);
  const hasOr = / OR /.test(expr);
  if (hasAnd && hasOr) throw new Error('filter: AND and OR cannot be mixed');
  const preds = expr.split(hasOr ? / OR / : / AND /).map((part) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9.]*)\s*(>=|<=|!=|=|>|<|~)\s*'([^']*)'\s*$/.exec(part);
    if (!m) throw new Error(`filter: cannot read "${part.trim()}"`);
    const [, field, op, value] = m;
    const isTime = field === 'dateLastModified';
    const want = isTime ? Date.parse(value) : value;
    if (isTime && Number.isNaN(want)) throw new Error(`filter: "${value}" is not a DateTime`);
    return (r: Record<string, unknown>) => {
      const raw = field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), r);
      if (op === '~') return Array.isArray(raw) ? raw.map(String).includes(value) : String(raw ?? '').includes(value);
      const have = isTime ? Date.parse(String(raw)) : String(raw ?? '');
      switch (op) {
        case '=':
          return have === want;
        case '!=':
          return have !== want;
        case '>':
          return have > want;
        case '>=':
          return have >= want;
        case '<':
          return have < want;
        default:
          return have <= want;
      }
    };
  });
  return hasOr ? (r) => preds.some((p) => p(r)) : (r) => preds.every((p) => p(r));
}

/** One of the ways a real export goes wrong, chosen by the record's id. */
function corrupt(collection: Collection, r: Obj): Obj {
  const kind = (hashId(r.sourcedId) >>> 3) % 3;
  const copy: Record<string, unknown> = structuredClone(r);
  switch (collection) {
    case 'orgs':
      if (kind === 1) delete copy.name;
      else copy.identifier = kind === 0 ? '12345' : 'ABC123';
      break;
    case 'students':
      if (kind === 0) {
        // A broken CPR number; a pupil without one gets a broken UNI-Login id instead.
        const ids = copy.userIds as { type: string; identifier: string }[];
        const hasCpr = ids.some((u) => u.type === 'CPR');
        copy.userIds = ids.map((u) => (u.type === 'CPR' ? { ...u, identifier: '123456-78' } : !hasCpr && u.type === 'UNI-Login' ? { ...u, identifier: 'ugyldig login' } : u));
      }
      else if (kind === 1) delete copy.familyName;
      break;
    case 'demographics':
      // The third way a pupil goes wrong (same sourcedId, so the same kind as the user's).
      if (kind === 2) copy.birthDate = '2013-02-30';
      break;
    case 'enrollments':
      if (kind === 0) copy.beginDate = '2025-13-01';
      else if (kind === 1) copy.endDate = '1999-01-01';
      else delete copy.user;
      break;
    case 'results':
      if (kind === 0) Object.assign(copy, { textScore: '11', score: 11 });
      else if (kind === 1) Object.assign(copy, { textScore: '2', score: 2 });
      else copy.scoreDate = '2026-02-30';
      break;
    default:
      break;
  }
  return copy as Obj;
}
