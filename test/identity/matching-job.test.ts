import { randomUUID } from 'node:crypto';
import { matchSourcePupils, matchThresholds, OTHER_MUNICIPALITY_REASON, type IdentityMatchCounts } from '../../src/identity/identity-matching.service';
import { seedMatchingPopulation, type SeededMatchingPopulation } from '../../src/identity/identity-matching.synthetic';
import type { ProposedCandidate } from '../../src/identity/matching';
import { rawQuery } from '../../src/platform/db/bulk';
import { SchoolWriter } from '../../src/sources/school-writer';
import type { NoisyPupil } from '../../src/synthetic/noisy-pupils';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

// The matching pipeline on a generated population with realistic noise (typos, missing birth
// dates, swapped names, twins, namesakes, movers), through the database: 1,200 hub children in
// four municipalities, 5,000 school pupils staged by SchoolWriter into one school source per
// municipality, each matched by matchSourcePupils. Compared with the generator's ground truth.

interface LinkRow {
  source_system_id: string;
  external_id: string;
  child_id: string | null;
  status: string;
  method: string;
  confidence: string;
  candidates: ProposedCandidate[];
  reasons: string[];
  decided_by: string | null;
}

describe('identity matching pipeline (real PostgreSQL, noisy population)', () => {
  let rt: TestRuntime;
  let pop: SeededMatchingPopulation;
  let sources: string[];
  const first: IdentityMatchCounts[] = [];

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const matchAll = async (opts: { all?: boolean } = {}) => {
    const out: IdentityMatchCounts[] = [];
    for (const s of sources) {
      const r = await matchSourcePupils(rt.orm.em.fork(), s, matchThresholds(rt.config), opts);
      if (r.kind !== 'matched') throw new Error(`unexpected outcome ${r.kind}`);
      out.push(r.counts);
    }
    return out;
  };
  const links = () => q<LinkRow>(`select source_system_id, external_id, child_id, status, method, confidence::text, candidates, reasons, decided_by from identity_link where source_system_id = any(?::uuid[]) order by 1, 2`, [sources]);
  const pupilOf = new Map<string, NoisyPupil>();
  const key = (sourceId: string, externalId: string) => `${sourceId}|${externalId}`;
  const truthOf = (p: NoisyPupil) => (p.truth.childIndex === null ? null : pop.childIds.get(pop.hubChildren[p.truth.childIndex].id)!);

  beforeAll(async () => {
    rt = await createTestRuntime();
    pop = await seedMatchingPopulation(rt.orm.em.fork(), { seed: 42, children: 1200, pupils: 5000, cprKey: rt.config.CPR_HMAC_KEY });
    sources = [...pop.schoolSources.values()];
    for (const p of pop.pupils) pupilOf.set(key(pop.schoolSources.get(p.municipalityCode!)!, p.externalId), p);
    first.push(...(await matchAll()));
  });
  afterAll(async () => rt?.dispose());

  it('links no pupil to the wrong child (precision of automatic links 100 %) and prints the recall', async () => {
    const all = await links();
    const wrong = all.filter((l) => l.status === 'linked' && l.child_id !== truthOf(pupilOf.get(key(l.source_system_id, l.external_id))!));
    expect(wrong).toEqual([]);
    const truePupils = pop.pupils.filter((p) => p.truth.childIndex !== null).length;
    const linked = all.filter((l) => l.status === 'linked');
    const byMethod = (m: string) => linked.filter((l) => l.method === m).length;
    const sum = (f: (c: IdentityMatchCounts) => number) => first.reduce((n, c) => n + f(c), 0);
    console.log(
      `identity matching through the database: ${pop.hubChildren.length} hub children × ${pop.pupils.length} pupils (${truePupils} hub children) — ` +
        `recall of automatic links ${((100 * linked.length) / truePupils).toFixed(1)} % (cpr ${byMethod('cpr')}, uni_login ${byMethod('uni_login')}, probabilistic ${byMethod('probabilistic')}; ` +
        `this job: ${sum((c) => c.linked.probabilistic)} probabilistic, ${sum((c) => c.pendingReview)} to review, ${sum((c) => c.unlinked)} dropped), precision 100 %`,
    );
    expect(sum((c) => c.considered)).toBeGreaterThan(4000);
    expect(byMethod('probabilistic')).toBeGreaterThan(200);
    expect(linked.length / truePupils).toBeGreaterThan(0.75);
    expect(sum((c) => c.newLinks)).toBe(sum((c) => c.linked.cpr + c.linked.uni_login + c.linked.probabilistic));
  });

  it('sends twins to review, never links them', async () => {
    const byKey = new Map((await links()).map((l) => [key(l.source_system_id, l.external_id), l]));
    const twins = [...pupilOf.entries()].filter(([, p]) => p.truth.noise.includes('twin'));
    expect(twins.length).toBeGreaterThan(10);
    expect(twins.map(([k]) => byKey.get(k)?.status).filter((s) => s !== 'pending_review')).toEqual([]);
  });

  it('keeps nothing about pupils without a candidate: no pupil record, no link', async () => {
    const records = new Set((await q<{ k: string }>(`select source_system_id || '|' || external_id as k from pupil_record where source_system_id = any(?::uuid[])`, [sources])).map((r) => r.k));
    const linkKeys = new Set((await links()).map((l) => key(l.source_system_id, l.external_id)));
    expect([...records].filter((k) => !linkKeys.has(k))).toEqual([]);
    expect([...linkKeys].filter((k) => !records.has(k))).toEqual([]);
    const dropped = [...pupilOf.keys()].filter((k) => !records.has(k));
    expect(dropped.length).toBe(first.reduce((n, c) => n + c.unlinked, 0));
    expect(dropped.length).toBeGreaterThan(2000);
    // Every hub child with an intact record kept something to link or review.
    expect(dropped.filter((k) => pupilOf.get(k)!.truth.childIndex !== null && pupilOf.get(k)!.truth.noise.length === 0)).toEqual([]);
  });

  it('never links a mover or a namesake of another municipality on names and dates', async () => {
    const all = await links();
    const flagged = (noise: string) => all.filter((l) => pupilOf.get(key(l.source_system_id, l.external_id))!.truth.noise.includes(noise as never));
    expect(flagged('moved_school_and_municipality').length).toBeGreaterThan(3);
    expect(flagged('moved_school_and_municipality').filter((l) => l.status === 'linked' && l.method === 'probabilistic')).toEqual([]);
    expect(flagged('namesake').filter((l) => l.status === 'linked')).toEqual([]);
  });

  it('changes nothing when run again, for new records only or for all', async () => {
    const snapshot = async () => ({
      links: await q(`select source_system_id, external_id, child_id, status, method, confidence, candidates, reasons, status_changed_at from identity_link order by 1, 2`),
      records: await q(`select * from pupil_record order by 1, 2`),
    });
    const before = await snapshot();
    const again = await matchAll();
    expect(again.map((c) => [c.considered, c.newLinks])).toEqual(sources.map(() => [0, 0]));
    expect(await snapshot()).toEqual(before);
    // Re-deciding the proposals may refresh their evidence once (the first run's links taught
    // the hub UNI-Login ids), but links nothing new, drops nothing, and then holds still.
    const all = await matchAll({ all: true });
    expect(all.reduce((n, c) => n + c.considered, 0)).toBeGreaterThan(100);
    expect(all.reduce((n, c) => n + c.newLinks + c.unlinked + c.stale, 0)).toBe(0);
    const settled = await snapshot();
    expect(settled.records).toEqual(before.records);
    await matchAll({ all: true });
    await matchAll();
    expect(await snapshot()).toEqual(settled);
  });

  it('links a probabilistic match to a child of another municipality only through review', async () => {
    const [hvidovre, svendborg] = ['167', '479'];
    const [school] = await q<{ id: string; institution_number: string }>(`select s.id, s.institution_number from school s join municipality m on m.id = s.municipality_id where m.code = ? limit 1`, [hvidovre]);
    // A Svendborg child the hub knows at a Hvidovre school: its pupil record there agrees in every field (score 1).
    const childId = randomUUID();
    await q(`insert into child (id, municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, repeat('c', 64), 'Ingeborg', 'Quist-Vestergaard', '2013-02-27')`, [childId, pop.municipalityIds.get(svendborg)]);
    await q(`insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'case-ingeborg', ?, 'cpr', 1, 'linked')`, [pop.caseSources.get(svendborg), childId]);
    await q(`insert into enrollment (source_system_id, external_id, child_id, school_id, grade_level, start_date) values (?, 'case-ingeborg-enr', ?, ?, 6, '2024-08-12')`, [pop.caseSources.get(svendborg), childId, school.id]);
    const source = pop.schoolSources.get(hvidovre)!;
    await stage(source, hvidovre, { externalId: 'moved-ingeborg', firstName: 'Ingeborg', lastName: 'Quist-Vestergaard', birthDate: '2013-02-27', institutionNumber: school.institution_number });
    const r = await matchSourcePupils(rt.orm.em.fork(), source, matchThresholds(rt.config));
    expect(r).toMatchObject({ kind: 'matched', counts: { considered: 1, pendingReview: 1, newLinks: 0 } });
    const [link] = await q<LinkRow>(`select status, child_id, candidates, reasons from identity_link where source_system_id = ? and external_id = 'moved-ingeborg'`, [source]);
    expect(link).toMatchObject({ status: 'pending_review', child_id: null, reasons: expect.arrayContaining([OTHER_MUNICIPALITY_REASON]) });
    expect(link.candidates.map((c) => [c.childId, c.score])).toEqual([[childId, 1]]);
  });

  it('sends a CPR match to a child of another municipality, or to a child the source already has a record of, to review', async () => {
    const [hvidovre, svendborg] = ['167', '479'];
    const source = pop.schoolSources.get(hvidovre)!;
    // A Svendborg child whose CPR hash a Hvidovre school sends: deterministic, and still a person's call.
    const mover = randomUUID();
    await q(`insert into child (id, municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, repeat('d', 64), 'Otto', 'Brask', '2012-04-04')`, [mover, pop.municipalityIds.get(svendborg)]);
    await stage(source, hvidovre, { externalId: 'cpr-mover', cprHmac: 'd'.repeat(64), firstName: 'Otto', lastName: 'Brask', birthDate: '2012-04-04', institutionNumber: null });
    // A Hvidovre child the source already has a linked record of, sent again under a second id.
    const [{ child_id: twice }] = await q<{ child_id: string }>(
      `select il.child_id from identity_link il join child c on c.id = il.child_id where il.source_system_id = ? and il.status = 'linked' and il.method = 'cpr' limit 1`,
      [source],
    );
    const [{ cpr_hmac: twiceCpr }] = await q<{ cpr_hmac: string }>(`select cpr_hmac from child where id = ?`, [twice]);
    await stage(source, hvidovre, { externalId: 'duplicate-record', cprHmac: twiceCpr, firstName: null, lastName: null, birthDate: null, institutionNumber: null });
    await matchSourcePupils(rt.orm.em.fork(), source, matchThresholds(rt.config));
    const decided = await q<LinkRow>(`select external_id, status, child_id, reasons from identity_link where source_system_id = ? and external_id in ('cpr-mover', 'duplicate-record') order by external_id`, [source]);
    expect(decided).toEqual([
      expect.objectContaining({ external_id: 'cpr-mover', status: 'pending_review', child_id: null, reasons: expect.arrayContaining([OTHER_MUNICIPALITY_REASON]) }),
      expect.objectContaining({ external_id: 'duplicate-record', status: 'pending_review', child_id: null, reasons: expect.arrayContaining(['candidate_already_linked']) }),
    ]);
  });

  it('never proposes a rejected pair again', async () => {
    // A reviewer rejects every proposal of 30 pending records.
    const pending = (await links()).filter((l) => l.status === 'pending_review' && l.decided_by === null).slice(0, 30);
    expect(pending).toHaveLength(30);
    for (const l of pending) {
      for (const c of l.candidates) {
        await q(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, ?, ?, 'test-admin')`, [l.source_system_id, l.external_id, c.childId]);
      }
      await q(`update identity_link set status = 'rejected', decided_by = 'test-admin', decided_at = now() where source_system_id = ? and external_id = ?`, [l.source_system_id, l.external_id]);
    }
    const rejectedPairs = new Set((await q<{ k: string }>(`select source_system_id || '|' || external_id || '|' || child_id as k from identity_rejection`)).map((r) => r.k));
    // A rejected link keeps the proposals it was rejected on, as evidence; every other link is checked.
    const proposedRejected = (all: LinkRow[]) =>
      all.filter((l) => l.status !== 'rejected').flatMap((l) => [...l.candidates.map((c) => c.childId), ...(l.child_id ? [l.child_id] : [])].filter((c) => rejectedPairs.has(`${key(l.source_system_id, l.external_id)}|${c}`)));

    await matchAll({ all: true });
    const after = await links();
    expect(proposedRejected(after)).toEqual([]);
    const mine = after.filter((l) => pending.some((p) => p.source_system_id === l.source_system_id && p.external_id === l.external_id));
    expect(mine).toHaveLength(30); // a person's decision is never deleted
    expect(mine.filter((l) => l.status === 'linked' || l.decided_by !== 'test-admin')).toEqual([]);

    expect(proposedRejected(await links())).toEqual([]);
  });

  it('returns a rejected record to review, never to a link, when a new candidate appears', async () => {
    const code = '167';
    const source = pop.schoolSources.get(code)!;
    const match = async () => matchSourcePupils(rt.orm.em.fork(), source, matchThresholds(rt.config), { all: true });
    const child = async (name: string, birthDate: string) => {
      const id = randomUUID();
      await q(`insert into child (id, municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, ?, ?, 'Øxenholt', ?)`, [id, pop.municipalityIds.get(code), `${name}-${id}`.padEnd(64, 'x').slice(0, 64), name, birthDate]);
      return id;
    };
    const link = async () => (await q<LinkRow>(`select status, child_id, candidates, decided_by from identity_link where source_system_id = ? and external_id = 'valdemar'`, [source]))[0];
    const pupil = { externalId: 'valdemar', firstName: 'Valdemar', lastName: 'Øxenholt', institutionNumber: null };

    // Sent without a birth date: the hub's Valdemar is proposed, and a reviewer rejects him.
    const first = await child('Valdemar', '2012-06-14');
    await stage(source, code, { ...pupil, birthDate: null });
    await match();
    expect(await link()).toMatchObject({ status: 'pending_review', candidates: [expect.objectContaining({ childId: first })] });
    await q(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, 'valdemar', ?, 'test-admin')`, [source, first]);
    await q(`update identity_link set status = 'rejected', decided_by = 'test-admin', decided_at = now() where source_system_id = ? and external_id = 'valdemar'`, [source]);

    // No other candidate: the decision stands and the held identity goes (minimisation).
    await match();
    expect(await link()).toMatchObject({ status: 'rejected', decided_by: 'test-admin' });
    expect(await q(`select 1 from pupil_record where source_system_id = ? and external_id = 'valdemar'`, [source])).toEqual([]);

    // A second Valdemar Øxenholt arrives from the case system, and the school now sends the birth
    // date: every field agrees (a score that would link automatically), yet a person decides.
    const second = await child('Valdemar', '2012-06-14');
    await stage(source, code, { ...pupil, birthDate: '2012-06-14' });
    const r = await matchSourcePupils(rt.orm.em.fork(), source, matchThresholds(rt.config));
    expect(r).toMatchObject({ counts: { considered: 1, pendingReview: 1, newLinks: 0 } });
    const reopened = await link();
    expect(reopened).toMatchObject({ status: 'pending_review', child_id: null, decided_by: 'test-admin' });
    expect(reopened.candidates.map((c) => [c.childId, c.score >= 0.9])).toEqual([[second, true]]);
  });

  /** Stages one pupil as a sync would: the pupil record, then its enrolment. */
  async function stage(
    sourceId: string,
    code: string,
    p: { externalId: string; cprHmac?: string | null; uniLoginId?: string | null; firstName: string | null; lastName: string | null; birthDate: string | null; institutionNumber: string | null },
  ) {
    await rt.orm.em.fork().transactional(async (tx) => {
      const writer = new SchoolWriter(tx, { id: sourceId, municipalityId: pop.municipalityIds.get(code)! });
      await writer.pupils([{ target: 'pupil', externalId: p.externalId, cprHmac: p.cprHmac ?? null, uniLoginId: p.uniLoginId ?? null, firstName: p.firstName, lastName: p.lastName, birthDate: p.birthDate, sourceUpdatedAt: null }]);
      if (p.institutionNumber) {
        await writer.childOwned('enrollment', [
          { target: 'enrollment', externalId: `enrolment-${p.externalId}`, childExternalId: p.externalId, institutionNumber: p.institutionNumber, gradeLevel: 5, className: null, startDate: '2025-08-11', endDate: null, sourceUpdatedAt: null },
        ]);
      }
    });
  }
});
