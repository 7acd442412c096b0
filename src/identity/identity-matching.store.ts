import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { copyRows, declareStage, useStage } from '../platform/db/copy';
import { nearBirthDates, type MatchChild, type MatchPupil, type ProposedCandidate } from './matching';

// SQL of the matching pipeline (identity-matching.service.ts): load a source's pupil records and
// the hub children they could be, and write the decisions back in one set-based statement.

export interface SourceInfo {
  id: string;
  kind: string;
  municipalityId: string;
  municipalityCode: string;
}

export async function loadSource(em: EntityManager, sourceSystemId: string): Promise<SourceInfo | undefined> {
  const { rows } = await rawQuery<{ id: string; kind: string; municipality_id: string; code: string }>(
    em,
    `select s.id, s.kind, s.municipality_id, m.code from source_system s join municipality m on m.id = s.municipality_id where s.id = ?::uuid`,
    [sourceSystemId],
  );
  const r = rows[0];
  return r && { id: r.id, kind: r.kind, municipalityId: r.municipality_id, municipalityCode: r.code };
}

/** The sources of a municipality whose pupils are matched: every kind but the case system. */
export async function schoolSourcesOf(em: EntityManager, municipalityId: string): Promise<string[]> {
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `select id from source_system where municipality_id = ?::uuid and kind <> 'case_system' order by created_at, id`,
    [municipalityId],
  );
  return rows.map((r) => r.id);
}

/** Serialises matching per source (the job, admin triggers): decisions are made on a stable view. */
export async function lockSource(em: EntityManager, sourceSystemId: string): Promise<void> {
  await rawQuery(em, `select pg_advisory_xact_lock(hashtextextended('identity-match:' || ?::text, 0))`, [sourceSystemId]);
}

/**
 * What is known about a loaded record: `open` ones get a decision; `settled` ones (linked, or a
 * proposal a person already decided on) are only marked matched.
 */
export interface LoadedPupil {
  pupil: MatchPupil;
  /** xmin of the row when loaded: a sync that changes the record in between makes it stale. */
  version: string;
  linkStatus: string | null;
  decided: boolean;
}

const PUPIL_COLUMNS = `p.external_id, p.cpr_hmac, p.uni_login_id, p.first_name, p.last_name, to_char(p.birth_date, 'YYYY-MM-DD') as birth_date,
  p.institution_number, coalesce(m.code, ?) as municipality_code, p.xmin::text as version, l.status as link_status, l.decided_by is not null as decided
  from pupil_record p
  left join identity_link l on l.source_system_id = p.source_system_id and l.external_id = p.external_id
  left join school s on s.institution_number = p.institution_number
  left join municipality m on m.id = s.municipality_id`;

/**
 * Records waiting for a decision: never matched since they were staged or changed, and with
 * `all`, every record not linked (a proposal or rejection may have new candidates now). Never null.
 */
const WAITING = `(p.matched_at is null or (?::boolean and (l.status is null or l.status = 'rejected' or (l.status = 'pending_review' and l.decided_by is null))))`;

type PupilRow = {
  external_id: string;
  cpr_hmac: string | null;
  uni_login_id: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  institution_number: string | null;
  municipality_code: string;
  version: string;
  link_status: string | null;
  decided: boolean;
};

const toLoaded = (sourceId: string) => (r: PupilRow): LoadedPupil => ({
  pupil: {
    sourceId,
    externalId: r.external_id,
    cprHmac: r.cpr_hmac,
    uniLoginId: r.uni_login_id,
    firstName: r.first_name,
    lastName: r.last_name,
    birthDate: r.birth_date,
    institutionNumber: r.institution_number,
    municipalityCode: r.municipality_code,
  },
  version: r.version,
  linkStatus: r.link_status,
  decided: r.decided,
});

export async function loadWaitingPupils(em: EntityManager, source: SourceInfo, all: boolean): Promise<LoadedPupil[]> {
  const { rows } = await rawQuery<PupilRow>(em, `select ${PUPIL_COLUMNS} where p.source_system_id = ?::uuid and ${WAITING}`, [source.municipalityCode, source.id, all]);
  return rows.map(toLoaded(source.id));
}

