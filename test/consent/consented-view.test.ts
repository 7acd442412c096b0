import { createHash } from 'node:crypto';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AuditEventsDocument,
  ChildViewDocument,
  ChildrenPageDocument,
  ConsentsDocument,
  CustodyHoldersDocument,
  GrantConsentDocument,
  SubjectAccessReportDocument,
  WithdrawConsentDocument,
  type GrantConsentInput,
} from '../../schema/client/graphql';
import { cprHmac } from '../../src/identity/cpr';
import { rawQuery } from '../../src/platform/db/bulk';
import { TenantPools } from '../../src/platform/db/tenant-scope';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { generatePopulation, type SynthChild } from '../../src/synthetic/generator';
import { seedPopulation } from '../../src/synthetic/seed';
import { post, type GraphQLResponse } from '../support/graphql-client';
import { fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };
const SVENDBORG = { code: '479', name: 'Svendborg' };
const ALL_CATEGORIES = ['IDENTITY', 'PLACEMENT', 'TEAM', 'ATTENDANCE', 'GRADES', 'WELLBEING', 'INTERVENTIONS', 'ALERTS'] as const;

type Errors = NonNullable<GraphQLResponse<unknown>['errors']>;
const codes = (errors?: Errors) => (errors ?? []).map((e) => e.extensions?.code);
const consentErrors = (errors?: Errors) =>
  Object.fromEntries((errors ?? []).filter((e) => e.extensions?.code === 'CONSENT_REQUIRED').map((e) => [e.path?.at(-1), (e.extensions as { category?: string }).category]));

