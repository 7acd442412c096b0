import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { copyRows, declareStage, useStage } from '../platform/db/copy';
import type { CanonicalRow } from './canonical';
import type { SourceRef } from './canonical-writer';

export type SchoolTarget = 'enrollment' | 'attendance_day' | 'grade' | 'wellbeing';
export const SCHOOL_TARGETS: readonly SchoolTarget[] = ['enrollment', 'attendance_day', 'grade', 'wellbeing'];
/** Targets attendance summaries are computed from: enrolments bound the calendar days an absence-only source's child is counted for. */
export const SUMMARY_INPUTS: readonly SchoolTarget[] = ['attendance_day', 'enrollment'];

/**
 * For a `with gone as (delete … returning child_id)` statement on `target`: the CTE that queues
 * the children whose summaries the delete changed (nothing for targets summaries do not read).
 */
export function queueSummariesOfGone(target: string): string {
  return (SUMMARY_INPUTS as readonly string[]).includes(target)
    ? ', queued as (insert into attendance_summary_pending (child_id) select distinct child_id from gone on conflict (child_id) do update set queued_at = now())'
    : '';
}

export interface SchoolWriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records about pupils not linked to a hub child: dropped, never stored. */
  skippedUnlinked: number;
  rejected: { externalId: string; reason: string }[];
  /** Children whose attendance rows changed: their summaries are to be recomputed. */
  summaryChildren?: string[];
}

interface Spec {
  table: string;
  /** Columns besides source_system_id, external_id, child_id: name → SQL type. */
  columns: [string, string][];
  /** Upsert key: the natural key for attendance (one day per child), else the source key. */
  conflict: string;
  /** A record's stage values, in stage column order (see stageColumns). */
  values(r: never): unknown[];
  /**
   * Whether two pages of this target may be written at once (the sync runner's OrderedPages):
   * true only when the upsert touches no row another page's upsert could touch besides its own
   * (enrolments also update the pupil's pupil_record row, which pages share).
   */
  independentPages: boolean;
}

