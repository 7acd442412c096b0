import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import {
  ConfirmLinkDocument,
  IdentityLinksDocument,
  IdentityMatchStatsDocument,
  LinkManuallyDocument,
  MergeChildrenDocument,
  RejectLinkDocument,
  SplitChildDocument,
  UnlinkDocument,
} from '../../schema/client/graphql';
import { createMaintenanceQueue, createSyncQueue } from '../../jobs/queues';
import { PartnerRole } from '../../src/partners/partner-role';
import { rawQuery } from '../../src/platform/db/bulk';
import { encodeCursor } from '../../src/platform/graphql/relay';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { recomputePendingSummaries } from '../../src/schooling/attendance-summary.service';
import type { CanonicalRecord } from '../../src/sources/canonical';
import { CanonicalWriter } from '../../src/sources/canonical-writer';
import { grantSyntheticConsents } from '../../src/synthetic/consents';
import { errorCode, errorReason, execute, post, type GraphQLResponse } from '../support/graphql-client';
import { ensureMunicipality, fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };
const SVENDBORG = { code: '479', name: 'Svendborg' };
const ODENSE = { code: '461', name: 'Odense' };

const code = errorCode;
const reason = errorReason;

describe('identity review over HTTP (admin GraphQL)', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let syncQueue: Queue;
  let maintenance: Queue;
  const auth: Record<'admin' | 'svendborgAdmin' | 'odenseAdmin' | 'school', Record<string, string>> = { admin: {}, svendborgAdmin: {}, odenseAdmin: {}, school: {} };
  let adminClientId: string;
  const municipality: Record<string, string> = {};
  const child: Record<string, string> = {};
  const source: Record<string, string> = {};
  /** Every CPR hash written: none may ever appear in a response. */
  const hashes: string[] = [];

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const hash = () => {
    const h = randomBytes(32).toString('hex');
    hashes.push(h);
    return h;
  };

  async function addChild(municipalityId: string, firstName: string, lastName: string, birthDate: string): Promise<string> {
    const [row] = await q<{ id: string }>(`insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, ?, ?, ?) returning id`, [
      municipalityId, hash(), firstName, lastName, birthDate,
    ]);
    return row.id;
  }
  async function addSource(municipalityId: string, name: string, kind: string): Promise<string> {
    const [row] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, ?, ?) returning id`, [municipalityId, name, kind]);
    return row.id;
  }
  const candidate = (childId: string, score: number) => ({
    childId, score, agree: ['last_name', 'birth_date'], partial: ['first_name'], disagree: ['school'], missing: [], notes: ['first_name_spelling_variant'],
    parts: { firstName: 0.2, lastName: 0.3, middleNames: 0, birthDate: 0.3, place: 0, nameOrderPenalty: 0 },
  });
  /** A held pupil record and its pending review, waiting `ageHours`. */
  async function pending(sourceId: string, externalId: string, candidates: { childId: string; score: number }[], ageHours = 1, reasons = ['between_thresholds']): Promise<string> {
    await q(
      `insert into pupil_record (source_system_id, external_id, cpr_hmac, uni_login_id, first_name, last_name, birth_date, institution_number, matched_at)
       values (?, ?, ?, ?, 'Pupil', ?, '2013-05-04', '280011', now())`,
      [sourceId, externalId, hash(), `uni-${externalId}`, externalId],
    );
    const [row] = await q<{ id: string }>(
      `insert into identity_link (source_system_id, external_id, method, confidence, status, candidates, reasons, status_changed_at)
       values (?, ?, 'probabilistic', ?, 'pending_review', ?::jsonb, ?::text[], now() - make_interval(hours => ?)) returning id`,
      [sourceId, externalId, candidates[0]?.score ?? 0, JSON.stringify(candidates.map((c) => candidate(c.childId, c.score))), `{${reasons.join(',')}}`, ageHours],
    );
    return row.id;
  }
  async function linked(sourceId: string, externalId: string, childId: string, method = 'cpr'): Promise<string> {
    await q(`insert into pupil_record (source_system_id, external_id, first_name, last_name, birth_date, matched_at) values (?, ?, 'Pupil', ?, '2013-05-04', now())`, [
      sourceId, externalId, externalId,
    ]);
    const [row] = await q<{ id: string }>(
      `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, ?, ?, ?, 1, 'linked') returning id`,
      [sourceId, externalId, childId, method],
    );
    return row.id;
  }
  /** School rows as a sync writes them: they reach the child through the source's link. */
  const write = (sourceId: string, municipalityId: string, records: CanonicalRecord[]) =>
    rt.orm.em.fork().transactional((tx) => new CanonicalWriter(tx, { id: sourceId, municipalityId }).write(records));
  const days = (pupil: string, month: string, statuses: string[]): CanonicalRecord[] =>
    statuses.map((status, i) => ({
      target: 'attendance_day', externalId: `${pupil}:${month}-${10 + i}`, childExternalId: pupil, date: `${month}-${10 + i}`, status, note: null, sourceUpdatedAt: null,
    }) as CanonicalRecord);
  const grade = (pupil: string, subject: string): CanonicalRecord =>
    ({ target: 'grade', externalId: `${pupil}:${subject}`, childExternalId: pupil, subject, kind: 'term', value: '7', gradeDate: '2025-12-01', schoolYear: '2025/26', sourceUpdatedAt: null }) as CanonicalRecord;

  /** What a school app with consent sees of the child. */
  async function childView(id: string) {
    const res = await post<{ child: { grades: { subject: string }[]; attendanceSummaries: { periodStart: string; schoolDays: number }[] } | null }>(
      http.url,
      { query: 'query($id: ID!) { child(id: $id) { grades { subject } attendanceSummaries(periodKind: MONTH) { periodStart schoolDays } } }', variables: { id } },
      auth.school,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.child!;
  }
  const linkRow = async (id: string) =>
    (await q<{ status: string; child_id: string | null; method: string; decided_by: string | null; candidates: { childId: string }[] }>(
      `select status, child_id, method, decided_by, candidates from identity_link where id = ?`, [id],
    ))[0];
  const queuedSyncs = async () => (await syncQueue.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.data as { sourceSystemId: string; mode: string });
  const queuedMatches = async () =>
    (await maintenance.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.name === 'identity-match').map((j) => (j.data as { sourceSystemId: string }).sourceSystemId);

  beforeAll(async () => {
    rt = await createTestRuntime();
    for (const m of [HVIDOVRE, SVENDBORG, ODENSE]) municipality[m.code] = await ensureMunicipality(rt, m.code, m.name);
    const h = municipality[HVIDOVRE.code];
    // Twins: same surname and birth date, same school.
    child.twinA = await addChild(h, 'Freja', 'Holm-Nielsen', '2013-05-04');
    child.twinB = await addChild(h, 'Frida', 'Holm-Nielsen', '2013-05-04');
    child.c = await addChild(h, 'Åse', 'Østergård', '2012-01-30');
    child.e = await addChild(h, 'Emil', 'Jensen', '2011-09-09');
    child.f = await addChild(h, 'Frederik', 'Larsen', '2011-02-02');
    // A child who moved to Svendborg.
    child.moved = await addChild(municipality[SVENDBORG.code], 'Mikkel', 'Bak', '2013-05-05');
    source.case = await addSource(h, 'DUBU', 'case_system');
    source.edfi = await addSource(h, 'Ed-Fi', 'edfi');
    source.oneroster = await addSource(h, 'OneRoster', 'oneroster');
    source.svendborg = await addSource(municipality[SVENDBORG.code], 'Ed-Fi Svendborg', 'edfi');
    for (const k of ['twinA', 'twinB', 'c', 'e', 'f']) {
      await q(`insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, ?, ?, 'cpr', 1, 'linked')`, [source.case, `case-${k}`, child[k]]);
    }
    await grantSyntheticConsents(rt.orm.em.fork(), { municipalityCode: HVIDOVRE.code, role: PartnerRole.School, purposes: ['school_support'] });

    http = await startHttpServer(rt);
    const origin = new URL(http.url).origin;
    const register = async (key: keyof typeof auth, m: typeof HVIDOVRE, role: 'admin' | 'school', purposes: string[]) => {
      const app = await registerPartner(rt, { municipalityCode: m.code, municipalityName: m.name, role, purposes, name: key });
      auth[key].authorization = `Bearer ${await fetchToken(origin, app.clientId, app.clientSecret)}`;
      return app.clientId;
    };
    adminClientId = await register('admin', HVIDOVRE, 'admin', ['administration']);
    await register('svendborgAdmin', SVENDBORG, 'admin', ['administration']);
    await register('odenseAdmin', ODENSE, 'admin', ['administration']);
    await register('school', HVIDOVRE, 'school', ['school_support']);
    syncQueue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
    maintenance = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
  });

  afterAll(async () => {
    await http?.close();
    for (const queue of [syncQueue, maintenance]) {
      await queue?.obliterate({ force: true }).catch(() => undefined);
      await queue?.close();
    }
    await rt?.dispose();
  });

  const links: Record<string, string> = {};

  it('lists the review queue oldest first, each record beside its candidates, without any CPR or its hash', async () => {
    links.twins = await pending(source.edfi, 'p-twin', [{ childId: child.twinA, score: 0.86 }, { childId: child.twinB, score: 0.85 }], 3, ['twin_candidates']);
    links.moved = await pending(source.edfi, 'p-moved', [{ childId: child.moved, score: 0.82 }, { childId: child.c, score: 0.74 }], 2);
    links.svendborg = await pending(source.svendborg, 'p-sv', [{ childId: child.moved, score: 0.8 }], 5);

    const res = await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 10 }, auth.admin);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.identityLinks.edges.map((e) => e.node);
    expect(nodes.map((n) => n.id)).toEqual([links.twins, links.moved]);

    const [twins, moved] = nodes;
    expect(twins).toMatchObject({
      source: { id: source.edfi, name: 'Ed-Fi', kind: 'ED_FI', municipalityCode: '167' },
      externalId: 'p-twin', method: 'PROBABILISTIC', status: 'PENDING_REVIEW', confidence: 0.86, reasons: ['twin_candidates'], decidedBy: null,
      pupil: { firstName: 'Pupil', lastName: 'p-twin', birthDate: '2013-05-04', institutionNumber: '280011', hasUniLogin: true, hasCprHash: true },
      linkedChild: null,
    });
    expect(twins.candidates).toEqual([
      { child: { id: child.twinA, municipalityCode: '167', ownMunicipality: true, firstName: 'Freja', lastName: 'Holm-Nielsen', birthDate: '2013-05-04' },
        score: 0.86, agree: ['last_name', 'birth_date'], partial: ['first_name'], disagree: ['school'], missing: [], notes: ['first_name_spelling_variant'] },
      expect.objectContaining({ child: expect.objectContaining({ id: child.twinB, firstName: 'Frida' }), score: 0.85 }),
    ]);
    // The child who moved belongs to Svendborg: shown without name or birth date.
    expect(moved.candidates[0].child).toEqual({ id: child.moved, municipalityCode: '479', ownMunicipality: false, firstName: null, lastName: null, birthDate: null });
    expect(moved.candidates[0].agree).toEqual(['last_name', 'birth_date']);
    // Shown, so logged: Svendborg's subject-access report for the child names Hvidovre's admin.
    expect(await q(`select count(*)::int as n from audit_event where child_id = ? and action = 'read' and 'identity' = any(categories)`, [child.moved])).toEqual([{ n: 1 }]);

    const body = JSON.stringify(res);
    for (const h of hashes) expect(body).not.toContain(h);
    // No hash field and nothing shaped like a CPR number (ddmmyy-xxxx).
    expect(body).not.toMatch(/cpr_?hmac|\b\d{6}-?\d{4}\b/i);

    // Keyset paging: one at a time, same order.
    const first = await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 1 }, auth.admin);
    expect(first.data!.identityLinks.pageInfo.hasNextPage).toBe(true);
    const second = await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 1, after: first.data!.identityLinks.pageInfo.endCursor }, auth.admin);
    expect(second.data!.identityLinks.edges.map((e) => e.node.id)).toEqual([links.moved]);
    expect(second.data!.identityLinks.pageInfo.hasNextPage).toBe(false);
  });

  it('confirms a twin only with the chosen candidate, records who decided, audits it and queues a full sync', async () => {
    const noChoice = await execute(http.url, ConfirmLinkDocument, { linkId: links.twins }, auth.admin);
    expect([code(noChoice.errors), reason(noChoice.errors)]).toEqual(['BAD_USER_INPUT', 'CANDIDATE_REQUIRED']);
    const stranger = await execute(http.url, ConfirmLinkDocument, { linkId: links.twins, childId: child.c }, auth.admin);
    expect([code(stranger.errors), reason(stranger.errors)]).toEqual(['BAD_USER_INPUT', 'NOT_A_CANDIDATE']);
    expect((await linkRow(links.twins)).status).toBe('pending_review');

    const res = await execute(http.url, ConfirmLinkDocument, { linkId: links.twins, childId: child.twinA }, auth.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.confirmLink).toMatchObject({ status: 'LINKED', method: 'PROBABILISTIC', confidence: 0.86, decidedBy: adminClientId, linkedChild: { id: child.twinA } });
    expect(Date.now() - Date.parse(res.data!.confirmLink.decidedAt!)).toBeLessThan(60_000);
    expect(await linkRow(links.twins)).toMatchObject({ status: 'linked', child_id: child.twinA, decided_by: adminClientId });

    const audit = await q<{ actor: string; child_id: string; search_criterion: Record<string, unknown>; municipality_id: string }>(
      `select actor, child_id, search_criterion, municipality_id from audit_event where target = ?`, [`identity_link:${links.twins}`],
    );
    expect(audit).toEqual([{ actor: adminClientId, child_id: child.twinA, municipality_id: municipality['167'], search_criterion: expect.objectContaining({ change: 'confirm_link', sourceSystemId: source.edfi }) }]);
    expect(JSON.stringify(audit)).not.toMatch(/Freja|Holm|Pupil/);
    expect(await queuedSyncs()).toContainEqual({ sourceSystemId: source.edfi, mode: 'full' });

    // The next sync's data reaches the twin through the confirmed link.
    await write(source.edfi, municipality['167'], [grade('p-twin', 'Dansk')]);
    expect(await q(`select child_id, identity_link_id from grade where external_id = 'p-twin:Dansk'`)).toEqual([{ child_id: child.twinA, identity_link_id: links.twins }]);

    const again = await execute(http.url, ConfirmLinkDocument, { linkId: links.twins, childId: child.twinA }, auth.admin);
    expect([code(again.errors), reason(again.errors)]).toEqual(['BAD_USER_INPUT', 'WRONG_LINK_STATUS']);
    // A second record of the same source for the same child is refused: it would mix two pupils.
    const second = await pending(source.edfi, 'p-twin-2', [{ childId: child.twinA, score: 0.8 }]);
    const refused = await execute(http.url, ConfirmLinkDocument, { linkId: second }, auth.admin);
    expect([code(refused.errors), reason(refused.errors)]).toEqual(['BAD_USER_INPUT', 'CHILD_ALREADY_LINKED_IN_SOURCE']);
    expect((await linkRow(second)).status).toBe('pending_review');
  });

  it('remembers rejections: a rejected candidate is gone, and with none left the link is rejected for good', async () => {
    const one = await execute(http.url, RejectLinkDocument, { linkId: links.moved, childId: child.c }, auth.admin);
    expect(one.errors).toBeUndefined();
    expect(one.data!.rejectLink).toMatchObject({ status: 'PENDING_REVIEW', confidence: 0.82 });
    expect(one.data!.rejectLink.candidates.map((c) => c.child.id)).toEqual([child.moved]);
    expect(await q(`select child_id, decided_by from identity_rejection where source_system_id = ? and external_id = 'p-moved'`, [source.edfi])).toEqual([
      { child_id: child.c, decided_by: adminClientId },
    ]);

    const all = await execute(http.url, RejectLinkDocument, { linkId: links.moved }, auth.admin);
    expect(all.data!.rejectLink).toMatchObject({ status: 'REJECTED', candidates: [], linkedChild: null, decidedBy: adminClientId });
    expect((await q<{ child_id: string }>(`select child_id from identity_rejection where external_id = 'p-moved' order by child_id`)).map((r) => r.child_id).sort()).toEqual(
      [child.c, child.moved].sort(),
    );
    // The record waits for matching again (which proposes only other children, or drops it).
    expect(await q(`select matched_at from pupil_record where source_system_id = ? and external_id = 'p-moved'`, [source.edfi])).toEqual([{ matched_at: null }]);
    expect(await queuedMatches()).toContain(source.edfi);
    expect(await q(`select count(*)::int as n from audit_event where target = ?`, [`identity_link:${links.moved}`])).toEqual([{ n: 2 }]);

    const again = await execute(http.url, RejectLinkDocument, { linkId: links.moved }, auth.admin);
    expect(reason(again.errors)).toBe('WRONG_LINK_STATUS');
    // A sync that sends the same record with the rejected child's CPR hash does not link it.
    const [{ cpr_hmac }] = await q<{ cpr_hmac: string }>(`select cpr_hmac from child where id = ?`, [child.c]);
    await write(source.edfi, municipality['167'], [
      { target: 'pupil', externalId: 'p-moved', cprHmac: cpr_hmac, uniLoginId: null, firstName: 'Pupil', lastName: 'p-moved', birthDate: '2013-05-04', sourceUpdatedAt: null } as CanonicalRecord,
    ]);
    expect(await linkRow(links.moved)).toMatchObject({ status: 'rejected', child_id: null });

    const listed = await execute(http.url, IdentityLinksDocument, { status: 'REJECTED', first: 10 }, auth.admin);
    expect(listed.data!.identityLinks.edges.map((e) => e.node.id)).toContain(links.moved);
  });

  it('unlink removes the data that came through the link from the child view at once, summaries included', async () => {
    links.eEdfi = await linked(source.edfi, 'p-e', child.e, 'uni_login');
    links.eOneroster = await linked(source.oneroster, 'o-e', child.e, 'cpr');
    const h = municipality['167'];
    await write(source.edfi, h, [...days('p-e', '2025-09', ['present', 'unauthorised', 'illness']), grade('p-e', 'Matematik')]);
    await write(source.oneroster, h, [...days('o-e', '2025-10', ['present', 'present']), grade('o-e', 'Dansk')]);
    await recomputePendingSummaries(rt.orm.em.fork(), { municipalityId: h });
    const before = await childView(child.e);
    expect(before.grades.map((g) => g.subject).sort()).toEqual(['Dansk', 'Matematik']);
    expect(before.attendanceSummaries.map((s) => [s.periodStart, s.schoolDays])).toEqual([['2025-09-01', 3], ['2025-10-01', 2]]);

    const res = await execute(http.url, UnlinkDocument, { linkId: links.eEdfi }, auth.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.unlink).toMatchObject({ status: 'REJECTED', linkedChild: null, decidedBy: adminClientId });

    // No job has run: the view is already without the Ed-Fi rows, the OneRoster ones stay.
    const after = await childView(child.e);
    expect(after.grades.map((g) => g.subject)).toEqual(['Dansk']);
    expect(after.attendanceSummaries.map((s) => [s.periodStart, s.schoolDays])).toEqual([['2025-10-01', 2]]);
    expect(await q(`select count(*)::int as n from attendance_day where child_id = ? and identity_link_id = ?`, [child.e, links.eEdfi])).toEqual([{ n: 0 }]);
    expect(await q(`select period_kind, school_days from attendance_summary where child_id = ? order by period_kind`, [child.e])).toEqual([
      { period_kind: 'month', school_days: 2 }, { period_kind: 'quarter', school_days: 2 }, { period_kind: 'school_year', school_days: 2 },
    ]);
    expect(await q(`select child_id from identity_rejection where source_system_id = ? and external_id = 'p-e'`, [source.edfi])).toEqual([{ child_id: child.e }]);
    expect(await q(`select matched_at from pupil_record where source_system_id = ? and external_id = 'p-e'`, [source.edfi])).toEqual([{ matched_at: null }]);
    const [audit] = await q<{ search_criterion: { change: string; removed: Record<string, number> } }>(`select search_criterion from audit_event where target = ?`, [`identity_link:${links.eEdfi}`]);
    expect(audit.search_criterion).toMatchObject({ change: 'unlink', removed: { attendanceDays: 3, grades: 1, enrollments: 0, wellbeing: 0 } });

    // Later pages of the same source no longer reach the child.
    await write(source.edfi, h, [grade('p-e', 'Engelsk')]);
    expect((await childView(child.e)).grades.map((g) => g.subject)).toEqual(['Dansk']);
  });

  it('refuses to unlink, split off or hand-link case-system records: they anchor hub children', async () => {
    const [{ id: caseLink }] = await q<{ id: string }>(`select id from identity_link where source_system_id = ? and child_id = ?`, [source.case, child.e]);
    const unlink = await execute(http.url, UnlinkDocument, { linkId: caseLink }, auth.admin);
    expect([code(unlink.errors), reason(unlink.errors)]).toEqual(['BAD_USER_INPUT', 'CASE_RECORD_ANCHORS_CHILD']);
    const split = await execute(http.url, SplitChildDocument, { childId: child.e, linkIds: [caseLink, links.eOneroster] }, auth.admin);
    expect(reason(split.errors)).toBe('CASE_RECORD_ANCHORS_CHILD');
    expect((await linkRow(links.eOneroster)).status).toBe('linked');
    const manual = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.case, externalId: 'case-x', childId: child.e }, auth.admin);
    expect(reason(manual.errors)).toBe('CASE_RECORD_ANCHORS_CHILD');
    const pendingUnlink = await execute(http.url, UnlinkDocument, { linkId: (await q<{ id: string }>(`select id from identity_link where external_id = 'p-twin-2'`))[0].id }, auth.admin);
    expect(reason(pendingUnlink.errors)).toBe('WRONG_LINK_STATUS');
    // The case links are not in the review lists at all.
    const listed = await execute(http.url, IdentityLinksDocument, { status: 'LINKED', first: 100 }, auth.admin);
    expect(listed.data!.identityLinks.edges.map((e) => e.node.source.kind)).not.toContain('CASE_SYSTEM');
  });

  it('splitChild detaches several records from a child in one transaction, or none', async () => {
    const f1 = await linked(source.edfi, 'p-f', child.f, 'probabilistic');
    const f2 = await linked(source.oneroster, 'o-f', child.f, 'uni_login');
    const h = municipality['167'];
    await write(source.edfi, h, [...days('p-f', '2025-11', ['present']), grade('p-f', 'Fysik')]);
    await write(source.oneroster, h, [grade('o-f', 'Kemi')]);
    await recomputePendingSummaries(rt.orm.em.fork(), { municipalityId: h });

    // One link of another child: nothing at all is split.
    const mixed = await execute(http.url, SplitChildDocument, { childId: child.f, linkIds: [f1, links.eOneroster] }, auth.admin);
    expect([code(mixed.errors), reason(mixed.errors)]).toEqual(['BAD_USER_INPUT', 'NOT_LINKED_TO_CHILD']);
    expect((await linkRow(f1)).status).toBe('linked');
    expect((await childView(child.f)).grades).toHaveLength(2);

    const res = await execute(http.url, SplitChildDocument, { childId: child.f, linkIds: [f1, f2] }, auth.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.splitChild.map((l) => [l.id, l.status])).toEqual([[f1, 'REJECTED'], [f2, 'REJECTED']]);
    const view = await childView(child.f);
    expect(view).toEqual({ grades: [], attendanceSummaries: [] });
    expect(await q(`select count(*)::int as n from attendance_summary where child_id = ?`, [child.f])).toEqual([{ n: 0 }]);
    expect(await q(`select count(*)::int as n from identity_rejection where child_id = ?`, [child.f])).toEqual([{ n: 2 }]);
    expect(await queuedMatches()).toEqual(expect.arrayContaining([source.edfi, source.oneroster]));
  });

  it('links by hand, overriding an earlier rejection of that pair, and refuses a second record per source', async () => {
    const res = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'p-moved', childId: child.c }, auth.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.linkManually).toMatchObject({ id: links.moved, status: 'LINKED', method: 'MANUAL', confidence: 1, decidedBy: adminClientId, linkedChild: { id: child.c } });
    expect((await q<{ child_id: string }>(`select child_id from identity_rejection where external_id = 'p-moved'`)).map((r) => r.child_id)).toEqual([child.moved]);
    const [audit] = await q<{ search_criterion: Record<string, unknown> }>(
      `select search_criterion from audit_event where target = ? and search_criterion->>'change' = 'link_manually'`, [`identity_link:${links.moved}`],
    );
    expect(audit.search_criterion).toMatchObject({ overrodeRejection: true, previousStatus: 'rejected' });
    expect(await queuedSyncs()).toContainEqual({ sourceSystemId: source.edfi, mode: 'full' });

    // A record the hub does not hold (never proposed) can be linked too; its data comes with the full sync.
    const fresh = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.oneroster, externalId: 'o-new', childId: child.twinB }, auth.admin);
    expect(fresh.data!.linkManually).toMatchObject({ externalId: 'o-new', status: 'LINKED', method: 'MANUAL', pupil: null });

    const twice = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'p-other', childId: child.c }, auth.admin);
    expect(reason(twice.errors)).toBe('CHILD_ALREADY_LINKED_IN_SOURCE');
    const taken = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'p-moved', childId: child.twinB }, auth.admin);
    expect(reason(taken.errors)).toBe('LINKED_TO_ANOTHER_CHILD');
    // Another municipality's child that was never proposed for the record: as unknown as a missing one.
    const foreign = await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'p-foreign', childId: child.moved }, auth.admin);
    expect(code(foreign.errors)).toBe('NOT_FOUND');
  });

  it('keeps every municipality to its own sources and admins only', async () => {
    const listed = await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 10 }, auth.svendborgAdmin);
    expect(listed.data!.identityLinks.edges.map((e) => e.node.id)).toEqual([links.svendborg]);
    // Svendborg's own child is shown with its name to Svendborg's admin.
    expect(listed.data!.identityLinks.edges[0].node.candidates[0].child).toMatchObject({ id: child.moved, ownMunicipality: true, firstName: 'Mikkel' });

    const pendingId = (await q<{ id: string }>(`select id from identity_link where external_id = 'p-twin-2'`))[0].id;
    for (const res of [
      await execute(http.url, ConfirmLinkDocument, { linkId: pendingId, childId: child.twinA }, auth.svendborgAdmin),
      await execute(http.url, RejectLinkDocument, { linkId: pendingId }, auth.svendborgAdmin),
      await execute(http.url, UnlinkDocument, { linkId: links.eOneroster }, auth.svendborgAdmin),
      await execute(http.url, SplitChildDocument, { childId: child.e, linkIds: [links.eOneroster] }, auth.svendborgAdmin),
      await execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'x', childId: child.moved }, auth.svendborgAdmin),
      await execute(http.url, IdentityLinksDocument, { status: 'LINKED', sourceSystemId: source.edfi, first: 5 }, auth.svendborgAdmin),
    ]) {
      expect(code(res.errors)).toBe('NOT_FOUND');
    }
    expect((await linkRow(pendingId)).status).toBe('pending_review');
    expect((await linkRow(links.eOneroster)).status).toBe('linked');

    for (const res of [
      await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 10 }, auth.school),
      await execute(http.url, ConfirmLinkDocument, { linkId: pendingId }, auth.school),
      await execute(http.url, UnlinkDocument, { linkId: links.eOneroster }, auth.school),
      await execute(http.url, IdentityMatchStatsDocument, {}, auth.school),
    ]) {
      expect(code(res.errors)).toBe('FORBIDDEN');
    }
    expect(code((await execute(http.url, IdentityMatchStatsDocument, {}, {})).errors)).toBe('UNAUTHENTICATED');
  });

  it('answers malformed ids and arguments with BAD_USER_INPUT and unknown ones with NOT_FOUND', async () => {
    const cases: [Promise<GraphQLResponse<unknown>>, string][] = [
      [execute(http.url, ConfirmLinkDocument, { linkId: 'not-an-id' }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, ConfirmLinkDocument, { linkId: links.twins, childId: '42' }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, SplitChildDocument, { childId: child.e, linkIds: [] }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, SplitChildDocument, { childId: child.e, linkIds: ['x'] }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: '  ', childId: child.e }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 0 }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', first: 5, after: 'garbage' }, auth.admin), 'BAD_USER_INPUT'],
      [execute(http.url, UnlinkDocument, { linkId: '00000000-0000-4000-8000-000000000001' }, auth.admin), 'NOT_FOUND'],
      [execute(http.url, LinkManuallyDocument, { sourceSystemId: source.edfi, externalId: 'p-z', childId: '00000000-0000-4000-8000-000000000002' }, auth.admin), 'NOT_FOUND'],
    ];
    for (const [res, expected] of cases) expect(code((await res).errors)).toBe(expected);
  });

  it('identityMatchStats counts per status and method, the review queue and its age', async () => {
    const o = municipality[ODENSE.code];
    const kids = [];
    for (let i = 0; i < 6; i++) kids.push(await addChild(o, `Barn${i}`, 'Odense', '2012-06-0' + (i + 1)));
    const school = await addSource(o, 'Ed-Fi Odense', 'edfi');
    const caseSource = await addSource(o, 'DUBU Odense', 'case_system');
    // Case-system links are not matched and not counted.
    await q(`insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'k0', ?, 'cpr', 1, 'linked')`, [caseSource, kids[0]]);
    await linked(school, 's0', kids[0], 'cpr');
    await linked(school, 's1', kids[1], 'cpr');
    await linked(school, 's2', kids[2], 'uni_login');
    await linked(school, 's3', kids[3], 'probabilistic');
    await q(`update identity_link set decided_by = 'someone', decided_at = now() where external_id = 's3'`);
    await pending(school, 's4', [{ childId: kids[4], score: 0.8 }], 1);
    await pending(school, 's5', [{ childId: kids[5], score: 0.75 }], 4);
    await pending(school, 's6', [{ childId: kids[5], score: 0.71 }], 10);
    await q(`update pupil_record set matched_at = null where source_system_id = ? and external_id in ('s0', 's4')`, [school]);
    const ext = await execute(http.url, LinkManuallyDocument, { sourceSystemId: school, externalId: 's7', childId: kids[4] }, auth.odenseAdmin);
    expect(ext.errors).toBeUndefined();
    const pendingS6 = (await q<{ id: string }>(`select id from identity_link where source_system_id = ? and external_id = 's6'`, [school]))[0].id;
    await execute(http.url, RejectLinkDocument, { linkId: pendingS6 }, auth.odenseAdmin);

    const res = await execute(http.url, IdentityMatchStatsDocument, {}, auth.odenseAdmin);
    expect(res.errors).toBeUndefined();
    const stats = res.data!.identityMatchStats;
    const counts = Object.fromEntries(stats.counts.map((c) => [`${c.status}/${c.method}`, c.count]));
    expect(stats.counts).toHaveLength(12);
    expect(counts).toEqual({
      'LINKED/CPR': 2, 'LINKED/UNI_LOGIN': 1, 'LINKED/PROBABILISTIC': 1, 'LINKED/MANUAL': 1,
      'PENDING_REVIEW/CPR': 0, 'PENDING_REVIEW/UNI_LOGIN': 0, 'PENDING_REVIEW/PROBABILISTIC': 2, 'PENDING_REVIEW/MANUAL': 0,
      'REJECTED/CPR': 0, 'REJECTED/UNI_LOGIN': 0, 'REJECTED/PROBABILISTIC': 1, 'REJECTED/MANUAL': 0,
    });
    expect(stats).toMatchObject({ linked: 5, pendingReview: 2, rejected: 1, decidedByPerson: 2, rejections: 1 });
    // s0 and s4 were reset by hand; s6 waits again after its rejection.
    expect(stats.awaitingMatching).toBe(3);
    expect(stats.reviewQueue.size).toBe(2);
    expect(stats.reviewQueue.oldestAgeSeconds).toBeGreaterThanOrEqual(4 * 3600);
    expect(stats.reviewQueue.oldestAgeSeconds).toBeLessThan(4 * 3600 + 120);
    expect(stats.reviewQueue.medianAgeSeconds).toBeGreaterThanOrEqual(2.5 * 3600);
    expect(stats.reviewQueue.medianAgeSeconds).toBeLessThan(2.5 * 3600 + 120);
    expect(Date.parse(stats.reviewQueue.oldestSince!)).toBeLessThan(Date.now() - 4 * 3600 * 1000 + 1000);

    // Hvidovre's admin asking for Odense's figures: an unknown municipality, as elsewhere.
    const other = await execute(http.url, IdentityMatchStatsDocument, { municipalityCode: ODENSE.code }, auth.admin);
    expect([code(other.errors), other.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'municipalityCode: unknown municipality']);
    const own = await execute(http.url, IdentityMatchStatsDocument, { municipalityCode: ODENSE.code }, auth.odenseAdmin);
    expect(own.data!.identityMatchStats).toMatchObject({ linked: 5, pendingReview: 2 });
  });

  it('pages the review queue from where the page was read: deciding the last item of a page leaves the next page intact', async () => {
    const h = municipality[HVIDOVRE.code];
    const paging = await addSource(h, 'Ed-Fi paging', 'edfi');
    const kids = [await addChild(h, 'Ida', 'Krog', '2013-03-03'), await addChild(h, 'Ole', 'Krog', '2014-04-04'), await addChild(h, 'Pia', 'Krog', '2015-05-05')];
    const queue = [
      await pending(paging, 'pg-1', [{ childId: kids[0], score: 0.8 }], 3),
      await pending(paging, 'pg-2', [{ childId: kids[1], score: 0.8 }], 2),
      await pending(paging, 'pg-3', [{ childId: kids[2], score: 0.8 }], 1),
    ];
    const page = (after?: string | null) => execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', sourceSystemId: paging, first: 1, after }, auth.admin);

    const first = await page();
    expect(first.data!.identityLinks.edges.map((e) => e.node.id)).toEqual([queue[0]]);
    // The reviewer decides what they see (its status_changed_at becomes now), then asks for more.
    expect((await execute(http.url, ConfirmLinkDocument, { linkId: queue[0] }, auth.admin)).errors).toBeUndefined();
    const second = await page(first.data!.identityLinks.pageInfo.endCursor);
    expect(second.errors).toBeUndefined();
    expect(second.data!.identityLinks.edges.map((e) => e.node.id)).toEqual([queue[1]]);
    expect(second.data!.identityLinks.pageInfo.hasNextPage).toBe(true);
    // Rejecting it for good moves it too: the third page still follows.
    expect((await execute(http.url, RejectLinkDocument, { linkId: queue[1] }, auth.admin)).errors).toBeUndefined();
    const third = await page(second.data!.identityLinks.pageInfo.endCursor);
    expect(third.data!.identityLinks.edges.map((e) => e.node.id)).toEqual([queue[2]]);
    expect(third.data!.identityLinks.pageInfo.hasNextPage).toBe(false);

    // The cursor stays opaque, and one not handed out by this API (e.g. a bare link id) is refused.
    expect(first.data!.identityLinks.pageInfo.endCursor).not.toContain(queue[0]);
    const bare = await page(encodeCursor('identity-link', queue[1]));
    expect([code(bare.errors), (bare.errors?.[0]?.extensions as { field?: string }).field]).toEqual(['BAD_USER_INPUT', 'after']);
  });

  it('never confirms a pair a person rejected, not even after a merge moved the rejection onto a remaining candidate', async () => {
    const h = municipality[HVIDOVRE.code];
    const src = await addSource(h, 'Ed-Fi merges', 'edfi');
    // One person registered twice (merged, kept) and another child beside them.
    const merged = await addChild(h, 'Viggo', 'Skov', '2012-08-08');
    const kept = await addChild(h, 'Viggo', 'Skov', '2012-08-08');
    const other = await addChild(h, 'Vagn', 'Skov', '2012-08-09');
    const link = await pending(src, 'm-viggo', [{ childId: merged, score: 0.86 }, { childId: kept, score: 0.85 }, { childId: other, score: 0.72 }]);

    // The reviewer says the record is not Viggo (the one they were shown first)…
    expect((await execute(http.url, RejectLinkDocument, { linkId: link, childId: merged }, auth.admin)).errors).toBeUndefined();
    // …and an admin later finds the two Viggos are one person: the rejection moves to the kept child.
    const merge = await execute(http.url, MergeChildrenDocument, { keepChildId: kept, mergeChildId: merged }, auth.admin);
    expect(merge.errors).toBeUndefined();
    expect(await q(`select child_id from identity_rejection where source_system_id = ? and external_id = 'm-viggo'`, [src])).toEqual([{ child_id: kept }]);
    expect((await linkRow(link)).candidates.map((c) => c.childId)).toEqual([kept, other]);

    // The review queue no longer offers the rejected person…
    const listed = await execute(http.url, IdentityLinksDocument, { status: 'PENDING_REVIEW', sourceSystemId: src, first: 5 }, auth.admin);
    expect(listed.data!.identityLinks.edges.map((e) => e.node.candidates.map((c) => c.child.id))).toEqual([[other]]);
    // …and confirming them is refused, nothing changes.
    const refused = await execute(http.url, ConfirmLinkDocument, { linkId: link, childId: kept }, auth.admin);
    expect([code(refused.errors), reason(refused.errors)]).toEqual(['BAD_USER_INPUT', 'CONFLICTS_WITH_REJECTION']);
    expect(await linkRow(link)).toMatchObject({ status: 'pending_review', child_id: null });

    // Without a choice, the one candidate shown is the one confirmed.
    const confirmed = await execute(http.url, ConfirmLinkDocument, { linkId: link }, auth.admin);
    expect(confirmed.errors).toBeUndefined();
    expect(await linkRow(link)).toMatchObject({ status: 'linked', child_id: other });

    // Only rejected candidates left: a confirmation without a choice says why it is refused.
    const lone = await pending(src, 'm-lone', [{ childId: kept, score: 0.8 }]);
    await q(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, 'm-lone', ?, 'someone')`, [src, kept]);
    const loneRefused = await execute(http.url, ConfirmLinkDocument, { linkId: lone }, auth.admin);
    expect(reason(loneRefused.errors)).toBe('CONFLICTS_WITH_REJECTION');
  });
});