describe('the consented view', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let origin: string;
  let children: SynthChild[];
  const hubId = new Map<string, string>();
  const tokens: Record<string, string> = {};
  const apps: Record<string, string> = {};

  async function gql<TData, TVars>(who: string, doc: TypedDocumentNode<TData, TVars>, variables: TVars, headers: Record<string, string> = {}) {
    return post<TData>(http.url, { query: print(doc), variables }, { authorization: `Bearer ${tokens[who]}`, ...headers });
  }
  const raw = (who: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post<Record<string, unknown>>(http.url, { query, variables }, { authorization: `Bearer ${tokens[who]}`, ...headers });

  async function grant(input: Omit<GrantConsentInput, 'evidenceRef'> & { evidenceRef?: string }, admin = 'admin') {
    const res = await gql(admin, GrantConsentDocument, { input: { evidenceRef: 'journal 2026-0001', ...input } });
    expect(res.errors).toBeUndefined();
    return res.data!.grantConsent;
  }

  const childOf = (municipalityCode: string, n: number) => children.filter((c) => c.municipalityCode === municipalityCode)[n];
  const idOf = (c: SynthChild) => hubId.get(c.cpr)!;

  beforeAll(async () => {
    rt = await createTestRuntime();
    const population = generatePopulation({ seed: 31, children: 24, municipalities: [HVIDOVRE, SVENDBORG] });
    children = [...population.children()];
    await seedPopulation(rt.orm.em.fork(), population, rt.config.CPR_HMAC_KEY);
    const { rows } = await rawQuery<{ id: string; cpr_hmac: string }>(rt.orm.em.fork(), 'select id, cpr_hmac from child', []);
    const byHash = new Map(rows.map((r) => [r.cpr_hmac, r.id]));
    for (const c of children) hubId.set(c.cpr, byHash.get(cprHmac(c.cpr, rt.config.CPR_HMAC_KEY))!);
    http = await startHttpServer(rt);
    origin = new URL(http.url).origin;

    const register = async (key: string, municipality: typeof HVIDOVRE, role: 'admin' | 'school' | 'caseworker' | 'evaluator' | 'childrens_home', purposes: string[]) => {
      const app = await registerPartner(rt, { municipalityCode: municipality.code, municipalityName: municipality.name, role, purposes, name: key });
      apps[key] = app.appId;
      tokens[key] = await fetchToken(origin, app.clientId, app.clientSecret);
    };
    await register('admin', HVIDOVRE, 'admin', ['administration']);
    await register('school', HVIDOVRE, 'school', ['school_support']);
    await register('otherSchool', HVIDOVRE, 'school', ['school_support']);
    await register('caseworker', HVIDOVRE, 'caseworker', ['case_work']);
    await register('evaluator', HVIDOVRE, 'evaluator', ['evaluation', 'school_support']);
    await register('svendborgSchool', SVENDBORG, 'school', ['school_support']);
    await register('svendborgAdmin', SVENDBORG, 'admin', ['administration']);
  });

  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  it('refuses requests without a valid token', async () => {
    const none = await post(http.url, { query: '{ children(first: 1) { edges { node { id } } } }' });
    expect(codes(none.errors)).toEqual(['UNAUTHENTICATED']);
    const forged = await post(http.url, { query: '{ children(first: 1) { edges { node { id } } } }' }, { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(codes(forged.errors)).toEqual(['UNAUTHENTICATED']);
  });

  it('shows a child only through consent, field by field, and logs every read', async () => {
    const child = childOf(HVIDOVRE.code, 0);
    const id = idOf(child);
    const unknown = await gql('school', ChildViewDocument, { id: '00000000-0000-4000-8000-000000000001' });
    const before = await gql('school', ChildViewDocument, { id });
    expect(codes(before.errors)).toEqual(['NOT_FOUND']);
    expect(before.errors![0].message).toBe(unknown.errors![0].message);

    await grant({
      childId: id,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Barnets lov §46',
      provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['IDENTITY', 'ATTENDANCE', 'GRADES'], purposes: ['school_support'] }],
    });
    const seen = await gql('school', ChildViewDocument, { id });
    expect(seen.data!.child).toMatchObject({ id, firstName: child.firstName, lastName: child.lastName, placements: null, team: null, wellbeing: null, interventions: null, alerts: null });
    expect(seen.data!.child!.attendanceSummaries).not.toBeNull();
    expect(seen.data!.child!.grades).not.toBeNull();
    expect(consentErrors(seen.errors)).toEqual({ placements: 'placement', team: 'team', wellbeing: 'wellbeing', interventions: 'interventions', alerts: 'alerts' });

    // Another role, another purpose: nothing.
    expect(codes((await gql('caseworker', ChildViewDocument, { id })).errors)).toEqual(['NOT_FOUND']);
    const wrongPurpose = await gql('evaluator', ChildViewDocument, { id }, { 'x-skolebro-purpose': 'evaluation' });
    expect(codes(wrongPurpose.errors)).toEqual(['NOT_FOUND']);

    const { rows } = await rawQuery<{ action: string; categories: string[]; decision: string; purpose: string; actor: string }>(
      rt.orm.em.fork(),
      `select action, categories, decision, purpose, actor from audit_event where child_id = ? order by id`,
      [id],
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'read', decision: 'deny', categories: [] }),
        expect.objectContaining({ action: 'read', decision: 'permit', categories: ['attendance', 'grades', 'identity'], purpose: 'school_support' }),
        expect.objectContaining({ action: 'read', decision: 'deny', categories: ['alerts', 'interventions', 'placement', 'team', 'wellbeing'] }),
        expect.objectContaining({ action: 'change' }),
      ]),
    );
  });

  it('lets deny beat permit, and withdrawal and expiry take effect on the next request', async () => {
    const id = idOf(childOf(HVIDOVRE.code, 1));
    const permit = await grant({
      childId: id,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Folkeskoleloven §46',
      provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: [...ALL_CATEGORIES], purposes: ['school_support'] }],
    });
    await grant({
      childId: id,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Forvaltningsloven §28',
      provisions: [{ effect: 'DENY', recipientPartnerAppId: apps.school, categories: ['GRADES'], purposes: ['school_support'] }],
    });
    const school = await gql('school', ChildViewDocument, { id });
    expect(school.data!.child!.grades).toBeNull();
    expect(consentErrors(school.errors)).toEqual({ grades: 'grades' });
    const other = await gql('otherSchool', ChildViewDocument, { id });
    expect(other.errors).toBeUndefined();
    expect(other.data!.child!.grades).not.toBeNull();

    const withdrawn = await gql('admin', WithdrawConsentDocument, { input: { id: permit.id, reason: 'custody holder withdrew' } });
    expect(withdrawn.data!.withdrawConsent.status).toBe('WITHDRAWN');
    expect(codes((await gql('otherSchool', ChildViewDocument, { id })).errors)).toEqual(['NOT_FOUND']);

    const expiredChild = idOf(childOf(HVIDOVRE.code, 2));
    await grant({
      childId: expiredChild,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Barnets lov §46',
      validFrom: new Date(Date.now() - 86_400_000 * 30).toISOString(),
      validTo: new Date(Date.now() - 86_400_000).toISOString(),
      provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: [...ALL_CATEGORIES], purposes: ['school_support'] }],
    });
    expect(codes((await gql('school', ChildViewDocument, { id: expiredChild })).errors)).toEqual(['NOT_FOUND']);
    const history = await gql('admin', ConsentsDocument, { childId: expiredChild });
    expect(history.data!.consents.map((c) => c.status)).toEqual(['EXPIRED']);
  });

  it('gives a caseworker with a legal basis what the basis names and nothing else', async () => {
    const id = idOf(childOf(HVIDOVRE.code, 3));
    await grant({
      childId: id,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Barnets lov §46',
      provisions: [{ effect: 'PERMIT', recipientRole: 'CASEWORKER', categories: ['IDENTITY', 'PLACEMENT', 'TEAM'], purposes: ['case_work'] }],
    });
    const res = await gql('caseworker', ChildViewDocument, { id });
    expect(res.data!.child!.placements).not.toBeNull();
    expect(res.data!.child!.team).not.toBeNull();
    expect(consentErrors(res.errors)).toEqual({ attendanceSummaries: 'attendance', grades: 'grades', wellbeing: 'wellbeing', interventions: 'interventions', alerts: 'alerts' });
  });

  it('never crosses municipalities, whatever the arguments say', async () => {
    const id = idOf(childOf(HVIDOVRE.code, 4));
    await grant({
      childId: id,
      grantorKind: 'LEGAL_BASIS',
      legalBasis: 'Barnets lov §46',
      provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: [...ALL_CATEGORIES], purposes: ['school_support'] }],
    });
    expect(codes((await gql('svendborgSchool', ChildViewDocument, { id })).errors)).toEqual(['NOT_FOUND']);
    const list = await gql('svendborgSchool', ChildrenPageDocument, { first: 50, municipalityCode: HVIDOVRE.code });
    expect(list.data!.children.edges).toEqual([]);
    // Another municipality's admin cannot read or grant consents for the child either.
    expect(codes((await gql('svendborgAdmin', ConsentsDocument, { childId: id })).errors)).toEqual(['NOT_FOUND']);
    const grantElsewhere = await gql('svendborgAdmin', GrantConsentDocument, {
      input: { childId: id, grantorKind: 'LEGAL_BASIS', legalBasis: 'Barnets lov §46', evidenceRef: 'x', provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['IDENTITY'], purposes: ['school_support'] }] },
    });
    expect(codes(grantElsewhere.errors)).toEqual(['NOT_FOUND']);

    // Row-level security: a tenant-scoped read sees only its own municipality even unfiltered.
    const { rows: m } = await rawQuery<{ id: string }>(rt.orm.em.fork(), `select id from municipality where code = ?`, [SVENDBORG.code]);
    const tenants = new TenantPools(rt.config.DATABASE_URL);
    try {
      const em = await tenants.em(m[0].id);
      const { rows } = await rawQuery<{ code: string; n: string }>(em, `select m.code, count(*) as n from child c join municipality m on m.id = c.municipality_id group by m.code`, []);
      expect(rows.map((r) => r.code)).toEqual([SVENDBORG.code]);
      const { rows: placements } = await rawQuery<{ n: string }>(em, `select count(*) as n from placement p where p.child_id = ?`, [id]);
      expect(placements[0].n).toBe('0');
      // Pupil records held for matching (some of pupils who are no hub child) are out of reach.
      for (const table of ['pupil_record', 'identity_rejection']) {
        await expect(rawQuery(em, `select count(*) from ${table}`, [])).rejects.toThrow(/permission denied/);
      }
    } finally {
      await tenants.close();
    }
  });

  it('lists only visible children and cannot be tricked by aliases, fragments or nesting', async () => {
    const list = await gql('school', ChildrenPageDocument, { first: 100 });
    const listed = list.data!.children.edges.map((e) => e.node.id);
    const { rows } = await rawQuery<{ child_id: string }>(
      rt.orm.em.fork(),
      `select distinct c.child_id from consent c join consent_provision p on p.consent_id = c.id
       where c.status = 'active' and p.effect = 'permit' and p.recipient_role = 'school' and (c.valid_to is null or c.valid_to > now())`,
      [],
    );
    expect(new Set(listed)).toEqual(new Set(rows.map((r) => r.child_id)));

    const id = idOf(childOf(HVIDOVRE.code, 0)); // school may see identity, attendance, grades only
    const tricky = await raw(
      'school',
      `query($id: ID!) {
         a: child(id: $id) { ...P  b: placements { placeName } }
         c: child(id: $id) { ... on Child { t: team { name } } }
         children(first: 50) { edges { node { id x: placements { placeName } } } }
       }
       fragment P on Child { placements { placeName } }`,
      { id },
    );
    const data = tricky.data as {
      a: { placements: unknown; b: unknown } | null;
      c: { t: unknown } | null;
      children: { edges: { node: { id: string; x: unknown } }[] };
    };
    expect(data.a).toEqual({ placements: null, b: null });
    expect(data.c).toEqual({ t: null });
    // Only the child whose consent names placements for schools shows them in the nested list.
    const withPlacements = idOf(childOf(HVIDOVRE.code, 4));
    for (const { node } of data.children.edges) expect(node.x === null).toBe(node.id !== withPlacements);
    expect(codes(tricky.errors).every((c) => c === 'CONSENT_REQUIRED')).toBe(true);
    expect(tricky.errors!.length).toBeGreaterThanOrEqual(3);
  });

  it('asks for a purpose when the token carries several, and refuses purposes it does not carry', async () => {
    const res = await raw('evaluator', '{ children(first: 1) { edges { node { id } } } }');
    expect(codes(res.errors)).toEqual(['BAD_USER_INPUT']);
    const wrong = await raw('school', '{ children(first: 1) { edges { node { id } } } }', {}, { 'x-skolebro-purpose': 'evaluation' });
    expect(codes(wrong.errors)).toEqual(['FORBIDDEN']);
  });

  it('answers the right of access and keeps CPR numbers out of the log', async () => {
    const id = idOf(childOf(HVIDOVRE.code, 0));
    const report = await gql('admin', SubjectAccessReportDocument, { childId: id });
    expect(report.errors).toBeUndefined();
    expect(report.data!.subjectAccessReport.accesses).toEqual(
      expect.arrayContaining([expect.objectContaining({ appRole: 'SCHOOL', appName: expect.any(String), purpose: 'school_support', categories: ['attendance', 'grades', 'identity'] })]),
    );
    const events = await gql('admin', AuditEventsDocument, { childId: id });
    expect(events.data!.auditEvents.length).toBeGreaterThan(3);

    const { rows } = await rawQuery<{ row: string }>(rt.orm.em.fork(), `select row_to_json(a)::text as row from audit_event a`, []);
    const log = rows.map((r) => r.row).join('\n');
    for (const c of children) {
      expect(log).not.toContain(c.cpr);
      expect(log).not.toContain(c.cpr.replace('-', ''));
      expect(log).not.toContain(createHash('sha256').update(c.cpr).digest('hex'));
    }
  });

  it('validates consent input with field paths and saves nothing on error', async () => {
    const id = idOf(childOf(HVIDOVRE.code, 5));
    const bad = await gql('admin', GrantConsentDocument, {
      input: {
        childId: id,
        grantorKind: 'CUSTODY_HOLDER',
        evidenceRef: 'x',
        provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', recipientPartnerAppId: apps.school, categories: [], purposes: ['Not A Purpose'] }],
      },
    });
    expect(codes(bad.errors)).toEqual(['BAD_USER_INPUT']);
    const paths = ((bad.errors![0].extensions as { fields?: { path: string }[] }).fields ?? []).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['input.provisions.0.categories', 'input.provisions.0.purposes']));
    const second = await gql('admin', GrantConsentDocument, {
      input: { childId: id, grantorKind: 'CUSTODY_HOLDER', evidenceRef: 'x', provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', recipientPartnerAppId: apps.school, categories: ['IDENTITY'], purposes: ['school_support'] }] },
    });
    const paths2 = ((second.errors![0].extensions as { fields?: { path: string }[] }).fields ?? []).map((f) => f.path);
    expect(paths2).toEqual(expect.arrayContaining(['input.custodyHolderId', 'input.provisions.0.recipientRole']));
    expect((await gql('admin', ConsentsDocument, { childId: id })).data!.consents).toEqual([]);
  });

  it('names the custody holders a consent can come from (no CPR), only to its own municipality’s admin', async () => {
    const synth = childOf(HVIDOVRE.code, 6);
    const id = idOf(synth);
    const listed = await gql('admin', CustodyHoldersDocument, { childId: id });
    expect(listed.errors).toBeUndefined();
    const holders = listed.data!.custodyHolders;
    expect(holders.map((h) => h.name).sort()).toEqual(synth.custodyHolders.map((h) => h.name).sort());
    // Id, name and relation only: no CPR number (the holders' numbers are known to the generator).
    expect(holders.every((h) => Object.keys(h).sort().join() === 'id,name,relation')).toBe(true);
    const body = JSON.stringify(listed);
    for (const h of synth.custodyHolders) for (const form of [h.cpr, h.cpr.replace('-', '')]) expect(body).not.toContain(form);
    const granted = await gql('admin', GrantConsentDocument, {
      input: { childId: id, grantorKind: 'CUSTODY_HOLDER', custodyHolderId: holders[0].id, evidenceRef: 'samtykke 2026-11', provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['IDENTITY'], purposes: ['school_support'] }] },
    });
    expect(granted.errors).toBeUndefined();
    expect(codes((await gql('svendborgAdmin', CustodyHoldersDocument, { childId: id })).errors)).toEqual(['NOT_FOUND']);
    const [row] = (await rawQuery<{ target: string }>(rt.orm.em.fork(), `select target from audit_event where child_id = ? and target = 'custodyHolders'`, [id])).rows;
    expect(row).toEqual({ target: 'custodyHolders' });
  });
});
