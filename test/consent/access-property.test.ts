/**
 * Property: for random consent histories, what the API shows over HTTP (children listing,
 * child(id), field by field) equals the independent reference model in ./oracle.ts, for every
 * (child, partner app, purpose, data category). Both directions count as a mismatch: a category
 * the API shows that the oracle hides (a leak) and one the oracle shows that the API hides.
 *
 * Knobs (environment): ACCESS_PROPERTY_RUNS (default 12), ACCESS_PROPERTY_SEED (default random;
 * fast-check prints seed and path of a failure to replay it), ACCESS_PROPERTY_BUDGET_MS (default
 * 150000: runs and shrinking stop after it; raise it with the number of runs), ACCESS_PROPERTY_TIMING=1
 * (per-run timings on the console).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { cprHmac } from '../../src/identity/cpr';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { generatePopulation, type SynthChild } from '../../src/synthetic/generator';
import { seedPopulation } from '../../src/synthetic/seed';
import { post, type GraphQLResponse } from '../support/graphql-client';
import { fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';
import {
  CATEGORIES,
  ROLES,
  decideCategory,
  displayedStatus,
  type Category,
  type ModelChild,
  type ModelConsent,
  type Requester,
  type Role,
} from './oracle';

const NUM_RUNS = Number(process.env.ACCESS_PROPERTY_RUNS ?? 12);
const SEED = process.env.ACCESS_PROPERTY_SEED === undefined ? undefined : Number(process.env.ACCESS_PROPERTY_SEED);
const MIN_CASES = 10_000;
/** After this, fast-check skips further runs (a failure found by then is still reported, shrunk as far as it got). */
const TIME_BUDGET_MS = Number(process.env.ACCESS_PROPERTY_BUDGET_MS ?? 150_000);
jest.setTimeout(TIME_BUDGET_MS + 120_000);

const HOUR = 3_600_000;
const HVIDOVRE = { code: '167', name: 'Hvidovre' };
const SVENDBORG = { code: '479', name: 'Svendborg' };
const N_HVIDOVRE = 60;
const N_SVENDBORG = 5;

/** Purposes provisions may name; "research" is carried by no app. */
const PURPOSES = ['school_support', 'evaluation', 'care', 'case_work', 'administration', 'research'] as const;

const APP_SPECS = {
  schoolA: { municipality: HVIDOVRE, role: 'school', purposes: ['school_support'] },
  schoolB: { municipality: HVIDOVRE, role: 'school', purposes: ['school_support', 'evaluation'] },
  home: { municipality: HVIDOVRE, role: 'childrens_home', purposes: ['care'] },
  caseworker: { municipality: HVIDOVRE, role: 'caseworker', purposes: ['case_work', 'care'] },
  evaluator: { municipality: HVIDOVRE, role: 'evaluator', purposes: ['evaluation'] },
  admin: { municipality: HVIDOVRE, role: 'admin', purposes: ['administration'] },
  svSchool: { municipality: SVENDBORG, role: 'school', purposes: ['school_support'] },
  svAdmin: { municipality: SVENDBORG, role: 'admin', purposes: ['administration'] },
} as const satisfies Record<string, { municipality: { code: string; name: string }; role: Role; purposes: readonly string[] }>;
type AppKey = keyof typeof APP_SPECS;
const APP_KEYS = Object.keys(APP_SPECS) as AppKey[];
const HV_APPS = APP_KEYS.filter((k) => APP_SPECS[k].municipality === HVIDOVRE);
const SV_APPS = APP_KEYS.filter((k) => APP_SPECS[k].municipality === SVENDBORG);
/** Every (app, purpose) a token can ask with. */
const PAIRS = APP_KEYS.flatMap((app) => APP_SPECS[app].purposes.map((purpose) => ({ app, purpose })));

// ---------------------------------------------------------------------------------------------
// The generated world: per child a consent history, in hours relative to the run's start.
// No boundary is ever at offset 0, so the request time (seconds after the start) is always at
// least ~an hour from every validFrom/validTo/periodStart/periodEnd.

type GrantorChoice = 'LEGAL_BASIS' | 'CUSTODY_HOLDER' | 'YOUNG_PERSON';
interface GenProvision {
  effect: 'permit' | 'deny';
  recipient: { app: AppKey } | { role: Role };
  categories: Category[];
  purposes: string[];
  period: { start: number | null; end: number | null };
}
interface GenGrant {
  grantor: GrantorChoice;
  /** null: validFrom omitted (the server's now). */
  from: number | null;
  /** null: no validTo; otherwise validTo = (from ?? 0) + toDelta hours. */
  toDelta: number | null;
  provisions: GenProvision[];
  /** Supersede the consent this many grants back (if it is still active). */
  supersedesBack: number | null;
  withdraw: boolean;
}
/**
 * A blanket grant for one role on every Hvidovre child, in force, expired, not yet in force, or
 * cancelled by a deny: more than one candidate batch of children for the listing to page through.
 */
