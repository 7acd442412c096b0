/**
 * mergeChildren end to end: a child registered twice by the case system (first under a
 * substitute CPR number, then under the real one) is merged by an admin over GraphQL. Data
 * moves, the merged id disappears, summaries follow, consents narrow, and later syncs of the
 * merged record land on the kept child.
 */
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { createMaintenanceQueue } from '../../jobs/queues';
import {
  ChildViewDocument,
  ChildrenPageDocument,
  ConsentsDocument,
  GrantConsentDocument,
  MergeChildrenDocument,
  WithdrawConsentDocument,
  type GrantConsentInput,
} from '../../schema/client/graphql';
import { cprHmac } from '../../src/identity/cpr';
import { CHILD_REFERENCES, ChildMergeService } from '../../src/identity/child-merge.service';
import { LOCAL_OPERATOR } from '../../src/partners/actor';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { recomputeChildSummaries } from '../../src/schooling/attendance-summary.service';
import { SchoolWriter } from '../../src/sources/school-writer';
import { SyncMode } from '../../src/sources/sync-run.entity';
import { generatePopulation, type SynthChild } from '../../src/synthetic/generator';
import { MUNICIPALITY, registerSource } from '../support/case-source';
import { errorCode, errorReason, execute } from '../support/graphql-client';
import { ensureMunicipality, fetchToken, registerPartner } from '../support/partners';
import { syncer } from '../support/sync';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const SVENDBORG = { code: '479', name: 'Svendborg' };
const ALL = ['identity', 'placement', 'team', 'attendance', 'grades', 'wellbeing', 'interventions', 'alerts'];
const codeOf = errorCode;
const reasonOf = errorReason;

/** The same person under another number (an erstatningspersonnummer): a second case record. */
function registeredAgain(c: SynthChild): SynthChild {
  const serial = String((Number(c.cpr.slice(7)) + 5000) % 10000).padStart(4, '0');
  return {
    ...c,
    externalId: `${c.externalId}-substitute`,
    cpr: `${c.cpr.slice(0, 7)}${serial}`,
    placements: [{ ...c.placements[0], externalId: `${c.externalId}-substitute-placement` }],
    caseContacts: [{ ...c.caseContacts[0], externalId: `${c.externalId}-substitute-contact` }],
    custodyHolders: [{ ...c.custodyHolders[0], externalId: `${c.externalId}-substitute-holder` }],
  };
}

