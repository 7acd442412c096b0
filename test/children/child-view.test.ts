import { ChildrenPageDocument, ChildViewDocument } from '../../schema/client/graphql';
import { cprHmac } from '../../src/identity/cpr';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { generatePopulation, type SynthChild } from '../../src/synthetic/generator';
import { grantSyntheticConsents } from '../../src/synthetic/consents';
import { seedPopulation } from '../../src/synthetic/seed';
import { PartnerRole } from '../../src/partners/partner-role';
import { fetchToken, registerPartner } from '../support/partners';
import { execute, post } from '../support/graphql-client';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const CHILDREN = 40;
const HVIDOVRE = { code: '167', name: 'Hvidovre' };

describe('the child view over HTTP', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let generated: SynthChild[];
  const auth: Record<string, string> = {};
  const queries: string[] = [];

  beforeAll(async () => {
    rt = await createTestRuntime({ orm: { debug: ['query'], logger: (message: string) => queries.push(message) } });
    const population = generatePopulation({ seed: 11, children: CHILDREN, municipalities: [HVIDOVRE] });
    generated = [...population.children()];
    await seedPopulation(rt.orm.em.fork(), population, rt.config.CPR_HMAC_KEY);
    // A school app with a legal basis covering every category for every child.
    await grantSyntheticConsents(rt.orm.em.fork(), { municipalityCode: HVIDOVRE.code, role: PartnerRole.School, purposes: ['school_support'] });
    http = await startHttpServer(rt);
    const app = await registerPartner(rt, { municipalityCode: HVIDOVRE.code, municipalityName: HVIDOVRE.name, role: 'school', purposes: ['school_support'] });
    auth.authorization = `Bearer ${await fetchToken(new URL(http.url).origin, app.clientId, app.clientSecret)}`;
  });

  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  /** The hub id of a generated child, found through its CPR hash. */
  async function hubIdOf(child: SynthChild): Promise<string> {
    const [row] = await rt.orm.em.getConnection().execute<{ id: string }[]>('select id from child where cpr_hmac = ?', [
      cprHmac(child.cpr, rt.config.CPR_HMAC_KEY),
    ]);
    return row.id;
  }

  it('joins placements, enrolment, attendance summaries and grades for one child', async () => {
    // A child with grades, so every part of the view has data.
    const source = generated.find((c) => c.grades.length > 0 && c.placements.length > 1) ?? generated[0];
    const id = await hubIdOf(source);
    const res = await execute(http.url, ChildViewDocument, { id }, auth);
    expect(res.errors).toBeUndefined();
    const child = res.data!.child!;

    expect(child).toMatchObject({ id, firstName: source.firstName, lastName: source.lastName, birthDate: source.birthDate });
    expect(child.municipality!.code).toBe(source.municipalityCode);
    expect(child.placements!.map((p) => [p.placeName, p.startDate, p.endDate]).sort()).toEqual(
      source.placements.map((p) => [p.placeName, p.startDate, p.endDate]).sort(),
    );
    expect(child.placements!.filter((p) => p.current)).toHaveLength(source.placements.filter((p) => p.endDate === null).length);
    expect(child.enrollments).toHaveLength(source.enrollments.length);
    expect(child.grades!.map((g) => [g.subject, g.display, g.gradeDate]).sort()).toEqual(
      source.grades.map((g) => [g.subject, g.value, g.gradeDate]).sort(),
    );

    // Quarter summaries add up to the generated days.
    const days = source.attendance;
    const sum = (k: 'schoolDays' | 'unauthorisedDays' | 'illnessDays') => child.attendanceSummaries!.reduce((n, s) => n + s[k], 0);
    expect(sum('schoolDays')).toBe(days.length);
    expect(sum('unauthorisedDays')).toBe(days.filter((d) => d.status === 'unauthorised').length);
    expect(sum('illnessDays')).toBe(days.filter((d) => d.status === 'illness').length);
    for (const s of child.attendanceSummaries!) {
      const expected = Math.round(((10000 * (s.illnessDays + s.authorisedDays + s.unauthorisedDays)) / s.schoolDays)) / 100;
      expect(s.absencePercent).toBeCloseTo(expected, 2);
    }
  });

  it('never returns a CPR number or its hash', async () => {
    const res = await post(
      http.url,
      { query: `{ children(first: 100) { edges { node { id firstName lastName birthDate placements { legalBasis } } } } }` },
      auth,
    );
    const body = JSON.stringify(res);
    for (const c of generated) {
      expect(body).not.toContain(c.cpr);
      expect(body).not.toContain(c.cpr.replace('-', ''));
      expect(body).not.toContain(cprHmac(c.cpr, rt.config.CPR_HMAC_KEY));
    }
  });

  it('pages through every child exactly once', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await execute(http.url, ChildrenPageDocument, { first: 7, after }, auth);
      expect(res.errors).toBeUndefined();
      const conn = res.data!.children;
      seen.push(...conn.edges.map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(CHILDREN);
    expect(new Set(seen).size).toBe(CHILDREN);
    expect([...seen].sort()).toEqual(seen);
  });

  it('filters by municipality: the app’s own has every child, another has none', async () => {
    const res = await execute(http.url, ChildrenPageDocument, { first: 100, municipalityCode: HVIDOVRE.code }, auth);
    const codes = res.data!.children.edges.map((e) => e.node.municipality?.code);
    expect(codes).toHaveLength(CHILDREN);
    expect(new Set(codes)).toEqual(new Set([HVIDOVRE.code]));
    const other = await execute(http.url, ChildrenPageDocument, { first: 100, municipalityCode: '479' }, auth);
    expect(other.data!.children.edges).toEqual([]);
  });

  it('costs the same number of SQL queries for 5 or 25 children (no N+1)', async () => {
    const count = async (first: number) => {
      queries.length = 0;
      const res = await execute(http.url, ChildrenPageDocument, { first }, auth);
      expect(res.data!.children.edges).toHaveLength(first);
      return queries.filter((q) => /select/i.test(q)).length;
    };
    const small = await count(5);
    const large = await count(25);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
  });

  it('answers unknown and malformed input with stable codes', async () => {
    const unknown = await execute(http.url, ChildViewDocument, { id: '00000000-0000-4000-8000-000000000000' }, auth);
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(unknown.data?.child).toBeNull();

    const malformed = await execute(http.url, ChildViewDocument, { id: "1' or '1'='1" }, auth);
    expect(malformed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    for (const first of [0, 101]) {
      const res = await execute(http.url, ChildrenPageDocument, { first }, auth);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const badCursor = await execute(http.url, ChildrenPageDocument, { first: 5, after: 'bm90LWEtY3Vyc29y' }, auth);
    expect(badCursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const invalid = await post(http.url, { query: '{ child(id: "x") { cprNumber } }' }, auth);
    expect(invalid.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const parse = await post(http.url, { query: '{ child(' }, auth);
    expect(parse.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('reports health and readiness', async () => {
    const base = http.url.replace('/graphql', '');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, postgres: 'up', redis: 'up' });
  });
});