const SPECS: Record<SchoolTarget, Spec> = {
  enrollment: {
    table: 'enrollment',
    columns: [['school_id', 'uuid'], ['grade_level', 'smallint'], ['class_name', 'text'], ['start_date', 'date'], ['end_date', 'date'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    independentPages: false,
    values: (r: CanonicalRow<'enrollment'>) => [r.gradeLevel, r.className, r.startDate, r.endDate, r.sourceUpdatedAt, r.institutionNumber],
  },
  attendance_day: {
    table: 'attendance_day',
    columns: [['date', 'date'], ['status', 'text'], ['note', 'text'], ['source_updated_at', 'timestamptz']],
    conflict: 'child_id, date',
    independentPages: true,
    values: (r: CanonicalRow<'attendance_day'>) => [r.date, r.status, r.note, r.sourceUpdatedAt],
  },
  grade: {
    table: 'grade',
    columns: [['subject', 'text'], ['kind', 'text'], ['value', 'text'], ['grade_date', 'date'], ['school_year', 'text'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    independentPages: true,
    values: (r: CanonicalRow<'grade'>) => [r.subject, r.kind, r.value, r.gradeDate, r.schoolYear, r.sourceUpdatedAt],
  },
  wellbeing: {
    table: 'wellbeing',
    columns: [['indicator', 'text'], ['score', 'numeric'], ['survey_year', 'smallint'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    independentPages: true,
    values: (r: CanonicalRow<'wellbeing'>) => [r.indicator, r.score, r.surveyYear, r.sourceUpdatedAt],
  },
};

/** Whether pages holding only records of this target may be written beside one another. */
export function pagesMayOverlap(target: string): boolean {
  return (SCHOOL_TARGETS as readonly string[]).includes(target) && SPECS[target as SchoolTarget].independentPages;
}

/** A target's stage: the page as read, before its child (and school) are looked up. */
const stageColumns = (target: SchoolTarget): [string, string][] => [
  ['external_id', 'text'],
  ['child_external_id', 'text'],
  ...SPECS[target].columns.filter(([name]) => name !== 'school_id'),
  ...(target === 'enrollment' ? [['institution_number', 'text'] as [string, string]] : []),
];
const STAGES = Object.fromEntries(SCHOOL_TARGETS.map((t) => [t, declareStage(`school_stage_${t}`, stageColumns(t))])) as Record<SchoolTarget, string>;

const lastPerKey = <T extends { externalId: string }>(records: T[]): T[] => [...new Map(records.map((r) => [r.externalId, r])).values()];

/**
 * School data for one source. Pupils are linked to hub children deterministically (CPR hash in
 * the source's municipality, else a UNI-Login id another source already linked); every other
 * pupil and every record about one is dropped here — before anything is stored — and counted.
 * Child-owned rows find their child by joining the source's identity links in SQL, one
 * statement per table and page.
 */
export class SchoolWriter {
  constructor(
    private readonly em: EntityManager,
    private readonly source: SourceRef,
  ) {}

  /**
   * Holds each pupil's identity fields for the matching job (pupil_record) and links pupils
   * deterministically at once, so their records of this same sync are kept: CPR hash in the
   * source's municipality, else a UNI-Login id another source already linked. A pair a person
   * rejected is never linked, and no sync overwrites a person's decision. Returns how many
   * links were made or changed, unchanged, and how many pupils are (still) unlinked.
   */
  async pupils(records: CanonicalRow<'pupil'>[]): Promise<SchoolWriteCounts> {
    const rows = lastPerKey(records).map((r) => ({
      external_id: r.externalId,
      cpr_hmac: r.cprHmac,
      uni_login_id: r.uniLoginId,
      first_name: r.firstName,
      last_name: r.lastName,
      birth_date: r.birthDate,
    }));
    if (!rows.length) return empty();
    const { rows: out } = await rawQuery<{ matched: string; inserted: string; updated: string }>(
      this.em,
      `with x as (
         select * from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text, uni_login_id text, first_name text, last_name text, birth_date date)
       ), staged as (
         -- A changed pupil is matched again by the next matching job.
         insert into pupil_record as p (source_system_id, external_id, cpr_hmac, uni_login_id, first_name, last_name, birth_date)
         select ?::uuid, x.external_id, x.cpr_hmac, x.uni_login_id, x.first_name, x.last_name, x.birth_date from x
         on conflict (source_system_id, external_id) do update
           set cpr_hmac = excluded.cpr_hmac, uni_login_id = excluded.uni_login_id, first_name = excluded.first_name,
               last_name = excluded.last_name, birth_date = excluded.birth_date, staged_at = now(), matched_at = null
           where (p.cpr_hmac, p.uni_login_id, p.first_name, p.last_name, p.birth_date)
                 is distinct from (excluded.cpr_hmac, excluded.uni_login_id, excluded.first_name, excluded.last_name, excluded.birth_date)
       ), by_uni as (
         -- A UNI-Login id another source linked: only when it names one child of the municipality
         -- and no CPR hash contradicts it (the pupil's hash, when sent, must be that child's).
         select x.external_id, (array_agg(il.child_id))[1] as child_id
         from x
         join identity_link il on il.uni_login_id = x.uni_login_id and il.uni_login_id is not null and il.status = 'linked'
         join child c on c.id = il.child_id and c.municipality_id = ?::uuid
         where x.uni_login_id is not null
         group by x.external_id
         having count(distinct il.child_id) = 1 and bool_and(x.cpr_hmac is null or c.cpr_hmac = x.cpr_hmac)
       ), hit as (
         select x.external_id, x.uni_login_id, coalesce(by_cpr.id, u.child_id) as child_id,
                case when by_cpr.id is not null then 'cpr' else 'uni_login' end as method
         from x
         -- A merged child's row (a tombstone) routes its CPR hash to the kept child.
         left join (select coalesce(merged_into_id, id) as id, municipality_id, cpr_hmac from child) by_cpr
           on x.cpr_hmac is not null and by_cpr.municipality_id = ?::uuid and by_cpr.cpr_hmac = x.cpr_hmac
         left join by_uni u on by_cpr.id is null and u.external_id = x.external_id
         where coalesce(by_cpr.id, u.child_id) is not null
       ), m as (
         select h.* from (select hit.*, count(*) over (partition by hit.child_id) as claims from hit) h
         where h.claims = 1
           and not exists (select 1 from identity_rejection r where r.source_system_id = ?::uuid and r.external_id = h.external_id and r.child_id = h.child_id)
           -- One record per child and source: a child another record of this source is linked to
           -- (or that two records of the page claim) is left to the matching job, which proposes a review.
           and not exists (select 1 from identity_link o where o.source_system_id = ?::uuid and o.child_id = h.child_id
                                                          and o.status = 'linked' and o.external_id <> h.external_id)
       ), moved as (
         -- The sync's deterministic answer replaces an automatic link to another child: what came
         -- through that link leaves the other child at once (its summaries are recomputed).
         select il.id, il.child_id from identity_link il join m on il.external_id = m.external_id
         where il.source_system_id = ?::uuid and il.status = 'linked' and il.decided_by is null and il.child_id <> m.child_id
       ), moved_e as (
         delete from enrollment t using moved where t.child_id = moved.child_id and t.identity_link_id = moved.id returning t.child_id
       ), moved_a as (
         delete from attendance_day t using moved where t.child_id = moved.child_id and t.identity_link_id = moved.id returning t.child_id
       ), moved_g as (
         delete from grade t using moved where t.child_id = moved.child_id and t.identity_link_id = moved.id
       ), moved_w as (
         delete from wellbeing t using moved where t.child_id = moved.child_id and t.identity_link_id = moved.id
       ), requeued as (
         insert into attendance_summary_pending (child_id) select child_id from moved_a union select child_id from moved_e
         on conflict (child_id) do update set queued_at = now()
       ), up as (
         insert into identity_link (source_system_id, external_id, child_id, method, confidence, status, uni_login_id, reasons)
         select ?::uuid, m.external_id, m.child_id, m.method, 1, 'linked', m.uni_login_id,
                array[case when m.method = 'cpr' then 'cpr_match' else 'uni_login_match' end, 'linked_by_sync'] from m
         on conflict (source_system_id, external_id) do update
           set child_id = excluded.child_id, method = excluded.method, uni_login_id = excluded.uni_login_id, status = 'linked',
               confidence = 1, candidates = '[]', reasons = excluded.reasons,
               -- A new child (or a link made now) means older records to fetch: see the sync runner's passMode.
               status_changed_at = case when identity_link.status = 'linked' and identity_link.child_id = excluded.child_id
                                        then identity_link.status_changed_at else now() end
           -- A person's decision (a manual or reviewed link, a rejection) is never overwritten by a sync.
           where identity_link.decided_by is null and identity_link.status <> 'rejected'
             and (identity_link.child_id, identity_link.uni_login_id, identity_link.status)
                 is distinct from (excluded.child_id, excluded.uni_login_id, 'linked')
         returning (xmax = 0) as inserted
       )
       select (select count(*) from m) as matched,
              (select count(*) from up where inserted) as inserted,
              (select count(*) from up where not inserted) as updated`,
      [
        JSON.stringify(rows),
        this.source.id, // staged
        this.source.municipalityId, // by_uni
        this.source.municipalityId, // hit
        this.source.id, // m: rejections
        this.source.id, // m: one record per child
        this.source.id, // moved
        this.source.id, // up
      ],
    );
    const matched = Number(out[0].matched);
    const inserted = Number(out[0].inserted);
    const updated = Number(out[0].updated);
    return { inserted, updated, unchanged: matched - inserted - updated, skippedUnlinked: rows.length - matched, rejected: [] };
  }

  /** Schools are institutions, not personal data: kept whoever their pupils are. */
  async schools(records: CanonicalRow<'school'>[]): Promise<SchoolWriteCounts> {
    const rows = lastPerKey(records).map((r) => ({ external_id: r.externalId, institution_number: r.institutionNumber, name: r.name }));
    if (!rows.length) return empty();
    const { rows: out } = await rawQuery<{ inserted: boolean }>(
      this.em,
      `insert into school (source_system_id, external_id, municipality_id, institution_number, name)
       select ?::uuid, x.external_id, ?::uuid, x.institution_number, x.name
       from jsonb_to_recordset(?::jsonb) as x(external_id text, institution_number text, name text)
       on conflict (institution_number) do update set name = excluded.name, synced_at = now()
       where school.name is distinct from excluded.name
       returning (xmax = 0) as inserted`,
      [this.source.id, this.source.municipalityId, JSON.stringify(rows)],
    );
    const inserted = out.filter((r) => r.inserted).length;
    return { inserted, updated: out.length - inserted, unchanged: rows.length - out.length, skippedUnlinked: 0, rejected: [] };
  }

  /**
   * Upserts child-owned school rows in one statement: joined to this source's identity links
   * (unlinked pupils drop out of the join and are only counted) and, for enrolments, to the
   * school by institution number. Children whose attendance changed are returned, not queued
   * here: the queue row is shared by every page of a child, so the sync runner queues them in
   * its strictly ordered part of the page (see queueSummaries).
   */
  async childOwned(target: SchoolTarget, records: CanonicalRow<SchoolTarget>[]): Promise<SchoolWriteCounts> {
    const spec = SPECS[target];
    let unique = lastPerKey(records);
    if (target === 'attendance_day') {
      // One registration per pupil and day: a later record of the same day wins.
      unique = [...new Map((unique as CanonicalRow<'attendance_day'>[]).map((r) => [`${r.childExternalId}|${r.date}`, r])).values()];
    }
    if (!unique.length) return empty();
    const isEnrollment = target === 'enrollment';
    const inputColumns = stageColumns(target);
    // The page is staged with COPY (per-session temp table, emptied at commit), then upserted
    // in one set-based statement: several times faster than parsing a JSON parameter.
    const stage = STAGES[target];
    await useStage(this.em, stage);
    await copyRows(this.em, stage, inputColumns.map(([n]) => n), unique.map((r) => [r.externalId, r.childExternalId, ...spec.values(r as never)]));
    const names = spec.columns.map(([n]) => n);
    const selectValues = names.map((n) => (n === 'school_id' ? 's.id' : `x.${n}`)).join(', ');
    const updates = [...names, 'child_id', 'identity_link_id', 'external_id', 'source_system_id']
      .filter((n) => !spec.conflict.split(', ').includes(n))
      .map((n) => `${n} = excluded.${n}`)
      .join(', ');
    const changed = names.filter((n) => n !== 'source_updated_at').map((n) => `${spec.table}.${n}`).join(', ');
    const changedExcluded = names.filter((n) => n !== 'source_updated_at').map((n) => `excluded.${n}`).join(', ');
    const { rows: out } = await rawQuery<{ linked: string; unknown_school: string[] | null; inserted: string; updated: string; changed_children: string[] | null }>(
      this.em,
      `with x as (
         select * from ${stage}
       ), links as (
         -- Share-locked (in id order, as reviewers lock them): an unlink, split or merge running
         -- now is waited for and its outcome seen, so no row attaches through an undone link.
         select il.id, il.external_id, il.child_id from identity_link il
         where il.source_system_id = ?::uuid and il.external_id in (select child_external_id from x)
           and il.status = 'linked' and il.child_id is not null
         order by il.id for share
       ), linked as (
         select x.*, il.child_id, il.id as identity_link_id from x join links il on il.external_id = x.child_external_id
       ), up as (
         insert into ${spec.table} (source_system_id, external_id, child_id, identity_link_id, ${names.join(', ')})
         select ?::uuid, x.external_id, x.child_id, x.identity_link_id, ${selectValues}
         from linked x ${isEnrollment ? 'join school s on s.institution_number = x.institution_number' : ''}
         on conflict (${spec.conflict}) do update set ${updates}, synced_at = now()
         where (${changed}, ${spec.table}.child_id, ${spec.table}.identity_link_id, ${spec.table}.external_id)
               is distinct from (${changedExcluded}, excluded.child_id, excluded.identity_link_id, excluded.external_id)
         returning (xmax = 0) as inserted, child_id
       )${
         isEnrollment
           ? `, placed as (
         -- The school of every pupil of the page, linked or not: the matching job compares it.
         update pupil_record p set institution_number = e.institution_number, matched_at = null
         from (select distinct on (child_external_id) child_external_id, institution_number from x
               order by child_external_id, end_date desc nulls first, start_date desc) e
         where p.source_system_id = ?::uuid and p.external_id = e.child_external_id
           and p.institution_number is distinct from e.institution_number
       )`
           : ''
       }
       select (select count(*) from linked) as linked,
              ${isEnrollment ? `(select array_agg(l.external_id) from linked l where not exists (select 1 from school s where s.institution_number = l.institution_number))` : 'null::text[]'} as unknown_school,
              (select count(*) from up where inserted) as inserted,
              (select count(*) from up where not inserted) as updated,
              ${SUMMARY_INPUTS.includes(target) ? '(select array_agg(distinct child_id) from up)' : 'null::uuid[]'} as changed_children`,
      isEnrollment ? [this.source.id, this.source.id, this.source.id] : [this.source.id, this.source.id],
    );
    const linked = Number(out[0].linked);
    const inserted = Number(out[0].inserted);
    const updated = Number(out[0].updated);
    // Only linked pupils' enrolments: an unlinked pupil's record is dropped, never quarantined.
    const atUnknownSchool = new Set(out[0].unknown_school ?? []);
    const rejected = isEnrollment
      ? (unique as CanonicalRow<'enrollment'>[])
          .filter((r) => atUnknownSchool.has(r.externalId))
          .map((r) => ({ externalId: r.externalId, reason: `institutionNumber: no school ${r.institutionNumber} known` }))
      : [];
    return {
      inserted,
      updated,
      unchanged: linked - inserted - updated - rejected.length,
      skippedUnlinked: unique.length - linked,
      rejected,
      summaryChildren: out[0].changed_children ?? [],
    };
  }

  /** Deletes at the source; attendance deletions queue the child's summaries. */
  async delete(target: SchoolTarget | 'pupil' | 'school', externalIds: string[]): Promise<number> {
    const ids = JSON.stringify(externalIds);
    if (target === 'school') return 0; // schools outlive their pupils; enrolments keep referring to them
    if (target === 'pupil') {
      // The link and the held identity go; the hub child stays (other sources know it). A
      // person's decision stays too, so a record that comes back is not matched blindly.
      const { rows } = await rawQuery<{ n: string }>(
        this.em,
        `with gone as (
           delete from identity_link t using jsonb_array_elements_text(?::jsonb) as x(e)
           where t.source_system_id = ?::uuid and t.external_id = x.e and t.decided_by is null returning 1
         ), held as (
           delete from pupil_record p using jsonb_array_elements_text(?::jsonb) as x(e) where p.source_system_id = ?::uuid and p.external_id = x.e
         )
         select count(*) as n from gone`,
        [ids, this.source.id, ids, this.source.id],
      );
      return Number(rows[0].n);
    }
    const { rows } = await rawQuery<{ child_id: string }>(
      this.em,
      `with gone as (
         delete from ${SPECS[target].table} t using jsonb_array_elements_text(?::jsonb) as x(e)
         where t.source_system_id = ? and t.external_id = x.e returning t.child_id
       )${queueSummariesOfGone(target)}
       select child_id from gone`,
      [ids, this.source.id],
    );
    return rows.length;
  }

  static table(target: SchoolTarget): string {
    return SPECS[target].table;
  }
}

/** Queues children for attendance summary recomputation (after each sync; see the summary service). */
export async function queueSummaries(em: EntityManager, childIds: readonly string[]): Promise<void> {
  if (!childIds.length) return;
  await rawQuery(
    em,
    `insert into attendance_summary_pending (child_id) select distinct x.c from unnest(?::uuid[]) as x(c)
     on conflict (child_id) do update set queued_at = now()`,
    [`{${childIds.join(',')}}`],
  );
}

function empty(): SchoolWriteCounts {
  return { inserted: 0, updated: 0, unchanged: 0, skippedUnlinked: 0, rejected: [] };
}