/**
 * The source's other records born on one of these days: twins are detected among all the
 * pupils a source holds, not only among those waiting (a pupil whose twin was linked last week
 * is still a twin).
 */
export async function loadSameBirthDatePupils(em: EntityManager, source: SourceInfo, all: boolean, birthDates: string[]): Promise<LoadedPupil[]> {
  if (!birthDates.length) return [];
  const { rows } = await rawQuery<PupilRow>(
    em,
    `select ${PUPIL_COLUMNS}
     where p.source_system_id = ?::uuid and not ${WAITING}
       and p.birth_date in (select d::date from jsonb_array_elements_text(?::jsonb) as d)`,
    [source.municipalityCode, source.id, all, JSON.stringify(birthDates)],
  );
  return rows.map(toLoaded(source.id));
}

/**
 * Hub children the pupils could be: every child of the source's municipality, and children of
 * other municipalities (movers, children placed out of the municipality) only when they share a
 * block with a pupil that can be checked in SQL — the CPR hash, a UNI-Login id already linked,
 * or the birth date or one of its typo neighbours. A child of another municipality with a
 * birth date far off could at best be proposed, never linked, so that block is not worth a
 * scan of every municipality's children. A merged child (a tombstone) is no candidate: a pupil
 * carrying its CPR hash disagrees with the kept child's and is proposed, never linked.
 */
export async function loadCandidateChildren(em: EntityManager, source: SourceInfo, pupils: readonly MatchPupil[]): Promise<MatchChild[]> {
  const cprs = new Set<string>();
  const unis = new Set<string>();
  const dates = new Set<string>();
  for (const p of pupils) {
    if (p.cprHmac) cprs.add(p.cprHmac);
    if (p.uniLoginId) unis.add(p.uniLoginId);
    if (p.birthDate && /^\d{4}-\d{2}-\d{2}$/.test(p.birthDate)) {
      dates.add(p.birthDate);
      for (const d of nearBirthDates(p.birthDate)) dates.add(d);
    }
  }
  const { rows } = await rawQuery<{
    id: string;
    cpr_hmac: string;
    first_name: string;
    last_name: string;
    birth_date: string;
    code: string;
    schools: string[] | null;
    uni_logins: string[] | null;
    linked_here: string[] | null;
  }>(
    em,
    `with hub as (
       select c.* from child c where c.municipality_id = ?::uuid and c.merged_into_id is null
       union all
       select c.* from child c where c.municipality_id <> ?::uuid and c.merged_into_id is null and (
         c.cpr_hmac in (select jsonb_array_elements_text(?::jsonb))
         or c.birth_date in (select d::date from jsonb_array_elements_text(?::jsonb) as d)
         or c.id in (select l.child_id from identity_link l where l.status = 'linked'
                     and l.uni_login_id in (select jsonb_array_elements_text(?::jsonb))))
     )
     select h.id, h.cpr_hmac, h.first_name, h.last_name, to_char(h.birth_date, 'YYYY-MM-DD') as birth_date, m.code,
       (select array_agg(distinct s.institution_number) from enrollment e join school s on s.id = e.school_id where e.child_id = h.id) as schools,
       (select array_agg(distinct l.uni_login_id) from identity_link l where l.child_id = h.id and l.status = 'linked' and l.uni_login_id is not null) as uni_logins,
       (select array_agg(l.external_id) from identity_link l where l.child_id = h.id and l.status = 'linked' and l.source_system_id = ?::uuid) as linked_here
     from hub h join municipality m on m.id = h.municipality_id`,
    [source.municipalityId, source.municipalityId, JSON.stringify([...cprs]), JSON.stringify([...dates]), JSON.stringify([...unis]), source.id],
  );
  return rows.map((r) => ({
    id: r.id,
    cprHmac: r.cpr_hmac,
    firstName: r.first_name,
    lastName: r.last_name,
    birthDate: r.birth_date,
    municipalityCode: r.code,
    institutionNumbers: r.schools ?? [],
    uniLoginIds: r.uni_logins ?? [],
    // Only this source's links matter to the matcher (a child already linked to another pupil of the same source).
    linkedPupils: (r.linked_here ?? []).map((externalId) => ({ sourceId: source.id, externalId })),
  }));
}

