import type { EntityManager } from '@mikro-orm/postgresql';
import { bulkUpsertCounting, rawQuery, type BulkColumn, type UpsertCounts } from '../platform/db/bulk';
import type { CanonicalRecord, CanonicalRow, CanonicalTarget } from './canonical';
import { queueSummaries, queueSummariesOfGone, SCHOOL_TARGETS, SchoolWriter, type SchoolTarget, type SchoolWriteCounts } from './school-writer';

export interface WriteResult extends UpsertCounts {
  deleted: number;
  /** School records about pupils not linked to a hub child: dropped, never stored. */
  skippedUnlinked: number;
  /** Valid records that still cannot be stored (e.g. their child is unknown), with why. */
  rejected: { externalId: string; reason: string }[];
  /** Children whose attendance changed: queued for summary recomputation by write(). */
  summaryChildren: string[];
}

export interface SourceRef {
  id: string;
  municipalityId: string;
}

type ChildOwnedTarget = 'placement' | 'case_contact' | 'custody_holder';
const CASE_TARGETS: readonly string[] = ['child', 'placement', 'case_contact', 'custody_holder'];

const col = (name: string, type = 'text'): BulkColumn => ({ name, type });
const SOURCED = [col('source_system_id', 'uuid'), col('external_id'), col('child_id', 'uuid')];

/** Columns per child-owned table, in canonical record field order. */
const CHILD_OWNED: Record<ChildOwnedTarget, { table: string; columns: BulkColumn[]; row: (r: never) => Record<string, unknown> }> = {
  placement: {
    table: 'placement',
    columns: [col('type'), col('place_name'), col('legal_basis'), col('start_date', 'date'), col('end_date', 'date'), col('source_updated_at', 'timestamptz')],
    row: (r: CanonicalRow<'placement'>) => ({ type: r.type, place_name: r.placeName, legal_basis: r.legalBasis, start_date: r.startDate, end_date: r.endDate, source_updated_at: r.sourceUpdatedAt }),
  },
  case_contact: {
    table: 'case_contact',
    columns: [col('role'), col('name'), col('organisation'), col('email'), col('phone'), col('start_date', 'date'), col('end_date', 'date'), col('source_updated_at', 'timestamptz')],
    row: (r: CanonicalRow<'case_contact'>) => ({ role: r.role, name: r.name, organisation: r.organisation, email: r.email, phone: r.phone, start_date: r.startDate, end_date: r.endDate, source_updated_at: r.sourceUpdatedAt }),
  },
  custody_holder: {
    table: 'custody_holder',
    columns: [col('name'), col('relation'), col('cpr_hmac'), col('source_updated_at', 'timestamptz')],
    row: (r: CanonicalRow<'custody_holder'>) => ({ name: r.name, relation: r.relation, cpr_hmac: r.cprHmac, source_updated_at: r.sourceUpdatedAt }),
  },
};

/** Last record per external id wins: one statement may not touch a row twice. */
function lastPerKey<T extends { externalId: string }>(records: T[]): T[] {
  return [...new Map(records.map((r) => [r.externalId, r])).values()];
}

/**
 * Writes one page of canonical records for one source, batched per table (never row by row),
 * inside the caller's transaction. Children are matched on (municipality, CPR hash) and linked
 * to the source's ids through identity_link; child-owned rows find their child through that link.
 */
export class CanonicalWriter {
  constructor(
    private readonly em: EntityManager,
    private readonly source: SourceRef,
  ) {}

  /** Writes the page and queues the summaries it made stale. */
  async write(records: CanonicalRecord[]): Promise<WriteResult> {
    const result = await this.writeRows(records);
    await queueSummaries(this.em, result.summaryChildren);
    return result;
  }

