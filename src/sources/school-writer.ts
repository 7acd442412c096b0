import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { copyRows } from '../platform/db/copy';
import type { CanonicalRow } from './canonical';
import type { SourceRef } from './canonical-writer';

export type SchoolTarget = 'enrollment' | 'attendance_day' | 'grade' | 'wellbeing';
export const SCHOOL_TARGETS: readonly SchoolTarget[] = ['enrollment', 'attendance_day', 'grade', 'wellbeing'];

export interface SchoolWriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records about pupils not linked to a hub child: dropped, never stored. */
  skippedUnlinked: number;
  rejected: { externalId: string; reason: string }[];
}

interface Spec {
  table: string;
  /** Columns besides source_system_id, external_id, child_id: name → SQL type. */
  columns: [string, string][];
  /** Upsert key: the natural key for attendance (one day per child), else the source key. */
  conflict: string;
  row(r: never): Record<string, unknown>;
}

const SPECS: Record<SchoolTarget, Spec> = {
  enrollment: {
    table: 'enrollment',
    columns: [['school_id', 'uuid'], ['grade_level', 'smallint'], ['class_name', 'text'], ['start_date', 'date'], ['end_date', 'date'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    row: (r: CanonicalRow<'enrollment'>) => ({
      institution_number: r.institutionNumber,
      grade_level: r.gradeLevel,
      class_name: r.className,
      start_date: r.startDate,
      end_date: r.endDate,
      source_updated_at: r.sourceUpdatedAt,
    }),
  },
  attendance_day: {
    table: 'attendance_day',
    columns: [['date', 'date'], ['status', 'text'], ['note', 'text'], ['source_updated_at', 'timestamptz']],
    conflict: 'child_id, date',
    row: (r: CanonicalRow<'attendance_day'>) => ({ date: r.date, status: r.status, note: r.note, source_updated_at: r.sourceUpdatedAt }),
  },
  grade: {
    table: 'grade',
    columns: [['subject', 'text'], ['kind', 'text'], ['value', 'text'], ['grade_date', 'date'], ['school_year', 'text'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    row: (r: CanonicalRow<'grade'>) => ({ subject: r.subject, kind: r.kind, value: r.value, grade_date: r.gradeDate, school_year: r.schoolYear, source_updated_at: r.sourceUpdatedAt }),
  },
  wellbeing: {
    table: 'wellbeing',
    columns: [['indicator', 'text'], ['score', 'numeric'], ['survey_year', 'smallint'], ['source_updated_at', 'timestamptz']],
    conflict: 'source_system_id, external_id',
    row: (r: CanonicalRow<'wellbeing'>) => ({ indicator: r.indicator, score: r.score, survey_year: r.surveyYear, source_updated_at: r.sourceUpdatedAt }),
  },
};

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

  /** Links pupils; returns how many were linked (new or changed), unchanged, and dropped. */
  async pupils(records: CanonicalRow<'pupil'>[]): Promise<SchoolWriteCounts> {
    const rows = lastPerKey(records).map((r) => ({ external_id: r.externalId, cpr_hmac: r.cprHmac, uni_login_id: r.uniLoginId }));
    if (!rows.length) return empty();
    const { rows: out } = await rawQuery<{ matched: string; inserted: string; updated: string }>(
      this.em,
      `with x as (
         select * from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text, uni_login_id text)
       ), m as (
         select x.external_id, x.uni_login_id, coalesce(by_cpr.id, by_uni.child_id) as child_id,
                case when by_cpr.id is not null then 'cpr' else 'uni_login' end as method
         from x
         left join child by_cpr on x.cpr_hmac is not null and by_cpr.municipality_id = ?::uuid and by_cpr.cpr_hmac = x.cpr_hmac
         left join lateral (
           select il.child_id from identity_link il join child c on c.id = il.child_id and c.municipality_id = ?::uuid
           where x.uni_login_id is not null and il.uni_login_id = x.uni_login_id and il.status = 'linked' limit 1
         ) by_uni on by_cpr.id is null
         where coalesce(by_cpr.id, by_uni.child_id) is not null
       ), up as (
         insert into identity_link (source_system_id, external_id, child_id, method, confidence, status, uni_login_id)
         select ?::uuid, m.external_id, m.child_id, m.method, 1, 'linked', m.uni_login_id from m
         on conflict (source_system_id, external_id) do update
           set child_id = excluded.child_id, method = excluded.method, uni_login_id = excluded.uni_login_id, status = 'linked'
           -- A person's decision (manual link or rejection) is never overwritten by a sync.
           where identity_link.method <> 'manual' and identity_link.status <> 'rejected'
             and (identity_link.child_id, identity_link.uni_login_id, identity_link.status)
                 is distinct from (excluded.child_id, excluded.uni_login_id, 'linked')
         returning (xmax = 0) as inserted
       )
       select (select count(*) from m) as matched,
              (select count(*) from up where inserted) as inserted,
              (select count(*) from up where not inserted) as updated`,
      [JSON.stringify(rows), this.source.municipalityId, this.source.municipalityId, this.source.id],
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
   * school by institution number. Children whose attendance changed are queued for summary
   * recomputation in the same statement.
   */
  async childOwned(target: SchoolTarget, records: CanonicalRow<SchoolTarget>[]): Promise<SchoolWriteCounts> {
    const spec = SPECS[target];
    let unique = lastPerKey(records);
    if (target === 'attendance_day') {
      // One registration per pupil and day: a later record of the same day wins.
      unique = [...new Map((unique as CanonicalRow<'attendance_day'>[]).map((r) => [`${r.childExternalId}|${r.date}`, r])).values()];
    }
    if (!unique.length) return empty();
    const rows = unique.map((r) => ({ external_id: r.externalId, child_external_id: r.childExternalId, ...spec.row(r as never) }));
    const isEnrollment = target === 'enrollment';
    const inputColumns = [
      ['external_id', 'text'],
      ['child_external_id', 'text'],
      ...spec.columns.filter(([name]) => name !== 'school_id'),
      ...(isEnrollment ? [['institution_number', 'text']] : []),
    ];
    // The page is staged with COPY (per-session temp table, emptied at commit), then upserted
    // in one set-based statement: several times faster than parsing a JSON parameter.
    const stage = `school_stage_${target}`;
    await rawQuery(this.em, `create temp table if not exists ${stage} (${inputColumns.map(([n, t]) => `${n} ${t}`).join(', ')}) on commit delete rows`, []);
    await copyRows(this.em, stage, inputColumns.map(([n]) => n), rows.map((r) => inputColumns.map(([n]) => (r as Record<string, unknown>)[n])));
    const names = spec.columns.map(([n]) => n);
    const selectValues = names.map((n) => (n === 'school_id' ? 's.id' : `x.${n}`)).join(', ');
    const updates = [...names, 'child_id', 'external_id', 'source_system_id']
      .filter((n) => !spec.conflict.split(', ').includes(n))
      .map((n) => `${n} = excluded.${n}`)
      .join(', ');
    const changed = names.filter((n) => n !== 'source_updated_at').map((n) => `${spec.table}.${n}`).join(', ');
    const changedExcluded = names.filter((n) => n !== 'source_updated_at').map((n) => `excluded.${n}`).join(', ');
    const queueSummaries = target === 'attendance_day';
    const { rows: out } = await rawQuery<{ linked: string; unknown_school: string[] | null; inserted: string; updated: string }>(
      this.em,
      `with x as (
         select * from ${stage}
       ), linked as (
         select x.*, il.child_id from x
         join identity_link il on il.source_system_id = ?::uuid and il.external_id = x.child_external_id
          and il.status = 'linked' and il.child_id is not null
       ), up as (
         insert into ${spec.table} (source_system_id, external_id, child_id, ${names.join(', ')})
         select ?::uuid, x.external_id, x.child_id, ${selectValues}
         from linked x ${isEnrollment ? 'join school s on s.institution_number = x.institution_number' : ''}
         on conflict (${spec.conflict}) do update set ${updates}, synced_at = now()
         where (${changed}, ${spec.table}.child_id, ${spec.table}.external_id) is distinct from (${changedExcluded}, excluded.child_id, excluded.external_id)
         returning (xmax = 0) as inserted, child_id
       )${
         queueSummaries
           ? `, queued as (
         insert into attendance_summary_pending (child_id) select distinct child_id from up
         on conflict (child_id) do update set queued_at = now()
       )`
           : ''
       }
       select (select count(*) from linked) as linked,
              ${isEnrollment ? `(select array_agg(distinct l.institution_number) from linked l where not exists (select 1 from school s where s.institution_number = l.institution_number))` : 'null::text[]'} as unknown_school,
              (select count(*) from up where inserted) as inserted,
              (select count(*) from up where not inserted) as updated`,
      [this.source.id, this.source.id],
    );
    await rawQuery(this.em, `truncate ${stage}`, []);
    const linked = Number(out[0].linked);
    const inserted = Number(out[0].inserted);
    const updated = Number(out[0].updated);
    const unknownSchools = new Set(out[0].unknown_school ?? []);
    const rejected = isEnrollment
      ? (unique as CanonicalRow<'enrollment'>[])
          .filter((r) => unknownSchools.has(r.institutionNumber))
          .map((r) => ({ externalId: r.externalId, reason: `institutionNumber: no school ${r.institutionNumber} known` }))
      : [];
    return { inserted, updated, unchanged: linked - inserted - updated - rejected.length, skippedUnlinked: unique.length - linked, rejected };
  }

  /** Deletes at the source; attendance deletions queue the child's summaries. */
  async delete(target: SchoolTarget | 'pupil' | 'school', externalIds: string[]): Promise<number> {
    const ids = JSON.stringify(externalIds);
    if (target === 'school') return 0; // schools outlive their pupils; enrolments keep referring to them
    if (target === 'pupil') {
      // The link goes; the hub child stays (other sources know it).
      const { rowCount } = await rawQuery(
        this.em,
        `delete from identity_link t using jsonb_array_elements_text(?::jsonb) as x(e) where t.source_system_id = ? and t.external_id = x.e and t.method <> 'manual'`,
        [ids, this.source.id],
      );
      return rowCount;
    }
    const { rows } = await rawQuery<{ child_id: string }>(
      this.em,
      `with gone as (
         delete from ${SPECS[target].table} t using jsonb_array_elements_text(?::jsonb) as x(e)
         where t.source_system_id = ? and t.external_id = x.e returning t.child_id
       )${target === 'attendance_day' ? `, queued as (insert into attendance_summary_pending (child_id) select distinct child_id from gone on conflict (child_id) do update set queued_at = now())` : ''}
       select child_id from gone`,
      [ids, this.source.id],
    );
    return rows.length;
  }

  static table(target: SchoolTarget): string {
    return SPECS[target].table;
  }
}

function empty(): SchoolWriteCounts {
  return { inserted: 0, updated: 0, unchanged: 0, skippedUnlinked: 0, rejected: [] };
}
