import { ChildAlertsDocument, GrantConsentDocument, type ChildAlertsQuery, type ConsentProvisionInput, type GrantConsentInput } from '../../schema/client/graphql';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { generatePopulation } from '../../src/synthetic/generator';
import { seedPopulation } from '../../src/synthetic/seed';
import { execute, type GraphQLResponse } from '../support/graphql-client';
import { fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };

/** The partner operation ChildAlerts: absence alerts are their own category, shown only with consent naming it. */
describe('the ChildAlerts operation', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  const tokens: Record<string, string> = {};
  const apps: Record<string, string> = {};
  const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

  /** Children with / without a quarter over the 10 % unauthorised-absence threshold, most alerts first. */
  let alerted: string[];
  let quiet: string[];

  beforeAll(async () => {
    rt = await createTestRuntime();
    await seedPopulation(rt.orm.em.fork(), generatePopulation({ seed: 31, children: 24, municipalities: [HVIDOVRE] }), rt.config.CPR_HMAC_KEY);
    http = await startHttpServer(rt);
    const origin = new URL(http.url).origin;
    for (const [key, role, purposes] of [
      ['admin', 'admin', ['administration']],
      ['school', 'school', ['school_support']],
      ['caseworker', 'caseworker', ['case_work']],
    ] as const) {
      const app = await registerPartner(rt, { municipalityCode: HVIDOVRE.code, municipalityName: HVIDOVRE.name, role, purposes: [...purposes], name: key });
      apps[key] = app.appId;
      tokens[key] = await fetchToken(origin, app.clientId, app.clientSecret);
    }
    const { rows } = await rawQuery<{ child_id: string; alerts: number }>(
      rt.orm.em.fork(),
      `select child_id, count(*) filter (where unauthorised_pct >= 10)::int as alerts from attendance_summary
       where period_kind = 'quarter' group by child_id order by 2 desc, 1`,
      [],
    );
    alerted = rows.filter((r) => r.alerts > 0).map((r) => r.child_id);
    quiet = rows.filter((r) => r.alerts === 0).map((r) => r.child_id);
    expect(alerted.length).toBeGreaterThanOrEqual(4);
    expect(quiet.length).toBeGreaterThanOrEqual(1);
  });

  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  async function grant(childId: string, provisions: GrantConsentInput['provisions']) {
    const res = await execute(http.url, GrantConsentDocument, { input: { childId, grantorKind: 'LEGAL_BASIS', legalBasis: 'Folkeskoleloven §39', evidenceRef: 'journal 2026-0042', provisions } }, as('admin'));
    expect(res.errors).toBeUndefined();
  }

  /** What the API must answer for a child: its quarters over a threshold, newest first. */
  async function expectedAlerts(childId: string) {
    const { rows } = await rawQuery<{ start: string; end: string; pct: number }>(
      rt.orm.em.fork(),
      `select period_start::text as start, period_end::text as end, unauthorised_pct::float8 as pct from attendance_summary
       where child_id = ? and period_kind = 'quarter' and unauthorised_pct >= 10 order by period_start desc`,
      [childId],
    );
    return rows.map((r) => ({ level: r.pct >= 15 ? 'NOTIFY_MUNICIPALITY' : 'WARN_PARENTS', periodStart: r.start, periodEnd: r.end, unauthorisedPercent: r.pct }));
  }

  const byId = (res: GraphQLResponse<ChildAlertsQuery>) => new Map(res.data!.children.edges.map((e) => [e.node.id, e.node]));
  /** Child id → category of each CONSENT_REQUIRED error on an `alerts` field. */
  const refusedAlerts = (res: GraphQLResponse<ChildAlertsQuery>) =>
    Object.fromEntries(
      (res.errors ?? []).map((e) => {
        expect([e.extensions?.code, e.path?.at(-1)]).toEqual(['CONSENT_REQUIRED', 'alerts']);
        return [res.data!.children.edges[e.path![2] as number].node.id, (e.extensions as { category?: string }).category];
      }),
    );

  it('returns alerts only for children whose consent names the alerts category, for this recipient and purpose', async () => {
    const [withAlerts, attendanceOnly, denied, forCaseworker] = alerted;
    const [noAlerts] = quiet;
    const permit = (categories: ConsentProvisionInput['categories'], role: 'SCHOOL' | 'CASEWORKER' = 'SCHOOL'): ConsentProvisionInput => ({
      effect: 'PERMIT',
      recipientRole: role,
      categories,
      purposes: [role === 'SCHOOL' ? 'school_support' : 'case_work'],
    });
    await grant(withAlerts, [permit(['IDENTITY', 'ALERTS'])]);
    await grant(noAlerts, [permit(['IDENTITY', 'ALERTS'])]);
    // Seeing the attendance record does not imply the alerts, and a deny beats the permit.
    await grant(attendanceOnly, [permit(['IDENTITY', 'ATTENDANCE'])]);
    await grant(denied, [permit(['IDENTITY', 'ALERTS']), { effect: 'DENY', recipientPartnerAppId: apps.school, categories: ['ALERTS'], purposes: ['school_support'] }]);
    await grant(forCaseworker, [permit(['IDENTITY', 'ALERTS'], 'CASEWORKER')]);

    const school = await execute(http.url, ChildAlertsDocument, { first: 100 }, as('school'));
    const seen = byId(school);
    expect(new Set(seen.keys())).toEqual(new Set([withAlerts, noAlerts, attendanceOnly, denied]));
    expect(school.data!.children.pageInfo.hasNextPage).toBe(false);
    const expected = await expectedAlerts(withAlerts);
    expect(expected.length).toBeGreaterThan(0);
    expect(seen.get(withAlerts)!.alerts).toEqual(expected);
    expect(seen.get(noAlerts)!.alerts).toEqual([]);
    expect(seen.get(attendanceOnly)).toMatchObject({ alerts: null });
    expect(seen.get(denied)).toMatchObject({ alerts: null });
    expect(refusedAlerts(school)).toEqual({ [attendanceOnly]: 'alerts', [denied]: 'alerts' });

    // The caseworker's basis names another child; the school's consents give it nothing.
    const caseworker = await execute(http.url, ChildAlertsDocument, { first: 100 }, as('caseworker'));
    expect(caseworker.errors).toBeUndefined();
    expect([...byId(caseworker).entries()]).toEqual([[forCaseworker, expect.objectContaining({ alerts: await expectedAlerts(forCaseworker) })]]);

    // The read is in the access log with the category it returned.
    const { rows } = await rawQuery<{ categories: string[]; purpose: string }>(
      rt.orm.em.fork(),
      `select categories, purpose from audit_event where child_id = ? and action = 'read' and decision = 'permit'`,
      [withAlerts],
    );
    expect(rows).toEqual(expect.arrayContaining([{ categories: ['alerts', 'identity'], purpose: 'school_support' }]));
  });
});