  /**
   * Writes the page's rows only; the caller queues `summaryChildren` (the sync runner does so in
   * the ordered part of a page, after the page before it committed).
   */
  async writeRows(records: CanonicalRecord[]): Promise<WriteResult> {
    const result: WriteResult = { inserted: 0, updated: 0, unchanged: 0, deleted: 0, skippedUnlinked: 0, rejected: [], summaryChildren: [] };
    const add = (c: UpsertCounts) => {
      result.inserted += c.inserted;
      result.updated += c.updated;
      result.unchanged += c.unchanged;
    };
    const of = <T extends CanonicalRecord['target']>(t: T) => records.filter((r): r is Extract<CanonicalRecord, { target: T }> => r.target === t);

    const children = await this.writeChildren(lastPerKey(of('child')));
    add(children.counts);
    result.rejected.push(...children.rejected);
    for (const target of ['custody_holder', 'placement', 'case_contact'] as const) {
      const { counts, rejected } = await this.writeChildOwned(target, lastPerKey(of(target)));
      add(counts);
      result.rejected.push(...rejected);
    }

    // School data: schools, then pupils (links), then what hangs on them.
    const school = new SchoolWriter(this.em, this.source);
    const addSchool = (c: SchoolWriteCounts) => {
      add(c);
      result.skippedUnlinked += c.skippedUnlinked;
      result.rejected.push(...c.rejected);
      if (c.summaryChildren) result.summaryChildren.push(...c.summaryChildren);
    };
    addSchool(await school.schools(of('school')));
    addSchool(await school.pupils(of('pupil')));
    for (const target of SCHOOL_TARGETS) addSchool(await school.childOwned(target, of(target) as CanonicalRow<SchoolTarget>[]));

    const deletions = of('deletion');
    // Dependents first: a deleted child takes the rest with it (FK cascade), uncounted.
    for (const target of [...SCHOOL_TARGETS, 'pupil', 'school', 'custody_holder', 'placement', 'case_contact', 'child'] as const) {
      const ids = deletions.filter((d) => d.of === target).map((d) => d.externalId);
      if (!ids.length) continue;
      result.deleted += CASE_TARGETS.includes(target) ? await this.delete(target as ChildOwnedTarget | 'child', ids) : await school.delete(target as SchoolTarget | 'pupil' | 'school', ids);
    }
    return result;
  }

  private async writeChildren(all: CanonicalRow<'child'>[]): Promise<{ counts: UpsertCounts; rejected: WriteResult['rejected'] }> {
    if (!all.length) return { counts: { inserted: 0, updated: 0, unchanged: 0 }, rejected: [] };
    const rejected = await this.applyCprCorrections(all);
    const refused = new Set(rejected.map((r) => r.externalId));
    const rows = all.filter((r) => !refused.has(r.externalId));
    // Two records with one CPR number are one child (as across pages): one upsert row per number.
    const perChild = [...new Map(rows.map((r) => [r.cprHmac, r])).values()];
    const upserted = await bulkUpsertCounting(
      this.em,
      {
        table: 'child',
        columns: [col('municipality_id', 'uuid'), col('cpr_hmac'), col('first_name'), col('last_name'), col('birth_date', 'date')],
        conflict: ['municipality_id', 'cpr_hmac'],
        update: ['first_name', 'last_name', 'birth_date'],
      },
      perChild.map((r) => ({ municipality_id: this.source.municipalityId, cpr_hmac: r.cprHmac, first_name: r.firstName, last_name: r.lastName, birth_date: r.birthDate })),
    );
    const counts = { ...upserted, unchanged: upserted.unchanged + rows.length - perChild.length };
    // A merged child's CPR hash still names its row (a tombstone): its records land on the kept child.
    await rawQuery(
      this.em,
      `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status)
       select ?::uuid, x.external_id, coalesce(c.merged_into_id, c.id), 'cpr', 1, 'linked'
       from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text)
       join child c on c.municipality_id = ?::uuid and c.cpr_hmac = x.cpr_hmac
       on conflict (source_system_id, external_id) do update set child_id = excluded.child_id, method = 'cpr', status = 'linked'
       where identity_link.child_id is distinct from excluded.child_id or identity_link.status <> 'linked'`,
      [this.source.id, JSON.stringify(rows.map((r) => ({ external_id: r.externalId, cpr_hmac: r.cprHmac }))), this.source.municipalityId],
    );
    return { counts, rejected };
  }