describe('mergeChildren', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  let sim: CaseSystemSimulator;
  let caseSource: string;
  let schoolSource: string;
  let person: SynthChild;
  let substitute: SynthChild;
  let keep: string;
  let merge: string;
  const tokens: Record<string, string> = {};
  const apps: Record<string, string> = {};

  const em = () => rt.orm.em.fork();
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []) => (await rawQuery<R>(em(), text, params)).rows;
  const gql = <TData, TVars>(who: string, doc: TypedDocumentNode<TData, TVars>, variables: TVars) =>
    execute(http.url, doc, variables, { authorization: `Bearer ${tokens[who]}` });
  const sync = (mode: SyncMode) => syncer(rt)(caseSource, mode);
  async function grant(input: Omit<GrantConsentInput, 'evidenceRef'>): Promise<string> {
    const res = await gql('admin', GrantConsentDocument, { input: { evidenceRef: 'journal 2026-0042', ...input } });
    expect(res.errors).toBeUndefined();
    return res.data!.grantConsent.id;
  }
  /** The categories a partner sees of a child, read through the partner API (empty = NOT_FOUND). */
  async function visible(who: string, id: string): Promise<Set<string>> {
    const res = await gql(who, ChildViewDocument, { id });
    if (!res.data?.child) {
      expect(codeOf(res.errors)).toBe('NOT_FOUND');
      return new Set();
    }
    const hidden = new Set((res.errors ?? []).filter((e) => e.extensions?.code === 'CONSENT_REQUIRED').map((e) => (e.extensions as { category: string }).category));
    return new Set(ALL.filter((k) => !hidden.has(k)));
  }

  beforeAll(async () => {
    rt = await createTestRuntime();
    const population = generatePopulation({ seed: 17, children: 4, municipalities: [MUNICIPALITY] });
    sim = CaseSystemSimulator.fromPopulation(population, MUNICIPALITY.code);
    person = [...population.children()][0];
    substitute = registeredAgain(person);
    sim.addChild(substitute);
    const url = await sim.start();
    caseSource = (await registerSource(rt, sim, url)).sourceId;
    await sync(SyncMode.Full);
    const hash = (cpr: string) => cprHmac(cpr, rt.config.CPR_HMAC_KEY);
    [{ id: keep }] = await sql<{ id: string }>('select id from child where cpr_hmac = ?', [hash(person.cpr)]);
    [{ id: merge }] = await sql<{ id: string }>('select id from child where cpr_hmac = ?', [hash(substitute.cpr)]);

    // School data for both records of the person, from one school source.
    const municipalityId = await ensureMunicipality(rt, MUNICIPALITY.code);
    [{ id: schoolSource }] = await sql<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'Skole OneRoster', 'oneroster') returning id`, [municipalityId]);
    const [{ id: school }] = await sql<{ id: string }>(
      `insert into school (source_system_id, external_id, municipality_id, institution_number, name) values (?, 'org-1', ?, '280999', 'Hvidovre Skole') returning id`,
      [schoolSource, municipalityId],
    );
    for (const [pupil, child] of [['pupil-a', keep], ['pupil-b', merge]]) {
      const [{ id: link }] = await sql<{ id: string }>(
        `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, ?, ?, 'uni_login', 1, 'linked') returning id`,
        [schoolSource, pupil, child],
      );
      await sql(`insert into enrollment (source_system_id, external_id, child_id, identity_link_id, school_id, grade_level, start_date) values (?, ?, ?, ?, ?, 5, '2025-08-11')`, [schoolSource, `enr-${pupil}`, child, link, school]);
      await sql(`insert into grade (source_system_id, external_id, child_id, identity_link_id, subject, kind, value, grade_date, school_year) values (?, ?, ?, ?, 'Dansk', 'term', '7', '2026-01-20', '2025/26')`, [schoolSource, `grade-${pupil}`, child, link]);
      await sql(`insert into wellbeing (source_system_id, external_id, child_id, identity_link_id, indicator, score, survey_year) values (?, ?, ?, ?, 'social', 3.5, 2026)`, [schoolSource, `wb-${pupil}`, child, link]);
      // A: 2–6 March; B: 5, 6, 9, 10 March. On the 5th B's record is newer, on the 6th A's.
      const days = pupil === 'pupil-a'
        ? [['2026-03-02', 'present', 1], ['2026-03-03', 'present', 1], ['2026-03-04', 'present', 1], ['2026-03-05', 'present', 1], ['2026-03-06', 'present', 9]]
        : [['2026-03-05', 'illness', 5], ['2026-03-06', 'unauthorised', 5], ['2026-03-09', 'unauthorised', 5], ['2026-03-10', 'unauthorised', 5]];
      for (const [date, status, day] of days) {
        await sql(
          `insert into attendance_day (source_system_id, external_id, child_id, identity_link_id, date, status, source_updated_at) values (?, ?, ?, ?, ?, ?, ?)`,
          [schoolSource, `att-${pupil}-${date}`, child, link, date, status, `2026-03-${String(day).padStart(2, '0')}T12:00:00Z`],
        );
      }
    }
    await sql(`insert into intervention (source_system_id, external_id, child_id, kind, start_date) values (?, 'int-b', ?, 'mentor', '2026-01-05')`, [caseSource, merge]);
    await em().transactional((tx) => recomputeChildSummaries(tx, [keep, merge]));
    // Remembered rejections: one only the merged child has, one both have.
    await sql(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, 'pupil-z', ?, 'x'), (?, 'pupil-y', ?, 'x'), (?, 'pupil-y', ?, 'x')`, [schoolSource, merge, schoolSource, merge, schoolSource, keep]);
    // A pupil awaiting review with both children proposed.
    await sql(
      `insert into identity_link (source_system_id, external_id, method, confidence, status, candidates) values (?, 'pupil-p', 'probabilistic', 0.8, 'pending_review', ?::jsonb)`,
      [schoolSource, JSON.stringify([{ childId: merge, score: 0.82 }, { childId: keep, score: 0.8 }])],
    );
    await sql(`insert into pupil_record (source_system_id, external_id, first_name, matched_at) values (?, 'pupil-p', 'X', now())`, [schoolSource]);

    http = await startHttpServer(rt);
    const origin = new URL(http.url).origin;
    const register = async (key: string, role: 'admin' | 'school' | 'caseworker', purposes: string[], municipality = MUNICIPALITY) => {
      const app = await registerPartner(rt, { municipalityCode: municipality.code, municipalityName: municipality.name, role, purposes, name: key });
      apps[key] = app.appId;
      tokens[key] = await fetchToken(origin, app.clientId, app.clientSecret);
    };
    await register('admin', 'admin', ['administration']);
    await register('school', 'school', ['school_support']);
    await register('otherSchool', 'school', ['school_support']);
    await register('caseworker', 'caseworker', ['case_work']);
    await register('svendborgAdmin', 'admin', ['administration'], SVENDBORG);
  });

  afterAll(async () => {
    await http?.close();
    const queue = rt && createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await sim?.stop();
    await rt?.dispose();
  });

  it('knows what to do with every table that references a child', async () => {
    // By foreign key, or by a child_id column (attendance_day keeps its reference by trigger); the
    // access log alone keeps ids of children that no longer exist, on purpose.
    const rows = await sql<{ t: string }>(
      `select conrelid::regclass::text as t from pg_constraint where contype = 'f' and confrelid = 'child'::regclass
       union
       select table_name from information_schema.columns where table_schema = 'public' and column_name = 'child_id' and table_name <> 'audit_event'`,
    );
    expect(rows.map((r) => r.t).sort()).toEqual(Object.keys(CHILD_REFERENCES).sort());
  });

  it('refuses non-admins, unknown or foreign children, a child merged into itself, and a merge against a person’s rejection', async () => {
    expect(codeOf((await gql('school', MergeChildrenDocument, { keepChildId: keep, mergeChildId: merge })).errors)).toBe('FORBIDDEN');
    const self = await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: keep });
    expect([codeOf(self.errors), reasonOf(self.errors)]).toEqual(['BAD_USER_INPUT', 'SAME_CHILD']);
    expect(codeOf((await gql('svendborgAdmin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: merge })).errors)).toBe('NOT_FOUND');
    expect(codeOf((await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: randomUUID() })).errors)).toBe('NOT_FOUND');
    expect(codeOf((await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: 'nope' })).errors)).toBe('BAD_USER_INPUT');

    // Across municipalities (only the local operator sees both): refused, with its own reason.
    const svendborg = await ensureMunicipality(rt, SVENDBORG.code, SVENDBORG.name);
    const [{ id: elsewhere }] = await sql<{ id: string }>(`insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, 'feed', 'Ida', 'Holm', '2014-01-01') returning id`, [svendborg]);
    const across = await new ChildMergeService(em(), LOCAL_OPERATOR, 'test').merge(keep, elsewhere).catch((e: { extensions: unknown }) => e.extensions);
    expect(across).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DIFFERENT_MUNICIPALITIES' });

    // A person decided school record pupil-b (linked to the merged child) is not the kept child.
    await sql(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, 'pupil-b', ?, 'reviewer')`, [schoolSource, keep]);
    const conflicting = await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: merge });
    expect([codeOf(conflicting.errors), reasonOf(conflicting.errors)]).toEqual(['BAD_USER_INPUT', 'CONFLICTS_WITH_REJECTION']);
    await sql(`delete from identity_rejection where external_id = 'pupil-b'`);
    // Nothing moved by the refusals.
    expect(await sql(`select count(*)::int as n from placement where child_id = ?`, [merge])).toEqual([{ n: 1 }]);
  });

  it('moves the data, narrows consents so no partner sees more of either child, and forgets the merged id', async () => {
    const [{ id: keptHolder }] = await sql<{ id: string }>(`select id from custody_holder where child_id = ?`, [keep]);
    const [{ id: mergedHolder }] = await sql<{ id: string }>(`select id from custody_holder where child_id = ?`, [merge]);
    const school = { purposes: ['school_support'] };
    // School app: identity and attendance of the kept child only (nothing of the sort for the other record).
    const schoolAttendance = await grant({ childId: keep, grantorKind: 'LEGAL_BASIS', legalBasis: 'Folkeskoleloven §46', provisions: [{ effect: 'PERMIT', recipientPartnerAppId: apps.school, categories: ['IDENTITY', 'ATTENDANCE'], ...school }] });
    // Both records: identity for every school app, from each record's custody holder.
    const keptIdentity = await grant({ childId: keep, grantorKind: 'CUSTODY_HOLDER', custodyHolderId: keptHolder, provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['IDENTITY'], ...school }] });
    const mergedIdentity = await grant({ childId: merge, grantorKind: 'CUSTODY_HOLDER', custodyHolderId: mergedHolder, provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['IDENTITY'], ...school }] });
    // The caseworker's legal basis names the merged record only.
    const caseworkBasis = await grant({ childId: merge, grantorKind: 'LEGAL_BASIS', legalBasis: 'Barnets lov §46', provisions: [{ effect: 'PERMIT', recipientRole: 'CASEWORKER', categories: ['IDENTITY', 'PLACEMENT'], purposes: ['case_work'] }] });
    const withdrawn = await grant({ childId: merge, grantorKind: 'CUSTODY_HOLDER', custodyHolderId: mergedHolder, provisions: [{ effect: 'PERMIT', recipientRole: 'SCHOOL', categories: ['GRADES'], ...school }] });
    expect((await gql('admin', WithdrawConsentDocument, { input: { id: withdrawn, reason: 'changed mind' } })).errors).toBeUndefined();

    const partners = ['school', 'otherSchool', 'caseworker'];
    const before: Record<string, [Set<string>, Set<string>]> = {};
    for (const p of partners) before[p] = [await visible(p, keep), await visible(p, merge)];
    expect([...before.school[0]].sort()).toEqual(['attendance', 'identity']);
    expect([...before.caseworker[1]].sort()).toEqual(['identity', 'placement']);

    const res = await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: merge });
    expect(res.errors).toBeUndefined();
    const result = res.data!.mergeChildren;
    expect(result).toMatchObject({
      keptChildId: keep,
      mergedChildId: merge,
      moved: { placements: 1, caseContacts: 1, custodyHolders: 1, interventions: 1, enrollments: 1, grades: 1, wellbeing: 1, attendanceDays: 3, identityLinks: 2, identityRejections: 1, consents: 3 },
      attendanceClashesDropped: 2,
      consentsSuperseded: [mergedIdentity],
      reviewsRequeued: 1,
    });
    expect(result.consentsKept).toEqual([keptIdentity]);
    expect(result.consentsNeedingReview.sort((a, b) => a.consentId.localeCompare(b.consentId))).toEqual(
      [
        { consentId: schoolAttendance, fromChildId: keep, grantorKind: 'LEGAL_BASIS', categories: ['ATTENDANCE', 'IDENTITY'] },
        { consentId: caseworkBasis, fromChildId: merge, grantorKind: 'LEGAL_BASIS', categories: ['IDENTITY', 'PLACEMENT'] },
      ].sort((a, b) => a.consentId.localeCompare(b.consentId)),
    );

    // No partner sees more of the merged person than it saw of both records before.
    for (const p of partners) {
      const after = await visible(p, keep);
      for (const k of after) expect({ p, k, before: [before[p][0].has(k), before[p][1].has(k)] }).toEqual({ p, k, before: [true, true] });
      expect(await visible(p, merge)).toEqual(new Set());
    }
    expect([...(await visible('school', keep))]).toEqual(['identity']);
    expect(await visible('caseworker', keep)).toEqual(new Set());
    const listed = await gql('school', ChildrenPageDocument, { first: 50 });
    expect(listed.data!.children.edges.map((e) => e.node.id)).toContain(keep);
    expect(listed.data!.children.edges.map((e) => e.node.id)).not.toContain(merge);
    expect(codeOf((await gql('admin', ConsentsDocument, { childId: merge })).errors)).toBe('NOT_FOUND');

    // Every consent of the person is on the kept child, with its history; the status says why it ended.
    const consents = new Map((await gql('admin', ConsentsDocument, { childId: keep })).data!.consents.map((c) => [c.id, c]));
    expect(Object.fromEntries([...consents].map(([id, c]) => [id, c.status]))).toEqual({
      [schoolAttendance]: 'SUSPENDED',
      [keptIdentity]: 'ACTIVE',
      [mergedIdentity]: 'SUPERSEDED',
      [caseworkBasis]: 'SUSPENDED',
      [withdrawn]: 'WITHDRAWN',
    });
    expect(consents.get(caseworkBasis)!.history.map((h) => h.kind)).toEqual(['GRANTED', 'MERGED', 'SUSPENDED']);
    expect(consents.get(caseworkBasis)!.history.at(-1)!.reason).toMatch(/^merge: needs review/);
    expect(consents.get(mergedIdentity)!.history.map((h) => h.kind)).toEqual(['GRANTED', 'MERGED', 'SUPERSEDED']);
    expect(consents.get(withdrawn)!.history.map((h) => h.kind)).toEqual(['GRANTED', 'WITHDRAWN', 'MERGED']);

    // Attendance: the newer record of each clashing day stayed; the summaries match the moved days.
    expect(await sql(`select date::text, status from attendance_day where child_id = ? order by date`, [keep])).toEqual([
      { date: '2026-03-02', status: 'present' },
      { date: '2026-03-03', status: 'present' },
      { date: '2026-03-04', status: 'present' },
      { date: '2026-03-05', status: 'illness' },
      { date: '2026-03-06', status: 'present' },
      { date: '2026-03-09', status: 'unauthorised' },
      { date: '2026-03-10', status: 'unauthorised' },
    ]);
    const summaries = () =>
      sql(`select period_kind, period_start::text, school_days, present_days, illness_days, unauthorised_days, absence_pct::text from attendance_summary where child_id in (?, ?) order by period_kind, child_id`, [keep, merge]);
    const stored = await summaries();
    expect(stored).toContainEqual({ period_kind: 'month', period_start: '2026-03-01', school_days: 7, present_days: 4, illness_days: 1, unauthorised_days: 2, absence_pct: '42.86' });
    expect(stored).toHaveLength(3);
    await em().transactional((tx) => recomputeChildSummaries(tx, [keep, merge]));
    expect(await summaries()).toEqual(stored);

    // Identity bookkeeping: rejections moved (not doubled), the review that proposed the merged child goes back to matching.
    expect(await sql(`select external_id from identity_rejection where child_id = ? order by external_id`, [keep])).toEqual([{ external_id: 'pupil-y' }, { external_id: 'pupil-z' }]);
    expect(await sql(`select candidates from identity_link where external_id = 'pupil-p'`)).toEqual([{ candidates: [{ childId: keep, score: 0.8 }] }]);
    expect(await sql(`select matched_at from pupil_record where external_id = 'pupil-p'`)).toEqual([{ matched_at: null }]);
    expect(await sql(`select count(*)::int as n from identity_link where child_id = ?`, [merge])).toEqual([{ n: 0 }]);
    expect(await sql(`select merged_into_id from child where id = ?`, [merge])).toEqual([{ merged_into_id: keep }]);
    // Who merged and when stays with the tombstone (the access log is deleted after its retention).
    const [adminClient] = await sql<{ client_id: string }>(`select client_id from partner_app where id = ?`, [apps.admin]);
    expect(await sql(`select merged_by, merged_at is not null as dated from child where id = ?`, [merge])).toEqual([{ merged_by: adminClient.client_id, dated: true }]);

    // Audited for both children, in the same transaction as the change.
    const audit = await sql<{ target: string; child_id: string; action: string }>(`select target, child_id, action from audit_event where target like 'child:%' order by target`);
    expect(audit).toEqual(expect.arrayContaining([
      { target: `child:${keep}`, child_id: keep, action: 'change' },
      { target: `child:${merge}`, child_id: merge, action: 'change' },
    ]));

    // The merged id is gone: merging it again is NOT_FOUND.
    expect(codeOf((await gql('admin', MergeChildrenDocument, { keepChildId: keep, mergeChildId: merge })).errors)).toBe('NOT_FOUND');

    // Re-recorded for the merged person, the school app sees the merged attendance.
    await grant({ childId: keep, grantorKind: 'LEGAL_BASIS', legalBasis: 'Folkeskoleloven §46', provisions: [{ effect: 'PERMIT', recipientPartnerAppId: apps.school, categories: ['ATTENDANCE'], ...school }] });
    const view = await gql('school', ChildViewDocument, { id: keep });
    expect(view.data!.child!.attendanceSummaries).toEqual([expect.objectContaining({ periodStart: '2026-01-01', schoolDays: 7, illnessDays: 1, unauthorisedDays: 2 })]);
  });

  it('lands later case and school records of the merged person on the kept child', async () => {
    const children = Number((await sql<{ n: string }>(`select count(*) as n from child`))[0].n);
    // The case system still sends the substitute record, renamed and with a new placement.
    sim.addChild({ ...substitute, lastName: 'Ny-Efternavn', placements: [...substitute.placements, { ...substitute.placements[0], externalId: 'late-placement', placeName: 'Opholdsstedet Senere' }] });
    await sync(SyncMode.Incremental);
    await sync(SyncMode.Full);
    expect(Number((await sql<{ n: string }>(`select count(*) as n from child`))[0].n)).toBe(children);
    expect(await sql(`select child_id from placement where external_id = 'late-placement'`)).toEqual([{ child_id: keep }]);
    expect(await sql(`select child_id from identity_link where source_system_id = ? and external_id = ?`, [caseSource, substitute.externalId])).toEqual([{ child_id: keep }]);
    expect(await sql(`select merged_into_id from child where id = ?`, [merge])).toEqual([{ merged_into_id: keep }]);
    expect(await sql(`select count(*)::int as n from placement where child_id = ?`, [keep])).toEqual([{ n: person.placements.length + 2 }]);
    // The merged number routed here by the merge is no CPR correction: nothing is quarantined.
    expect(await sql(`select external_id, reason from quarantined_record where source_system_id = ? and resolved_at is null`, [caseSource])).toEqual([]);

    // A pupil of another school source carrying the substitute number links to the kept child
    // (in the first school source the kept child already has a record: that would be a review).
    const municipalityId = await ensureMunicipality(rt, MUNICIPALITY.code);
    const [{ id: otherSchool }] = await sql<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'Skole CSV', 'csv') returning id`, [municipalityId]);
    const writer = new SchoolWriter(em(), { id: otherSchool, municipalityId });
    await writer.pupils([{ target: 'pupil', externalId: 'pupil-s', cprHmac: cprHmac(substitute.cpr, rt.config.CPR_HMAC_KEY), uniLoginId: null, firstName: null, lastName: null, birthDate: null, sourceUpdatedAt: null }]);
    expect(await sql(`select child_id, method from identity_link where external_id = 'pupil-s'`)).toEqual([{ child_id: keep, method: 'cpr' }]);

    // After the merge, a real correction of the kept record's number renumbers the kept child:
    // an administrator already decided both records are this person.
    const corrected = '710415-1239';
    sim.update('children', person.externalId, { cpr: corrected });
    await sync(SyncMode.Incremental);
    expect(await sql(`select cpr_hmac from child where id = ?`, [keep])).toEqual([{ cpr_hmac: cprHmac(corrected, rt.config.CPR_HMAC_KEY) }]);
    expect(await sql(`select count(*)::int as n from quarantined_record where source_system_id = ? and resolved_at is null`, [caseSource])).toEqual([{ n: 0 }]);
  });
});