type BlanketWindow = 'current' | 'expired' | 'future' | 'denied';
interface World {
  hv: GenGrant[][];
  sv: GenGrant[][];
  blanket: { role: Role; windows: BlanketWindow[] } | null;
  pageSize: number;
  /** Per (app, purpose): which Hvidovre children (13) and which Svendborg child to ask child(id) about. */
  probes: { hv: number[]; sv: number }[];
}

const nonZeroHour = (min: number, max: number) => fc.integer({ min, max }).map((h) => (h === 0 ? 1 : h));
const weighted = <T>(...choices: [number, fc.Arbitrary<T>][]) => fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const periodArb = weighted<{ start: number | null; end: number | null }>(
  [3, fc.constant({ start: null, end: null })],
  [
    2,
    fc.record({ start: fc.option(nonZeroHour(-96, 96), { nil: null }), end: fc.option(nonZeroHour(-96, 96), { nil: null }) }).map(({ start, end }) => {
      if (start === null || end === null || start < end) return { start, end };
      if (start === end) return { start, end: end === -1 ? 1 : end + 1 };
      return { start: end, end: start };
    }),
  ],
);

/** The purposes the recipient's apps carry (so that a good share of provisions can match). */
const naturalPurposes = (recipient: GenProvision['recipient']): string[] => {
  const keys = 'app' in recipient ? [recipient.app] : APP_KEYS.filter((k) => APP_SPECS[k].role === recipient.role);
  return [...new Set(keys.flatMap((k) => APP_SPECS[k].purposes))];
};

const provisionArb = (apps: AppKey[]): fc.Arbitrary<GenProvision> =>
  fc
    .record({
      effect: weighted<'permit' | 'deny'>([3, fc.constant('permit')], [1, fc.constant('deny')]),
      recipient: weighted<GenProvision['recipient']>([1, fc.constantFrom(...apps).map((app) => ({ app }))], [3, fc.constantFrom(...ROLES).map((role) => ({ role }))]),
      categories: weighted<Category[]>([1, fc.constant([...CATEGORIES])], [3, fc.subarray([...CATEGORIES], { minLength: 1 })]),
      purposes: weighted<string[] | 'natural'>([2, fc.constant('natural')], [1, fc.subarray([...PURPOSES], { minLength: 1, maxLength: 3 })]),
      period: periodArb,
    })
    .map((p) => ({ ...p, purposes: p.purposes === 'natural' ? naturalPurposes(p.recipient) : p.purposes }));

const grantArb = (apps: AppKey[]): fc.Arbitrary<GenGrant> =>
  fc.record({
    grantor: weighted<GrantorChoice>([4, fc.constant('LEGAL_BASIS')], [1, fc.constant('CUSTODY_HOLDER')], [1, fc.constant('YOUNG_PERSON')]),
    from: weighted<number | null>([1, fc.constant(null)], [2, nonZeroHour(-240, 48)]),
    toDelta: weighted<number | null>([1, fc.constant(null)], [1, fc.integer({ min: 1, max: 240 })]),
    provisions: fc.array(provisionArb(apps), { minLength: 1, maxLength: 4 }),
    supersedesBack: weighted<number | null>([3, fc.constant(null)], [1, fc.nat(2)]),
    withdraw: weighted<boolean>([4, fc.constant(false)], [1, fc.constant(true)]),
  });

const historyArb = (apps: AppKey[]) => fc.array(grantArb(apps), { maxLength: 4 });

const worldArb: fc.Arbitrary<World> = fc.record({
  hv: fc.array(historyArb(HV_APPS), { minLength: N_HVIDOVRE, maxLength: N_HVIDOVRE }),
  sv: fc.array(historyArb(SV_APPS), { minLength: N_SVENDBORG, maxLength: N_SVENDBORG }),
  blanket: fc.option(
    fc.record({
      role: fc.constantFrom(...ROLES),
      windows: fc.array(fc.constantFrom<BlanketWindow>('current', 'expired', 'future', 'denied'), { minLength: N_HVIDOVRE, maxLength: N_HVIDOVRE }),
    }),
    { nil: null, freq: 2 },
  ),
  pageSize: fc.constantFrom(6, 17, 50, 100),
  probes: fc.noShrink(
    fc.array(
      fc.record({
        hv: fc.shuffledSubarray(
          Array.from({ length: N_HVIDOVRE }, (_, i) => i),
          { minLength: 13, maxLength: 13 },
        ),
        sv: fc.nat(N_SVENDBORG - 1),
      }),
      { minLength: PAIRS.length, maxLength: PAIRS.length },
    ),
  ),
});

