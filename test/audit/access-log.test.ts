import { randomUUID } from 'node:crypto';
import { CPR_MASK } from '../../src/identity/cpr';
import { PartnerRole } from '../../src/partners/partner-role';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { grantSyntheticConsents } from '../../src/synthetic/consents';
import { generatePopulation } from '../../src/synthetic/generator';
import { seedPopulation } from '../../src/synthetic/seed';
import { post } from '../support/graphql-client';
import { fetchToken, registerPartner, type RegisteredPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };

interface Row {
  action: string;
  child_id: string | null;
  categories: string[];
  decision: string;
  actor: string;
  purpose: string | null;
  target: string | null;
  search_criterion: Record<string, unknown> | null;
  occurred_at: Date;
}

describe('the access log of list and admin reads', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  const apps: Record<string, RegisteredPartner & { token: string }> = {};

  beforeAll(async () => {
    rt = await createTestRuntime();
    await seedPopulation(rt.orm.em.fork(), generatePopulation({ seed: 7, children: 6, municipalities: [HVIDOVRE] }), rt.config.CPR_HMAC_KEY);
    await grantSyntheticConsents(rt.orm.em.fork(), { municipalityCode: HVIDOVRE.code, role: PartnerRole.School, purposes: ['school_support'] });
    http = await startHttpServer(rt);
    for (const [key, role, purposes] of [['school', 'school', ['school_support']], ['admin', 'admin', ['administration']]] as const) {
      const app = await registerPartner(rt, { municipalityCode: HVIDOVRE.code, municipalityName: HVIDOVRE.name, role, purposes: [...purposes], name: key });
      apps[key] = { ...app, token: await fetchToken(new URL(http.url).origin, app.clientId, app.clientSecret) };
    }
  });

  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  /** Runs a query under its own request id and returns the response and that request's log. */
  async function logged(who: string, query: string, variables: Record<string, unknown> = {}) {
    const requestId = randomUUID();
    const res = await post<Record<string, unknown>>(http.url, { query, variables }, { authorization: `Bearer ${apps[who].token}`, 'x-request-id': requestId });
    const { rows } = await rawQuery<Row>(rt.orm.em.fork(), `select * from audit_event where request_id = ? order by id`, [requestId]);
    return { res, rows, requestId };
  }

  const anyChild = async () => (await rawQuery<{ id: string }>(rt.orm.em.fork(), `select id from child order by id limit 1`, [])).rows[0].id;

  it('logs a child asked for by id only as read, with no categories', async () => {
    const id = await anyChild();
    const { res, rows } = await logged('school', `query($id: ID!) { child(id: $id) { id } }`, { id });
    expect(res.data).toEqual({ child: { id } });
    expect(rows).toEqual([expect.objectContaining({ action: 'read', decision: 'permit', child_id: id, categories: [], actor: apps.school.clientId, purpose: 'school_support' })]);
  });

  it('logs every child a list returns, beside the search, in one insert', async () => {
    const { res, rows } = await logged('school', `{ children(first: 3) { edges { node { id } } } }`);
    const listed = (res.data!.children as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id);
    expect(listed).toHaveLength(3);
    expect(rows.filter((r) => r.action === 'search')).toEqual([expect.objectContaining({ search_criterion: expect.objectContaining({ query: 'children', first: 3 }) })]);
    const reads = rows.filter((r) => r.action === 'read');
    // Only the children returned: not the look-ahead row behind hasNextPage.
    expect(reads.map((r) => r.child_id).sort()).toEqual([...listed].sort());
    for (const r of reads) expect(r).toMatchObject({ decision: 'permit', categories: [] });
    // One statement: every row of the request carries the same transaction timestamp.
    expect(new Set(rows.map((r) => new Date(r.occurred_at).getTime())).size).toBe(1);

    const named = await logged('school', `{ children(first: 2) { edges { node { id firstName } } } }`);
    for (const r of named.rows.filter((x) => x.action === 'read')) expect(r.categories).toEqual(['identity']);
  });

  it('answers "who looked at this child" with a list read that returned it', async () => {
    const { res, requestId } = await logged('school', `{ children(first: 1) { edges { node { id } } } }`);
    const id = (res.data!.children as { edges: { node: { id: string } }[] }).edges[0].node.id;
    const report = await logged('admin', `query($id: ID!) { subjectAccessReport(childId: $id) { accesses { actor purpose reads } } }`, { id });
    const accesses = (report.res.data!.subjectAccessReport as { accesses: { actor: string; purpose: string }[] }).accesses;
    expect(accesses).toEqual(expect.arrayContaining([expect.objectContaining({ actor: apps.school.clientId, purpose: 'school_support' })]));
    const events = await logged('admin', `query($id: ID!) { auditEvents(childId: $id) { action requestId } }`, { id });
    expect(events.res.data!.auditEvents).toEqual(expect.arrayContaining([{ action: 'READ', requestId }]));
  });

  it('logs admin reads of consents and of the access log as reads about the child', async () => {
    const id = await anyChild();
    const cases = [
      ['consents', `query($id: ID!) { consents(childId: $id) { id } }`],
      ['auditEvents', `query($id: ID!) { auditEvents(childId: $id) { id } }`],
      ['subjectAccessReport', `query($id: ID!) { subjectAccessReport(childId: $id) { childId } }`],
    ] as const;
    for (const [target, query] of cases) {
      const { res, rows } = await logged('admin', query, { id });
      expect(res.errors).toBeUndefined();
      expect(rows).toEqual([
        expect.objectContaining({ action: 'read', decision: 'permit', child_id: id, target, categories: [], actor: apps.admin.clientId, purpose: 'administration' }),
      ]);
    }
  });

  it('logs a search of quarantined records with its criterion and the records shown', async () => {
    const em = rt.orm.em.fork();
    const { rows: sources } = await rawQuery<{ id: string }>(
      em,
      `insert into source_system (municipality_id, name, kind) select id, 'Quarantine test', 'oneroster' from municipality where code = ? returning id`,
      [HVIDOVRE.code],
    );
    const { rows: records } = await rawQuery<{ id: string }>(
      em,
      `insert into quarantined_record (source_system_id, stream, external_id, redacted_payload, reason) values (?, 'users', 'u-1', '{"givenName":"Ada"}', 'no birth date') returning id`,
      [sources[0].id],
    );
    const { res, rows } = await logged('admin', `query($s: ID) { quarantinedRecords(sourceId: $s, first: 5) { edges { node { id redactedPayload } } } }`, { s: sources[0].id });
    expect(res.errors).toBeUndefined();
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'search',
        target: 'quarantined_record',
        child_id: null,
        actor: apps.admin.clientId,
        search_criterion: { query: 'quarantinedRecords', sourceId: sources[0].id, open: true, first: 5, shown: [records[0].id] },
      }),
    ]);
  });

  it('masks a CPR number typed into the free-text stream of a quarantine search before logging it', async () => {
    const cpr = '610190-1234';
    for (const stream of [cpr, `elevid${cpr.replace('-', '')}`, `users ${cpr.replace('-', ' ')}`]) {
      const { res, rows } = await logged('admin', `query($st: String) { quarantinedRecords(stream: $st, open: false, first: 3) { edges { node { id } } } }`, { st: stream });
      expect(res.errors).toBeUndefined();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'search', target: 'quarantined_record', search_criterion: { query: 'quarantinedRecords', open: false, first: 3, shown: [] } });
      expect(rows[0].search_criterion?.stream).toBe(stream.replace(/610190[- ]?1234/, CPR_MASK));
      expect(JSON.stringify(rows[0].search_criterion)).not.toMatch(/610190.?1234/);
    }
  });
});