  /**
   * A case record whose CPR number changed (a replacement number corrected, a typo fixed) is
   * the same child: the linked child's hash is corrected in place, so its placements, consents
   * and school links stay with it instead of a second child appearing beside a stale one. If
   * the new number already names another child, the two may be one person: that is a merge
   * (consents must not widen), decided by an administrator, so the record is refused with the
   * reason and the linked child is left as it is.
   */
  private async applyCprCorrections(rows: CanonicalRow<'child'>[]): Promise<WriteResult['rejected']> {
    const { rows: changed } = await rawQuery<{ external_id: string; child_id: string; taken: boolean; shared: boolean }>(
      this.em,
      `select x.external_id, c.id as child_id,
              exists (select 1 from child o where o.municipality_id = c.municipality_id and o.cpr_hmac = x.cpr_hmac) as taken,
              -- Another record of this source is the same child (one person registered twice):
              -- renumbering the child would carry that record's person along.
              exists (select 1 from identity_link o where o.source_system_id = il.source_system_id and o.child_id = c.id
                        and o.status = 'linked' and o.external_id <> x.external_id)
                -- … unless an administrator merged children into this one: they decided the
                -- records are one person, whose number this record now corrects.
                and not exists (select 1 from child t where t.merged_into_id = c.id) as shared
       from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text)
       join identity_link il on il.source_system_id = ?::uuid and il.external_id = x.external_id and il.status = 'linked'
       join child c on c.id = il.child_id
       where c.cpr_hmac <> x.cpr_hmac and c.merged_into_id is null
         -- The number of a child merged into this one is no correction: the merge routed it here.
         and not exists (select 1 from child t where t.municipality_id = c.municipality_id and t.cpr_hmac = x.cpr_hmac and t.merged_into_id = c.id)`,
      [JSON.stringify(rows.map((r) => ({ external_id: r.externalId, cpr_hmac: r.cprHmac }))), this.source.id],
    );
    if (!changed.length) return [];
    const byId = new Map(rows.map((r) => [r.externalId, r]));
    const newHash = (c: (typeof changed)[number]) => byId.get(c.external_id)!.cprHmac;
    // A number two records of the page would each correct to, or one record's correction would
    // take from another record of the page, is left to the administrator like a taken one.
    const claims = new Map<string, number>();
    for (const r of rows) claims.set(r.cprHmac, (claims.get(r.cprHmac) ?? 0) + 1);
    const refusedHere = (c: (typeof changed)[number]) => c.taken || c.shared || claims.get(newHash(c))! > 1;
    const corrections = changed.filter((c) => !refusedHere(c)).map((c) => ({ id: c.child_id, cpr_hmac: newHash(c) }));
    if (corrections.length) {
      await rawQuery(
        this.em,
        `update child c set cpr_hmac = x.cpr_hmac from jsonb_to_recordset(?::jsonb) as x(id uuid, cpr_hmac text) where c.id = x.id`,
        [JSON.stringify(corrections)],
      );
    }
    return changed
      .filter(refusedHere)
      .map((c) => ({
        externalId: c.external_id,
        reason: c.shared
          ? 'cpr: the child this record names is also another record of the source, which keeps the old CPR number; an administrator decides who is who (correct the source, or split the child)'
          : 'cpr: the new CPR number already belongs to another child in the hub; merge the two children (mergeChildren) or correct the source',
      }));
  }

  private async writeChildOwned(target: ChildOwnedTarget, rows: CanonicalRow<ChildOwnedTarget>[]) {
    if (!rows.length) return { counts: { inserted: 0, updated: 0, unchanged: 0 }, rejected: [] };
    const childOf = await this.linkedChildren(rows.map((r) => r.childExternalId));
    const spec = CHILD_OWNED[target];
    const rejected: WriteResult['rejected'] = [];
    const writable: Record<string, unknown>[] = [];
    for (const r of rows) {
      const childId = childOf.get(r.childExternalId);
      if (!childId) rejected.push({ externalId: r.externalId, reason: `childId: no linked child ${r.childExternalId} from this source` });
      else writable.push({ source_system_id: this.source.id, external_id: r.externalId, child_id: childId, ...spec.row(r as never) });
    }
    const columns = [...SOURCED, ...spec.columns];
    const counts = await bulkUpsertCounting(
      this.em,
      { table: spec.table, columns, conflict: ['source_system_id', 'external_id'], update: ['child_id', ...spec.columns.map((c) => c.name), 'synced_at'] },
      writable,
    );
    return { counts, rejected };
  }

