import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadRejections, lockSource, writeDecisions, type StagedDecision } from '../../src/identity/identity-matching.store';
import { IdentityReviewService } from '../../src/identity/identity-review.service';
import type { ProposedCandidate } from '../../src/identity/matching';
import { ChildMergeService } from '../../src/identity/child-merge.service';
import { LOCAL_OPERATOR } from '../../src/partners/actor';
import { rawQuery } from '../../src/platform/db/bulk';
import { isLockContention } from '../../src/platform/db/lock-wait';
import { ensureMunicipality } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';
import { someoneWaits as waitsForLock } from '../support/locks';

// Identity decisions racing the matching job, syncs and merges, on real PostgreSQL: the other
// party holds its transaction open while a decision runs, then commits.

describe('identity review decisions under concurrency', () => {
  let rt: TestRuntime;
  let municipalityId: string;
  let source: string;

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const review = (lockTimeoutMs?: number) =>
    new IdentityReviewService(
      rt.orm.em.fork(),
      LOCAL_OPERATOR,
      'test-request',
      { triggerSync: jest.fn(async () => undefined), triggerIdentityMatch: jest.fn(async () => undefined) } as never,
      lockTimeoutMs,
    );
  async function addChild(firstName: string): Promise<string> {
    const [row] = await q<{ id: string }>(`insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, ?, 'Race', '2013-05-04') returning id`, [
      municipalityId, randomBytes(32).toString('hex'), firstName,
    ]);
    return row.id;
  }
  const candidate = (childId: string, score: number): ProposedCandidate => ({
    childId, score, agree: ['last_name', 'birth_date'], partial: ['first_name'], disagree: [], missing: [], notes: [],
    parts: { firstName: 0.2, lastName: 0.3, middleNames: 0, birthDate: 0.3, place: 0, nameOrderPenalty: 0 },
  });
  async function pupil(externalId: string): Promise<void> {
    await q(`insert into pupil_record (source_system_id, external_id, first_name, last_name, birth_date, matched_at) values (?, ?, 'Pupil', 'Race', '2013-05-04', now())`, [source, externalId]);
  }
  async function pending(externalId: string, candidates: ProposedCandidate[]): Promise<string> {
    await pupil(externalId);
    const [row] = await q<{ id: string }>(
      `insert into identity_link (source_system_id, external_id, method, confidence, status, candidates, reasons)
       values (?, ?, 'probabilistic', ?, 'pending_review', ?::jsonb, '{between_thresholds}') returning id`,
      [source, externalId, candidates[0].score, JSON.stringify(candidates)],
    );
    return row.id;
  }
  const version = async (externalId: string) => (await q<{ v: string }>(`select xmin::text as v from pupil_record where source_system_id = ? and external_id = ?`, [source, externalId]))[0].v;
  const linkOf = async (externalId: string) =>
    (await q<{ status: string; child_id: string | null; method: string; decided_by: string | null; candidates: ProposedCandidate[] }>(
      `select status, child_id, method, decided_by, candidates from identity_link where source_system_id = ? and external_id = ?`, [source, externalId],
    ))[0];
  const proposal = (externalId: string, v: string, candidates: ProposedCandidate[]): StagedDecision => ({
    externalId, version: v, action: 'review', childId: null, method: 'probabilistic', confidence: candidates[0].score, candidates, reasons: ['between_thresholds'], uniLoginId: null,
  });

  const someoneWaits = (kind?: string, ms?: number) => waitsForLock(q, kind, ms);
  /** A matching run of the source: its transaction, holding the per-source lock the job takes. */
  const whileJobRuns = <T>(body: (job: EntityManager) => Promise<T>) =>
    rt.orm.em.fork().transactional(async (job) => {
      await lockSource(job, source);
      return body(job);
    });
  /** A promise whose failure is kept for later inspection (no unhandled rejection meanwhile). */
  function started<T>(p: Promise<T>): Promise<T> {
    p.catch(() => undefined);
    return p;
  }
  const extensionsOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { extensions?: Record<string, unknown> }) => e.extensions);

  beforeAll(async () => {
    rt = await createTestRuntime();
    municipalityId = await ensureMunicipality(rt, '167', 'Hvidovre');
    [{ id: source }] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'Ed-Fi', 'edfi') returning id`, [municipalityId]);
  });
  afterAll(async () => rt?.dispose());

  it('a rejection made while a matching run of the source is under way is not undone by that run', async () => {
    const [a, b] = [await addChild('Anna'), await addChild('Bea')];
    const candidates = [candidate(a, 0.84), candidate(b, 0.8)];
    const link = await pending('r-1', candidates);

    let rejecting!: Promise<string>;
    await whileJobRuns(async (job) => {
      // The run loads the rejections (none yet) and decides: the same two candidates.
      const rejected = await loadRejections(job, source);
      const v = await version('r-1');
      // Meanwhile the reviewer rejects Anna: without the source lock that commits at once.
      rejecting = started(review().rejectLink(link, a));
      await Promise.race([rejecting, someoneWaits('advisory')]);
      expect(rejected).toEqual([]);
      await writeDecisions(job, source, [proposal('r-1', v, candidates)]);
    });
    await rejecting;
    expect(await q(`select child_id from identity_rejection where source_system_id = ? and external_id = 'r-1'`, [source])).toEqual([{ child_id: a }]);
    // Anna is not proposed again.
    expect(await linkOf('r-1')).toMatchObject({ status: 'pending_review', decided_by: null });
    expect((await linkOf('r-1')).candidates.map((c) => c.childId)).toEqual([b]);
  });

  it('every decision takes the source lock of the matching job: decisions and runs of one source serialise', async () => {
    const [a, b, c] = [await addChild('Carl'), await addChild('Dorit'), await addChild('Ebbe')];
    const confirmed = await pending('r-2', [candidate(a, 0.8)]);
    const rejected = await pending('r-3', [candidate(b, 0.8)]);
    for (const [name, decide, externalId, expected] of [
      ['confirmLink', () => review().confirmLink(confirmed), 'r-2', { status: 'linked', child_id: a }],
      ['rejectLink', () => review().rejectLink(rejected), 'r-3', { status: 'rejected' }],
      ['linkManually', () => review().linkManually(source, 'r-4', c), 'r-4', { status: 'linked', child_id: c, method: 'manual' }],
      ['unlink', async () => review().unlink((await q<{ id: string }>(`select id from identity_link where source_system_id = ? and external_id = 'r-2'`, [source]))[0].id), 'r-2', { status: 'rejected' }],
    ] as const) {
      const before = await linkOf(externalId);
      let deciding!: Promise<unknown>;
      await whileJobRuns(async () => {
        deciding = started((decide as () => Promise<unknown>)());
        expect([name, await someoneWaits('advisory')]).toEqual([name, true]);
        expect(await linkOf(externalId)).toEqual(before);
      });
      await deciding;
      expect(await linkOf(externalId)).toMatchObject(expected);
    }
  });

  it('a decision or merge that cannot get its locks in time gives up (a retryable lock error) and changes nothing', async () => {
    const [a, b] = [await addChild('Frida'), await addChild('Frida')];
    const link = await pending('b-1', [candidate(a, 0.8)]);
    const before = await linkOf('b-1');
    let outcome: unknown;
    await whileJobRuns(async () => {
      // A matching run that outlasts the decision's bound (here 150 ms; ADMIN_LOCK_TIMEOUT_MS in production).
      outcome = await review(150).confirmLink(link).then(() => 'confirmed', (err: unknown) => err);
    });
    expect(isLockContention(outcome)).toBe(true);
    expect(await linkOf('b-1')).toEqual(before);
    expect(await q(`select 1 from audit_event where target = ?`, [`identity_link:${link}`])).toEqual([]);
    // Once the run is over the same decision goes through.
    await review(150).confirmLink(link);
    expect(await linkOf('b-1')).toMatchObject({ status: 'linked', child_id: a });

    await rt.orm.em.fork().transactional(async (other) => {
      await rawQuery(other, `select id from child where id = ? for update`, [b]);
      outcome = await new ChildMergeService(rt.orm.em.fork(), LOCAL_OPERATOR, 'test-request', 150).merge(a, b).then(() => 'merged', (err: unknown) => err);
    });
    expect(isLockContention(outcome)).toBe(true);
    expect(await q(`select merged_into_id from child where id = ?`, [b])).toEqual([{ merged_into_id: null }]);
  });

  it('the run leaves a record alone when a rejection of a child it decided on arrived meanwhile (a merge takes no source lock)', async () => {
    const [a, b] = [await addChild('Frode'), await addChild('Gry')];
    // f-1 waits for review with Gry only (Frode was rejected); f-2 is new.
    await pending('f-1', [candidate(b, 0.8)]);
    await pupil('f-2');
    await q(`update pupil_record set matched_at = null where source_system_id = ? and external_id = 'f-2'`, [source]);
    const staged = [proposal('f-1', await version('f-1'), [candidate(a, 0.84), candidate(b, 0.8)])];
    staged.push({ ...proposal('f-2', await version('f-2'), [candidate(a, 0.95)]), action: 'link', childId: a, confidence: 0.95 });
    // The rejections arrive after the run loaded them (as a merge moving a rejection onto a child does).
    for (const e of ['f-1', 'f-2']) await q(`insert into identity_rejection (source_system_id, external_id, child_id, decided_by) values (?, ?, ?, 'someone')`, [source, e, a]);

    const written = await rt.orm.em.fork().transactional((job) => writeDecisions(job, source, staged));
    expect(written).toMatchObject({ kept: 0, pendingReview: 0, newLinks: 0, linked: { cpr: 0, uni_login: 0, probabilistic: 0 } });
    expect((await linkOf('f-1')).candidates.map((c) => c.childId)).toEqual([b]);
    expect(await linkOf('f-2')).toBeUndefined();
    // Still waiting: the next run decides it knowing the rejection.
    expect(await q(`select matched_at from pupil_record where source_system_id = ? and external_id = 'f-2'`, [source])).toEqual([{ matched_at: null }]);
  });

  it('counts the links and proposals the run wrote, not the ones it decided', async () => {
    const [c, d, e] = [await addChild('Hans'), await addChild('Inge'), await addChild('Jens')];
    // Linked already (by a sync) and a proposal a person decided on: the guards skip both.
    await pupil('w-linked');
    await q(`insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'w-linked', ?, 'cpr', 1, 'linked')`, [source, c]);
    await pending('w-decided', [candidate(d, 0.8)]);
    await q(`update identity_link set decided_by = 'someone', decided_at = now() where source_system_id = ? and external_id = 'w-decided'`, [source]);
    await pupil('w-new');
    const staged: StagedDecision[] = [
      { ...proposal('w-linked', await version('w-linked'), [candidate(c, 1)]), action: 'link', childId: c, method: 'cpr', confidence: 1, reasons: ['cpr_match'] },
      proposal('w-decided', await version('w-decided'), [candidate(d, 0.82), candidate(e, 0.71)]),
      proposal('w-new', await version('w-new'), [candidate(e, 0.75)]),
    ];
    const written = await rt.orm.em.fork().transactional((job) => writeDecisions(job, source, staged));
    expect(written).toMatchObject({ kept: 3, linked: { cpr: 0, uni_login: 0, probabilistic: 0 }, pendingReview: 1, newLinks: 0 });
    expect(await linkOf('w-decided')).toMatchObject({ decided_by: 'someone', candidates: [expect.objectContaining({ childId: d })] });
  });

  it('linkManually never overwrites a link a sync made while it decided', async () => {
    const [x, y] = [await addChild('Karl'), await addChild('Lis')];
    let linking!: Promise<string>;
    await rt.orm.em.fork().transactional(async (sync) => {
      // The sync links the record (it holds no source lock); the person links it by hand meanwhile.
      await rawQuery(sync, `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'm-1', ?, 'cpr', 1, 'linked')`, [source, x]);
      linking = started(review().linkManually(source, 'm-1', y));
      expect(await someoneWaits()).toBe(true);
    });
    expect(await extensionsOf(linking)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'LINKED_TO_ANOTHER_CHILD' });
    expect(await linkOf('m-1')).toMatchObject({ status: 'linked', child_id: x, method: 'cpr', decided_by: null });

    // The same child: the person's link stands (as with a row already there).
    await rt.orm.em.fork().transactional(async (sync) => {
      await rawQuery(sync, `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status) values (?, 'm-2', ?, 'cpr', 1, 'linked')`, [source, y]);
      linking = started(review().linkManually(source, 'm-2', y));
      expect(await someoneWaits()).toBe(true);
    });
    await linking;
    expect(await linkOf('m-2')).toMatchObject({ status: 'linked', child_id: y, method: 'manual', decided_by: LOCAL_OPERATOR.clientId });
  });

  it('refuses a link to a child merged into another between its lookup and its lock: no link lands on a tombstone', async () => {
    const [merged, kept] = [await addChild('Mads'), await addChild('Mads')];
    let linking!: Promise<string>;
    await rt.orm.em.fork().transactional(async (merge) => {
      // What mergeChildren does to the child rows: both locked, the merged one a tombstone.
      await rawQuery(merge, `select id from child where id in (?, ?) order by id for update`, [merged, kept]);
      await rawQuery(merge, `update child set merged_into_id = ? where id = ?`, [kept, merged]);
      linking = started(review().linkManually(source, 'n-1', merged));
      expect(await someoneWaits()).toBe(true);
    });
    expect(await extensionsOf(linking)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await linkOf('n-1')).toBeUndefined();
    // Asked again, the merged id leads to the kept child.
    await review().linkManually(source, 'n-1', merged);
    expect(await linkOf('n-1')).toMatchObject({ status: 'linked', child_id: kept });
  });
});