function blanketGrant(role: Role, window: BlanketWindow): GenGrant {
  const provision = (effect: 'permit' | 'deny'): GenProvision => ({
    effect,
    recipient: { role },
    categories: [...CATEGORIES],
    purposes: naturalPurposes({ role }),
    period: { start: null, end: null },
  });
  const times = { current: [-48, null], expired: [-96, 48], future: [24, null], denied: [-48, null] }[window];
  return {
    grantor: 'LEGAL_BASIS',
    from: times[0],
    toDelta: times[1],
    provisions: window === 'denied' ? [provision('permit'), provision('deny')] : [provision('permit')],
    supersedesBack: null,
    withdraw: false,
  };
}

/** A grant after resolving what the history can mean: which earlier consent it replaces, its final status. */
interface PlannedGrant extends GenGrant {
  supersedes: number | null;
  status: 'active' | 'withdrawn' | 'superseded';
}

function plan(history: GenGrant[]): PlannedGrant[] {
  const out: PlannedGrant[] = [];
  history.forEach((g, k) => {
    let supersedes: number | null = null;
    if (g.supersedesBack !== null) {
      const j = k - 1 - g.supersedesBack;
      if (j >= 0 && out[j].status === 'active') {
        supersedes = j;
        out[j].status = 'superseded';
      }
    }
    out.push({ ...g, supersedes, status: 'active' });
  });
  // Withdrawals come after every grant; only a consent that is still active can be withdrawn.
  out.forEach((p) => p.withdraw && p.status === 'active' && (p.status = 'withdrawn'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the API's answer: which categories a child object shows.

const CHILD_SELECTION =
  'id firstName lastName birthDate municipality { code } enrollments { id } currentEnrollment { id } placements { id } team { id } ' +
  'attendanceSummaries { periodStart } grades { id } wellbeing { surveyYear } interventions { id } alerts { periodStart }';
const FIELD_CATEGORY: Record<string, Category> = {
  firstName: 'identity',
  lastName: 'identity',
  birthDate: 'identity',
  municipality: 'identity',
  enrollments: 'identity',
  currentEnrollment: 'identity',
  placements: 'placement',
  team: 'team',
  attendanceSummaries: 'attendance',
  grades: 'grades',
  wellbeing: 'wellbeing',
  interventions: 'interventions',
  alerts: 'alerts',
};
/** Fields that may legitimately be null while their category is visible. */
const NULLABLE_WHEN_VISIBLE = new Set(['currentEnrollment', 'birthDate']);

type GqlError = NonNullable<GraphQLResponse<unknown>['errors']>[number] & { extensions?: { code?: string; category?: string } };
const pathKey = (path: readonly (string | number)[] | undefined) => JSON.stringify(path ?? []);

/** Errors of one response by path; `take` marks an error as explained so leftovers can be reported. */
class ErrorIndex {
  private readonly byPath = new Map<string, GqlError[]>();
  private readonly used = new Set<GqlError>();
  constructor(private readonly errors: GqlError[] = []) {
    for (const e of errors) this.byPath.set(pathKey(e.path), [...(this.byPath.get(pathKey(e.path)) ?? []), e]);
  }
  take(path: (string | number)[]): GqlError[] {
    const found = this.byPath.get(pathKey(path)) ?? [];
    found.forEach((e) => this.used.add(e));
    return found;
  }
  leftovers(): GqlError[] {
    return this.errors.filter((e) => !this.used.has(e));
  }
}

/** The categories a child node shows, or a protocol problem (inconsistent fields, odd errors). */
function shownCategories(node: Record<string, unknown>, errors: ErrorIndex, prefix: (string | number)[]): { shown: Set<Category>; problems: string[] } {
  const problems: string[] = [];
  const perCategory = new Map<Category, boolean[]>();
  for (const [field, category] of Object.entries(FIELD_CATEGORY)) {
    const value = node[field];
    const errs = errors.take([...prefix, field]);
    let visible: boolean;
    if (errs.length) {
      visible = false;
      for (const e of errs) {
        if (e.extensions?.code !== 'CONSENT_REQUIRED') problems.push(`${field}: error ${e.extensions?.code} ${e.message}`);
        else if (e.extensions.category !== category) problems.push(`${field}: CONSENT_REQUIRED names category ${e.extensions.category}, field belongs to ${category}`);
      }
      if (value !== null) problems.push(`${field}: has a value and an error`);
    } else if (value === null || value === undefined) {
      visible = true;
      if (!NULLABLE_WHEN_VISIBLE.has(field)) problems.push(`${field}: null without a CONSENT_REQUIRED error`);
    } else visible = true;
    perCategory.set(category, [...(perCategory.get(category) ?? []), visible]);
  }
  const shown = new Set<Category>();
  for (const [category, flags] of perCategory) {
    if (flags.some((f) => f !== flags[0])) problems.push(`fields of ${category} disagree: ${JSON.stringify(flags)}`);
    if (flags.every(Boolean)) shown.add(category);
  }
  return { shown, problems };
}

// ---------------------------------------------------------------------------------------------

interface KnownChild {
  index: number;
  id: string;
  municipality: string;
  birthDate: string;
  custodyHolderId: string | null;
  synth: SynthChild;
}

const ageOn = (birthDate: string, at: Date) => {
  const [y, m, d] = birthDate.split('-').map(Number);
  const age = at.getUTCFullYear() - y;
  return at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d) ? age - 1 : age;
};

const chunk = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

describe('the access decision over HTTP matches the reference model', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  const apps = {} as Record<AppKey, { id: string; token: string }>;
  const known: KnownChild[] = [];
  const hvChildren: KnownChild[] = [];
  const svChildren: KnownChild[] = [];

  const stats = {
    runs: 0,
    listCases: 0,
    childCases: 0,
    visibleCases: 0,
    denyOverPermit: 0,
    notFound: 0,
    crossMunicipalityListings: 0,
    listedChildren: 0,
    statusChecks: 0,
    consentsGranted: 0,
    superseded: 0,
    withdrawn: 0,
    requests: 0,
  };

  async function gql<T = Record<string, unknown>>(who: AppKey, query: string, variables: Record<string, unknown>, purpose?: string) {
    stats.requests++;
    const headers: Record<string, string> = { authorization: `Bearer ${apps[who].token}` };
    if (purpose) headers['x-skolebro-purpose'] = purpose;
    const res = await post<T>(http.url, { query, variables }, headers);
    if (res.status === 429) throw new Error(`rate limited: ${JSON.stringify(res.errors)}`);
    return res as GraphQLResponse<T> & { errors?: GqlError[] };
  }

  beforeAll(async () => {
    rt = await createTestRuntime();
    const em = rt.orm.em.fork();
    const hv = generatePopulation({ seed: 4711, children: N_HVIDOVRE, municipalities: [HVIDOVRE] });
    const sv = generatePopulation({ seed: 4712, children: N_SVENDBORG, municipalities: [SVENDBORG] });
    await seedPopulation(em, hv, rt.config.CPR_HMAC_KEY);
    await seedPopulation(rt.orm.em.fork(), sv, rt.config.CPR_HMAC_KEY);
    const { rows } = await rawQuery<{ id: string; cpr_hmac: string; code: string; birth_date: string; holder: string | null }>(
      rt.orm.em.fork(),
      `select c.id, c.cpr_hmac, m.code, c.birth_date::text as birth_date,
              (select h.id from custody_holder h where h.child_id = c.id order by h.id limit 1) as holder
       from child c join municipality m on m.id = c.municipality_id`,
      [],
    );
    const byKey = new Map(rows.map((r) => [`${r.code}:${r.cpr_hmac}`, r]));
    for (const [list, synth] of [
      [hvChildren, [...hv.children()]],
      [svChildren, [...sv.children()]],
    ] as const) {
      for (const c of synth) {
        const row = byKey.get(`${c.municipalityCode}:${cprHmac(c.cpr, rt.config.CPR_HMAC_KEY)}`);
        if (!row) throw new Error(`seeded child ${c.externalId} not found`);
        const k: KnownChild = { index: known.length, id: row.id, municipality: row.code, birthDate: row.birth_date, custodyHolderId: row.holder, synth: c };
        list.push(k);
        known.push(k);
      }
    }
    expect(rows).toHaveLength(N_HVIDOVRE + N_SVENDBORG);
    expect(new Set(known.map((k) => k.id)).size).toBe(known.length);

    http = await startHttpServer(rt);
    const origin = new URL(http.url).origin;
    for (const key of APP_KEYS) {
      const spec = APP_SPECS[key];
      const app = await registerPartner(rt, {
        municipalityCode: spec.municipality.code,
        municipalityName: spec.municipality.name,
        role: spec.role,
        purposes: [...spec.purposes],
        name: `property ${key}`,
      });
      apps[key] = { id: app.appId, token: await fetchToken(origin, app.clientId, app.clientSecret) };
    }
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  /** Records the world through the admin API; returns the oracle's model of every known child. */
  async function applyWorld(
    world: World,
    base: number,
    run: number,
  ): Promise<{ models: Map<string, ModelChild>; plans: Map<string, PlannedGrant[]>; checkStatuses: () => Promise<void> }> {
    const iso = (hours: number) => new Date(base + hours * HOUR).toISOString();
    const entries = [
      ...hvChildren.map((child, i) => ({
        child,
        admin: 'admin' as AppKey,
        planned: plan(world.blanket ? [blanketGrant(world.blanket.role, world.blanket.windows[i]), ...world.hv[i]] : world.hv[i]),
      })),
      ...svChildren.map((child, i) => ({ child, admin: 'svAdmin' as AppKey, planned: plan(world.sv[i]) })),
    ];
    const ids = new Map<string, string[]>(); // child id -> consent ids by grant index
    const consents = new Map<string, ModelConsent[]>();
    for (const e of entries) {
      ids.set(e.child.id, []);
      consents.set(e.child.id, []);
    }

    const grantorOf = (child: KnownChild, g: PlannedGrant) => {
      const from = new Date(base + (g.from ?? 0) * HOUR);
      if (g.grantor === 'CUSTODY_HOLDER' && child.custodyHolderId) return { grantorKind: 'CUSTODY_HOLDER', custodyHolderId: child.custodyHolderId };
      // Only well clear of the 15th birthday, so the age check cannot depend on the minute.
      if (g.grantor === 'YOUNG_PERSON' && ageOn(child.birthDate, new Date(from.getTime() - 30 * 24 * HOUR)) >= 15) return { grantorKind: 'YOUNG_PERSON' };
      return { grantorKind: 'LEGAL_BASIS', legalBasis: 'Barnets lov §46' };
    };

    const maxGrants = Math.max(0, ...entries.map((e) => e.planned.length));
    for (let round = 0; round < maxGrants; round++) {
      // Within a round the batches are independent (a grant only replaces one of an earlier round).
      const batches = (['admin', 'svAdmin'] as AppKey[]).flatMap((admin) =>
        chunk(
          entries.filter((e) => e.admin === admin && e.planned.length > round),
          15,
        ).map((batch) => ({ admin, batch })),
      );
      await Promise.all(
        batches.map(async ({ admin, batch }) => {
          const variables: Record<string, unknown> = {};
          const inputs = batch.map(({ child, planned }, i) => {
            const g = planned[round];
            const to = g.toDelta === null ? null : (g.from ?? 0) + g.toDelta || 1;
            const input = {
              childId: child.id,
              ...grantorOf(child, g),
              evidenceRef: `property run ${run}`,
              ...(g.from === null ? {} : { validFrom: iso(g.from) }),
              ...(to === null ? {} : { validTo: iso(to) }),
              ...(g.supersedes === null ? {} : { supersedesId: ids.get(child.id)![g.supersedes] }),
              provisions: g.provisions.map((p) => ({
                effect: p.effect.toUpperCase(),
                ...('app' in p.recipient ? { recipientPartnerAppId: apps[p.recipient.app].id } : { recipientRole: p.recipient.role.toUpperCase() }),
                categories: p.categories.map((c) => c.toUpperCase()),
                purposes: p.purposes,
                ...(p.period.start === null ? {} : { periodStart: iso(p.period.start) }),
                ...(p.period.end === null ? {} : { periodEnd: iso(p.period.end) }),
              })),
            };
            variables[`i${i}`] = input;
            return { child, g, to, input };
          });
          const query = `mutation Grants(${inputs.map((_, i) => `$i${i}: GrantConsentInput!`).join(', ')}) {
            ${inputs.map((_, i) => `g${i}: grantConsent(input: $i${i}) { id status validFrom validTo supersedesId }`).join('\n')}
          }`;
          const res = await gql<Record<string, { id: string; status: string; validFrom: string; validTo: string | null; supersedesId: string | null }>>(admin, query, variables);
          if (res.errors?.length || !res.data) throw new Error(`grantConsent failed: ${JSON.stringify(res.errors)} for ${JSON.stringify(inputs.map((x) => x.input))}`);
          inputs.forEach(({ child, g, to, input }, i) => {
            const out = res.data![`g${i}`];
            const validFrom = Date.parse(out.validFrom);
            if (g.from !== null && validFrom !== base + g.from * HOUR) throw new Error(`validFrom did not round-trip: ${JSON.stringify({ input, out })}`);
            if ((out.validTo === null ? null : Date.parse(out.validTo)) !== (to === null ? null : base + to * HOUR)) throw new Error(`validTo did not round-trip: ${JSON.stringify({ input, out })}`);
            ids.get(child.id)!.push(out.id);
            stats.consentsGranted++;
            consents.get(child.id)!.push({
              status: g.status,
              validFrom,
              validTo: to === null ? null : base + to * HOUR,
              provisions: g.provisions.map((p) => ({
                effect: p.effect,
                recipient: 'app' in p.recipient ? { app: apps[p.recipient.app].id } : { role: p.recipient.role },
                categories: p.categories,
                purposes: p.purposes,
                periodStart: p.period.start === null ? null : base + p.period.start * HOUR,
                periodEnd: p.period.end === null ? null : base + p.period.end * HOUR,
              })),
            });
          });
        }),
      );
    }

    for (const admin of ['admin', 'svAdmin'] as AppKey[]) {
      const todo = entries
        .filter((e) => e.admin === admin)
        .flatMap((e) => e.planned.map((g, k) => ({ g, id: ids.get(e.child.id)![k] })).filter(({ g }) => g.status === 'withdrawn'));
      stats.withdrawn += todo.length;
      for (const batch of chunk(todo, 15)) {
        const query = `mutation Withdraw(${batch.map((_, i) => `$w${i}: WithdrawConsentInput!`).join(', ')}) {
          ${batch.map((_, i) => `w${i}: withdrawConsent(input: $w${i}) { id status }`).join('\n')}
        }`;
        const res = await gql<Record<string, { status: string }>>(admin, query, Object.fromEntries(batch.map((b, i) => [`w${i}`, { id: b.id, reason: 'property test' }])));
        if (res.errors?.length) throw new Error(`withdrawConsent failed: ${JSON.stringify(res.errors)}`);
        batch.forEach((_, i) => expect(res.data![`w${i}`].status).toBe('WITHDRAWN'));
      }
    }
    stats.superseded += entries.reduce((n, e) => n + e.planned.filter((g) => g.status === 'superseded').length, 0);

    // The admin view of every consent's status ("expired" = active past validTo), checked
    // alongside the partner queries.
    const checkStatuses = async () => {
      for (const admin of ['admin', 'svAdmin'] as AppKey[]) {
        const mine = entries.filter((e) => e.admin === admin && e.planned.length > 0);
        for (const batch of chunk(mine, 15)) {
          const query = `query Statuses(${batch.map((_, i) => `$c${i}: ID!`).join(', ')}) {
            ${batch.map((_, i) => `s${i}: consents(childId: $c${i}) { id status }`).join('\n')}
          }`;
          const t = Date.now();
          const res = await gql<Record<string, { id: string; status: string }[]>>(admin, query, Object.fromEntries(batch.map((b, i) => [`c${i}`, b.child.id])));
          if (res.errors?.length) throw new Error(`consents failed: ${JSON.stringify(res.errors)}`);
          batch.forEach((e, i) => {
            const got = new Map(res.data![`s${i}`].map((c) => [c.id, c.status]));
            const expected = new Map(ids.get(e.child.id)!.map((id, k) => [id, displayedStatus(consents.get(e.child.id)![k], t)]));
            stats.statusChecks += expected.size;
            if (JSON.stringify([...got].sort()) !== JSON.stringify([...expected].sort())) {
              throw new Error(`consent statuses differ for child ${e.child.index}: API ${JSON.stringify([...got])}, expected ${JSON.stringify([...expected])}`);
            }
          });
        }
      }
    };

    const models = new Map<string, ModelChild>();
    const plans = new Map<string, PlannedGrant[]>();
    for (const e of entries) {
      models.set(e.child.id, { municipality: e.child.municipality, consents: consents.get(e.child.id)! });
      plans.set(e.child.id, e.planned);
    }
    return { models, plans, checkStatuses };
  }

  it(`shows exactly what the reference model allows, over at least ${MIN_CASES} (child, app, purpose, category) cases`, async () => {
    const started = Date.now();
    let run = 0;

    const property = fc.asyncProperty(worldArb, async (world) => {
      run++;
      stats.runs++;
      // Fresh consents for this run (test database only; provisions and events go with them —
      // truncate, since consent rows refuse having their terms, such as supersedes, rewritten).
      await rawQuery(rt.orm.em.fork(), 'truncate consent cascade', []);
      const base = Date.now();
      const { models, plans, checkStatuses } = await applyWorld(world, base, run);
      const tApplied = Date.now();

      const mismatches: string[] = [];
      const timing = { list: 0, child: 0 };
      const describeChild = (child: KnownChild) => {
        const rel = (t: number | null) => (t === null ? null : `${Math.round((t - base) / 6e4) / 60}h`);
        return {
          index: child.index,
          id: child.id,
          municipality: child.municipality,
          consents: models.get(child.id)!.consents.map((c, k) => ({
            status: c.status,
            supersedes: plans.get(child.id)![k].supersedes,
            validFrom: rel(c.validFrom),
            validTo: rel(c.validTo),
            provisions: c.provisions.map((p) => ({
              effect: p.effect,
              recipient: p.recipient.app ? { app: APP_KEYS.find((key) => apps[key].id === p.recipient.app) } : p.recipient,
              categories: p.categories,
              purposes: p.purposes,
              period: [rel(p.periodStart), rel(p.periodEnd)],
            })),
          })),
        };
      };

      /** The oracle's categories, the same at both ends of the request's time window. */
      const expectedAt = (child: KnownChild, who: Requester, t0: number, t1: number) => {
        const out = new Map<Category, ReturnType<typeof decideCategory>>();
        for (const k of CATEGORIES) {
          const a = decideCategory(models.get(child.id)!, who, k, t0);
          const b = decideCategory(models.get(child.id)!, who, k, t1);
          if (a.visible !== b.visible) throw new Error(`a validity boundary fell inside the request window (test set-up problem): child ${child.index} ${k}`);
          out.set(k, a);
        }
        return out;
      };

      const compare = (where: string, appKey: AppKey, who: Requester, child: KnownChild, shown: Set<Category>, t0: number, t1: number) => {
        const expected = expectedAt(child, who, t0, t1);
        for (const k of CATEGORIES) {
          const d = expected.get(k)!;
          if (d.visible) stats.visibleCases++;
          if (d.permitted && d.denied) stats.denyOverPermit++;
          if (shown.has(k) !== d.visible) {
            mismatches.push(
              `${shown.has(k) ? 'LEAK (API shows, oracle hides)' : 'MISSING (oracle shows, API hides)'} via ${where}: ` +
                JSON.stringify({ app: appKey, role: who.role, municipality: who.municipality, purpose: who.purpose, category: k, oracle: d, apiShows: [...shown], child: describeChild(child) }),
            );
          }
        }
      };

      await Promise.all([
        checkStatuses(),
        ...PAIRS.map(async ({ app, purpose }, pairIndex) => {
          const spec = APP_SPECS[app];
          const who: Requester = { appId: apps[app].id, role: spec.role, municipality: spec.municipality.code, purpose };
          const header = spec.purposes.length > 1 ? purpose : undefined;

          // 1. The listing, page by page.
          const listed = new Map<string, { shown: Set<Category>; t0: number; t1: number }>();
          const order: string[] = [];
          const listStart = Date.now();
          let after: string | null = null;
          for (let page = 0; ; page++) {
            if (page > 100) throw new Error('children: paging does not end');
            const t0 = Date.now();
            const res: GraphQLResponse<{ children: { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }> & {
              errors?: GqlError[];
            } = await gql(
              app,
              `query Page($first: Int!, $after: String) { children(first: $first, after: $after) { edges { cursor node { ${CHILD_SELECTION} } } pageInfo { hasNextPage endCursor } } }`,
              { first: world.pageSize, after },
              header,
            );
            const t1 = Date.now();
            if (!res.data?.children) throw new Error(`children failed for ${app}/${purpose}: ${JSON.stringify(res.errors)}`);
            const errors = new ErrorIndex(res.errors);
            const { edges, pageInfo } = res.data.children;
            if (edges.length > world.pageSize) mismatches.push(`children(first: ${world.pageSize}) answered ${edges.length} edges for ${app}/${purpose}`);
            edges.forEach(({ node }, i) => {
              const id = String(node.id);
              const child = known.find((k) => k.id === id);
              if (!child) return mismatches.push(`children for ${app}/${purpose} lists an unknown child ${id}`);
              if (listed.has(id)) return mismatches.push(`children for ${app}/${purpose} lists child ${child.index} twice`);
              const { shown, problems } = shownCategories(node, errors, ['children', 'edges', i, 'node']);
              problems.forEach((p) => mismatches.push(`children for ${app}/${purpose}, child ${child.index}: ${p}`));
              listed.set(id, { shown, t0, t1 });
              order.push(id);
            });
            errors.leftovers().forEach((e) => mismatches.push(`children for ${app}/${purpose}: unexpected error ${JSON.stringify(e)}`));
            if (!pageInfo.hasNextPage) break;
            if (!pageInfo.endCursor || edges.length === 0) throw new Error(`children for ${app}/${purpose}: hasNextPage without a cursor or edges`);
            after = pageInfo.endCursor;
          }
          const listEnd = Date.now();
          if (order.some((id, i) => i > 0 && order[i - 1] >= id)) mismatches.push(`children for ${app}/${purpose} is not ordered by id`);
          stats.listedChildren += listed.size;
          for (const child of known) {
            const l = listed.get(child.id);
            // A child that is not listed shows nothing; a listed one shows at least one category.
            if (l && l.shown.size === 0) mismatches.push(`children for ${app}/${purpose} lists child ${child.index} with no visible category`);
            compare('children', app, who, child, l?.shown ?? new Set(), l?.t0 ?? listStart, l?.t1 ?? listEnd);
            stats.listCases += CATEGORIES.length;
          }

          // Naming the other municipality in the listing changes nothing: its children never appear.
          const other = spec.municipality === HVIDOVRE ? SVENDBORG : HVIDOVRE;
          const elsewhere = await gql<{ children: { edges: { node: { id: string } }[] } }>(
            app,
            `query Elsewhere($code: String) { children(first: 100, municipalityCode: $code) { edges { node { id } } } }`,
            { code: other.code },
            header,
          );
          if (elsewhere.errors?.length || !elsewhere.data) mismatches.push(`children(municipalityCode: ${other.code}) for ${app}/${purpose} failed: ${JSON.stringify(elsewhere.errors)}`);
          else if (elsewhere.data.children.edges.length) mismatches.push(`children(municipalityCode: ${other.code}) for ${app}/${purpose} lists ${JSON.stringify(elsewhere.data.children.edges)}`);
          stats.crossMunicipalityListings++;
          timing.list += Date.now() - listStart;
          const childStart = Date.now();
          // 2. child(id) for a sample of 14 children (one of another municipality for the Hvidovre
          // apps, and vice versa) plus an unknown id, in one request.
          const probe = world.probes[pairIndex];
          for (const batch of [[...probe.hv.map((i) => hvChildren[i]), svChildren[probe.sv]]]) {
            const unknownId = randomUUID();
            const aliases = [...batch.map((c) => c.id), unknownId];
            const query = `query One(${aliases.map((_, i) => `$id${i}: ID!`).join(', ')}) {
              ${aliases.map((_, i) => `c${i}: child(id: $id${i}) { ${CHILD_SELECTION} }`).join('\n')}
            }`;
            const t0 = Date.now();
            const res = await gql<Record<string, Record<string, unknown> | null>>(app, query, Object.fromEntries(aliases.map((id, i) => [`id${i}`, id])), header);
            const t1 = Date.now();
            if (!res.data) throw new Error(`child failed for ${app}/${purpose}: ${JSON.stringify(res.errors)}`);
            const errors = new ErrorIndex(res.errors);
            const notFound = (i: number) => {
              const errs = errors.take([`c${i}`]);
              return res.data![`c${i}`] === null && errs.length === 1 && errs[0].extensions?.code === 'NOT_FOUND' ? errs[0].message : null;
            };
            const unknownMessage = notFound(aliases.length - 1);
            if (unknownMessage === null) mismatches.push(`child(unknown id) for ${app}/${purpose} did not answer NOT_FOUND`);
            batch.forEach((child, i) => {
              const node = res.data![`c${i}`];
              let shown = new Set<Category>();
              if (node === null) {
                const message = notFound(i);
                if (message === null) mismatches.push(`child(${child.index}) for ${app}/${purpose}: null without exactly one NOT_FOUND error`);
                else if (message !== unknownMessage) mismatches.push(`child(${child.index}) for ${app}/${purpose}: NOT_FOUND message "${message}" differs from an unknown id's "${unknownMessage}"`);
                stats.notFound++;
              } else {
                if (node.id !== child.id) mismatches.push(`child(${child.index}) answered id ${String(node.id)}`);
                const r = shownCategories(node, errors, [`c${i}`]);
                r.problems.forEach((p) => mismatches.push(`child(${child.index}) for ${app}/${purpose}: ${p}`));
                if (r.shown.size === 0) mismatches.push(`child(${child.index}) for ${app}/${purpose} answered with no visible category instead of NOT_FOUND`);
                shown = r.shown;
              }
              compare('child(id)', app, who, child, shown, t0, t1);
              stats.childCases += CATEGORIES.length;
            });
            errors.leftovers().forEach((e) => mismatches.push(`child(id) for ${app}/${purpose}: unexpected error ${JSON.stringify(e)}`));
          }
          timing.child += Date.now() - childStart;
        }),
      ]);

      if (process.env.ACCESS_PROPERTY_TIMING) console.log(`run ${run}: apply ${tApplied - base} ms, queries ${Date.now() - tApplied} ms ${JSON.stringify(timing)}`);
      if (mismatches.length) {
        throw new Error(`${mismatches.length} mismatch(es) in run ${run} (page size ${world.pageSize}); first ones:\n${mismatches.slice(0, 3).join('\n\n')}`);
      }
    });

    const seed = SEED ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
    await fc.assert(property, {
      numRuns: NUM_RUNS,
      seed,
      skipAllAfterTimeLimit: TIME_BUDGET_MS,
      includeErrorInReport: true,
    });

    const seconds = (Date.now() - started) / 1000;
    const cases = stats.listCases + stats.childCases;
    console.log(
      `access property (seed ${seed}): ${cases} (child, app, purpose, category) cases checked with 0 mismatches ` +
        `(${stats.listCases} via children, ${stats.childCases} via child(id); ${stats.visibleCases} visible, ${stats.denyOverPermit} where a deny beat a permit, ` +
        `${stats.notFound} NOT_FOUND answers), ${stats.crossMunicipalityListings} listings naming the other municipality, ${stats.statusChecks} consent statuses, ${stats.runs} worlds, ${stats.consentsGranted} consents granted ` +
        `(${stats.superseded} superseded, ${stats.withdrawn} withdrawn), ${stats.requests} HTTP requests, ${seconds.toFixed(1)} s`,
    );
    expect(stats.runs).toBe(NUM_RUNS);
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
    // The worlds must exercise both answers and the deny-beats-permit rule, or the property says little.
    expect(stats.visibleCases).toBeGreaterThan(cases / 50);
    expect(stats.denyOverPermit).toBeGreaterThan(0);
  });
});