  private async linkedChildren(externalIds: string[]): Promise<Map<string, string>> {
    const { rows } = await rawQuery<{ external_id: string; child_id: string }>(
      this.em,
      // Driven from the page's ids: an index probe each, whatever the table's statistics say
      // (a first full sync runs before autovacuum has analysed anything).
      `select il.external_id, il.child_id from jsonb_array_elements_text(?::jsonb) as x(e)
       join identity_link il on il.source_system_id = ? and il.external_id = x.e
       where il.status = 'linked' and il.child_id is not null`,
      [JSON.stringify([...new Set(externalIds)]), this.source.id],
    );
    return new Map(rows.map((r) => [r.external_id, r.child_id]));
  }

  /** Applies deletes from the source. A child goes when no source links to it any more. */
  async delete(target: ChildOwnedTarget | 'child', externalIds: string[]): Promise<number> {
    const ids = JSON.stringify(externalIds);
    if (target !== 'child') {
      const { rowCount } = await rawQuery(
        this.em,
        `delete from ${CHILD_OWNED[target].table} t using jsonb_array_elements_text(?::jsonb) as x(e) where t.source_system_id = ? and t.external_id = x.e`,
        [ids, this.source.id],
      );
      return rowCount;
    }
    const { rows } = await rawQuery<{ child_id: string }>(
      this.em,
      `delete from identity_link t using jsonb_array_elements_text(?::jsonb) as x(e) where t.source_system_id = ? and t.external_id = x.e returning t.child_id`,
      [ids, this.source.id],
    );
    await this.deleteUnlinkedChildren(rows.map((r) => r.child_id));
    return rows.length;
  }

  /** Full resync: deletes this source's rows of a target that the pass did not see. */
  async sweep(target: CanonicalTarget, jobId: string): Promise<number> {
    // A hashed NOT IN (sync_seen.external_id is never null): one pass, no per-row probing.
    const unseen = `t.external_id not in (select s.external_id from sync_seen s where s.job_id = ? and s.target = ?)`;
    if (target === 'school') return 0;
    if (target === 'pupil') {
      await rawQuery(this.em, `delete from pupil_record t where t.source_system_id = ? and ${unseen}`, [this.source.id, jobId, target]);
      const { rowCount } = await rawQuery(this.em, `delete from identity_link t where t.source_system_id = ? and t.decided_by is null and ${unseen}`, [this.source.id, jobId, target]);
      return rowCount;
    }
    if ((SCHOOL_TARGETS as readonly string[]).includes(target)) {
      const table = SchoolWriter.table(target as SchoolTarget);
      const { rows } = await rawQuery<{ n: string }>(
        this.em,
        `with gone as (delete from ${table} t where t.source_system_id = ? and ${unseen} returning t.child_id)
         ${queueSummariesOfGone(target)}
         select count(*) as n from gone`,
        [this.source.id, jobId, target],
      );
      return Number(rows[0].n);
    }
    if (target !== 'child') {
      const { rowCount } = await rawQuery(this.em, `delete from ${CHILD_OWNED[target as ChildOwnedTarget].table} t where t.source_system_id = ? and ${unseen}`, [this.source.id, jobId, target]);
      return rowCount;
    }
    const { rows } = await rawQuery<{ child_id: string }>(
      this.em,
      `delete from identity_link t where t.source_system_id = ? and ${unseen} returning child_id`,
      [this.source.id, jobId, target],
    );
    await this.deleteUnlinkedChildren(rows.map((r) => r.child_id));
    return rows.length;
  }

  private async deleteUnlinkedChildren(childIds: (string | null)[]): Promise<void> {
    const ids = childIds.filter((id): id is string => Boolean(id));
    if (!ids.length) return;
    await rawQuery(
      this.em,
      `with doomed as (
         select c.id from child c join jsonb_array_elements_text(?::jsonb) as x(e) on c.id = x.e::uuid
         -- The case record anchors the child: with none left the child goes, school links and
         -- school data with it (cascade) — a school record alone never keeps a child in the hub.
         where not exists (select 1 from identity_link il join source_system s on s.id = il.source_system_id
                           where il.child_id = c.id and s.kind = 'case_system')
       ), requeued as (
         -- Its school records' held identities wait for the next matching run, which drops them
         -- (or finds them another child).
         update pupil_record p set matched_at = null from identity_link il
         where il.child_id in (select id from doomed) and p.source_system_id = il.source_system_id and p.external_id = il.external_id
       )
       delete from child c where c.id in (select id from doomed)`,
      [JSON.stringify(ids)],
    );
  }
}