/** pairKey material: the (external id, child) pairs a person rejected for this source. */
export async function loadRejections(em: EntityManager, sourceSystemId: string): Promise<{ externalId: string; childId: string }[]> {
  const { rows } = await rawQuery<{ external_id: string; child_id: string }>(
    em,
    `select external_id, child_id from identity_rejection where source_system_id = ?::uuid`,
    [sourceSystemId],
  );
  return rows.map((r) => ({ externalId: r.external_id, childId: r.child_id }));
}

/** What to do with one record: link it, propose it for review, drop it (minimisation) or only mark it matched. */
export interface StagedDecision {
  externalId: string;
  version: string;
  action: 'link' | 'review' | 'drop' | 'mark';
  childId: string | null;
  method: string | null;
  confidence: number | null;
  candidates: ProposedCandidate[] | null;
  reasons: string[] | null;
  uniLoginId: string | null;
}

export interface WrittenCounts {
  kept: number;
  dropped: number;
  withdrawnProposals: number;
  linked: { cpr: number; uni_login: number; probabilistic: number };
  pendingReview: number;
  newLinks: number;
}

const STAGE_COLUMNS: [string, string][] = [
  ['external_id', 'text'], ['version', 'text'], ['action', 'text'], ['child_id', 'uuid'], ['method', 'text'],
  ['confidence', 'numeric(4,3)'], ['candidates', 'jsonb'], ['reasons', 'text[]'], ['uni_login_id', 'text'],
];
const STAGE = declareStage('identity_match_stage', STAGE_COLUMNS);

/**
 * Writes every decision in one statement after a COPY into a per-session temp table (as
 * SchoolWriter does). Guards, re-checked at write time:
 *  · a record a sync changed since it was loaded (xmin differs) is left alone — still waiting,
 *    the next run decides it on its new data;
 *  · a linked link is never touched, and a link a person decided only moves from rejected to
 *    pending_review (keeping decided_by / decided_at: the last human decision, shown to the reviewer);
 *  · a probabilistic link to a child another record of the source is linked to by now (a sync
 *    linked it deterministically meanwhile) becomes a proposal;
 *  · a dropped record takes an undecided proposal with it, never a person's decision;
 *  · a decision naming a child a person rejected for the record since the rejections were loaded
 *    is left alone like a stale one (reviewers take the same per-source lock, so this guards
 *    writers that do not, e.g. a merge moving a rejection onto the kept child).
 * The counts of links and proposals are of rows written, not of decisions made.
 */
export async function writeDecisions(em: EntityManager, sourceSystemId: string, decisions: StagedDecision[]): Promise<WrittenCounts> {
  await useStage(em, STAGE);
  await copyRows(
    em,
    STAGE,
    STAGE_COLUMNS.map(([n]) => n),
    decisions.map((d) => [
      d.externalId, d.version, d.action, d.childId, d.method, d.confidence,
      d.candidates && JSON.stringify(d.candidates), d.reasons && `{${d.reasons.join(',')}}`, d.uniLoginId,
    ]),
  );
  const { rows } = await rawQuery<Record<string, string>>(
    em,
    `with kept as (
       -- Locked, and re-checked against a sync that committed a change meanwhile, and against a
       -- rejection a person made since the job loaded them (a decision naming a child rejected for
       -- the record is as stale as one on changed data: the record is left as it is).
       select p.external_id, p.matched_at is null as waiting from pupil_record p join ${STAGE} x on p.external_id = x.external_id
       where p.source_system_id = ?::uuid and p.xmin::text = x.version and x.action <> 'drop'
         and not exists (
           select 1 from identity_rejection r
           where r.source_system_id = p.source_system_id and r.external_id = x.external_id
             and (r.child_id = x.child_id
                  or r.child_id in (select (e->>'childId')::uuid from jsonb_array_elements(coalesce(x.candidates, '[]'::jsonb)) e)))
       for update of p
     ), marked as (
       update pupil_record p set matched_at = now() from kept k
       where p.source_system_id = ?::uuid and p.external_id = k.external_id and k.waiting
     ), dropped as (
       delete from pupil_record p using ${STAGE} x
       where p.source_system_id = ?::uuid and p.external_id = x.external_id and p.xmin::text = x.version and x.action = 'drop'
         and not exists (select 1 from identity_link l where l.source_system_id = p.source_system_id and l.external_id = p.external_id and l.status = 'linked')
       returning p.external_id
     ), withdrawn as (
       delete from identity_link l using dropped d
       where l.source_system_id = ?::uuid and l.external_id = d.external_id and l.decided_by is null and l.status <> 'linked'
       returning l.id
     ), guarded as (
       select x.*, x.action = 'link' and x.method = 'probabilistic' and exists (
                select 1 from identity_link o where o.source_system_id = ?::uuid and o.child_id = x.child_id
                  and o.status = 'linked' and o.external_id <> x.external_id) as demoted
       from ${STAGE} x join kept k on k.external_id = x.external_id where x.action in ('link', 'review')
     ), decided as (
       select external_id, method, confidence, candidates, uni_login_id,
              case when demoted then 'review' else action end as action,
              case when demoted then null else child_id end as child_id,
              case when demoted then array['candidate_already_linked'] else reasons end as reasons
       from guarded
     ), up as (
       insert into identity_link as l (source_system_id, external_id, child_id, method, confidence, status, uni_login_id, candidates, reasons)
       select ?::uuid, d.external_id, case when d.action = 'link' then d.child_id end, d.method, d.confidence,
              case when d.action = 'link' then 'linked' else 'pending_review' end, d.uni_login_id, d.candidates, d.reasons
       from decided d
       on conflict (source_system_id, external_id) do update
         set child_id = excluded.child_id, method = excluded.method, confidence = excluded.confidence, status = excluded.status,
             uni_login_id = excluded.uni_login_id, candidates = excluded.candidates, reasons = excluded.reasons,
             status_changed_at = case when l.status = excluded.status then l.status_changed_at else now() end
         where l.status <> 'linked'
           and (l.decided_by is null or (l.status = 'rejected' and excluded.status = 'pending_review'))
           and (l.child_id, l.method, l.confidence, l.status, l.uni_login_id, l.candidates, l.reasons)
               is distinct from (excluded.child_id, excluded.method, excluded.confidence, excluded.status, excluded.uni_login_id, excluded.candidates, excluded.reasons)
       returning l.status, l.method
     )
     -- Links and proposals are counted as written (the guards above skip some decisions).
     select (select count(*) from kept) as kept,
            (select count(*) from dropped) as dropped,
            (select count(*) from withdrawn) as withdrawn,
            (select count(*) from up where status = 'linked' and method = 'cpr') as linked_cpr,
            (select count(*) from up where status = 'linked' and method = 'uni_login') as linked_uni_login,
            (select count(*) from up where status = 'linked' and method = 'probabilistic') as linked_probabilistic,
            (select count(*) from up where status = 'pending_review') as review,
            (select count(*) from up where status = 'linked') as new_links`,
    [sourceSystemId, sourceSystemId, sourceSystemId, sourceSystemId, sourceSystemId, sourceSystemId],
  );
  const n = (k: string) => Number(rows[0][k]);
  return {
    kept: n('kept'),
    dropped: n('dropped'),
    withdrawnProposals: n('withdrawn'),
    linked: { cpr: n('linked_cpr'), uni_login: n('linked_uni_login'), probabilistic: n('linked_probabilistic') },
    pendingReview: n('review'),
    newLinks: n('new_links'),
  };
}
