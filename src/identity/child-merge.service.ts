import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAdminChange } from '../audit/admin-change';
import { consentFactsByChild } from '../consent/consent-facts.loader';
import { ConsentEvent, ConsentEventKind } from '../consent/consent-event.entity';
import { ProvisionEffect } from '../consent/consent-provision.entity';
import { Consent, type ConsentGrantorKind, ConsentStatus } from '../consent/consent.entity';
import type { DataCategory } from '../consent/data-category';
import type { Actor } from '../partners/actor';
import type { PartnerRole } from '../partners/partner-role';
import { rawQuery } from '../platform/db/bulk';
import { ADMIN_LOCK_TIMEOUT_MS, lockBoundedTransaction } from '../platform/db/lock-wait';
import { ErrorCode, HubError } from '../platform/graphql/errors';
import { requireUuid } from '../platform/graphql/ids';
import { recomputeChildSummaries } from '../schooling/attendance-summary.service';
import { planConsentMerge } from './child-merge-consents';
import { ChildMergeRefusal, type ChildMergeCounts, type ChildMergeResult } from './child-merge.types';

/** Tables whose rows simply change child: their unique keys do not involve the child. */
const MOVED: Record<Exclude<keyof ChildMergeCounts, 'attendanceDays' | 'identityRejections' | 'consents'>, string> = {
  placements: 'placement',
  caseContacts: 'case_contact',
  custodyHolders: 'custody_holder',
  interventions: 'intervention',
  enrollments: 'enrollment',
  grades: 'grade',
  wellbeing: 'wellbeing',
  // The case system's link too: its later records land on the kept child.
  identityLinks: 'identity_link',
};

/**
 * Every table referencing child, and what a merge does with the merged child's rows. A test
 * compares this with the database's foreign keys, so a new child table cannot be forgotten.
 */
export const CHILD_REFERENCES: Record<string, string> = {
  ...Object.fromEntries(Object.values(MOVED).map((t) => [t, 'moved'])),
  attendance_day: 'moved; on a (child, date) clash the newer record stays',
  identity_rejection: 'moved; a rejection the kept child already has is not doubled',
  consent: 'moved with history; narrowed (see planConsentMerge)',
  attendance_summary: 'recomputed from the moved days',
  attendance_summary_pending: 'dropped (recomputed now)',
  child: 'the merged child stays as a tombstone (merged_into_id); older tombstones are repointed',
};

interface ChildRow {
  id: string;
  municipality_id: string;
  merged_into_id: string | null;
}

function refuse(reason: ChildMergeRefusal, field: string, message: string): HubError {
  return HubError.badInput(field, message, { reason });
}

/**
 * mergeChildren: two hub children found to be one person — typically a child first registered
 * in the case system under an erstatningspersonnummer and later under a real CPR number. One
 * transaction moves every row of the merged child to the kept child, narrows consents so the
 * merge widens no one's access, recomputes derived attendance summaries, and leaves the merged
 * child as a tombstone, so a case or school record still carrying its CPR hash reaches the kept
 * child (CanonicalWriter, SchoolWriter follow merged_into_id) instead of resurrecting it.
 */
export class ChildMergeService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId: string,
    private readonly lockTimeoutMs = ADMIN_LOCK_TIMEOUT_MS,
  ) {}

  async merge(keepChildIdArg: string, mergeChildIdArg: string): Promise<ChildMergeResult & { requeuedSources: string[] }> {
    const keepId = requireUuid('keepChildId', keepChildIdArg);
    const mergeId = requireUuid('mergeChildId', mergeChildIdArg);
    if (keepId === mergeId) throw refuse(ChildMergeRefusal.SameChild, 'mergeChildId', 'a child cannot be merged into itself');

    return lockBoundedTransaction(this.em, this.lockTimeoutMs, async (em) => {
      const q = <R>(sql: string, params: unknown[]) => rawQuery<R>(em, sql, params);
      // Both rows locked (in id order: no deadlock with a merge the other way round); a case
      // sync upserting either child waits for this merge, then follows the tombstone.
      const { rows: locked } = await q<ChildRow>(`select id, municipality_id, merged_into_id from child where id in (?, ?) order by id for update`, [keepId, mergeId]);
      const kept = this.visible(locked, keepId, 'keepChildId');
      const merged = this.visible(locked, mergeId, 'mergeChildId');
      // Each municipality's case system anchors its own children (CPR hash unique per
      // municipality), and consents, sources and admins are per municipality: a child who moved
      // is a new child of the new municipality, not a duplicate to merge across tenants.
      if (kept.municipality_id !== merged.municipality_id) {
        throw refuse(ChildMergeRefusal.DifferentMunicipalities, 'mergeChildId', 'the children belong to different municipalities');
      }
      const { rows: conflicts } = await q<{ n: string }>(
        `select count(*) as n from identity_rejection r
         join identity_link il on il.source_system_id = r.source_system_id and il.external_id = r.external_id and il.status = 'linked'
         where (r.child_id = ? and il.child_id = ?) or (r.child_id = ? and il.child_id = ?)`,
        [keepId, mergeId, mergeId, keepId],
      );
      if (Number(conflicts[0].n) > 0) {
        throw refuse(ChildMergeRefusal.ConflictsWithRejection, 'mergeChildId', 'a record linked to one child was rejected for the other by a person: review that link first');
      }

      const moved = { attendanceDays: 0, identityRejections: 0, consents: 0 } as ChildMergeCounts;
      // One school day per child: where both children have the day, the record the source
      // changed last (else synced last) stays; on a tie the kept child's. The dropped record
      // comes back only if its source sends it again, and then replaces the day as any update.
      const clashes = await q(
        `with clash as (
           select k.date, (coalesce(m.source_updated_at, '-infinity'), m.synced_at) > (coalesce(k.source_updated_at, '-infinity'), k.synced_at) as merged_newer
           from attendance_day k join attendance_day m on m.child_id = ? and m.date = k.date
           where k.child_id = ?)
         delete from attendance_day d using clash c
         where d.date = c.date and d.child_id = case when c.merged_newer then ?::uuid else ?::uuid end`,
        [mergeId, keepId, keepId, mergeId],
      );
      moved.attendanceDays = (await q(`update attendance_day set child_id = ? where child_id = ?`, [keepId, mergeId])).rowCount;
      for (const [key, table] of Object.entries(MOVED) as [keyof typeof MOVED, string][]) {
        moved[key] = (await q(`update ${table} set child_id = ? where child_id = ?`, [keepId, mergeId])).rowCount;
      }
      moved.identityRejections = (
        await q(
          `with gone as (delete from identity_rejection where child_id = ? returning source_system_id, external_id, decided_by, decided_at)
           insert into identity_rejection (source_system_id, external_id, child_id, decided_by, decided_at)
           select source_system_id, external_id, ?, decided_by, decided_at from gone on conflict do nothing`,
          [mergeId, keepId],
        )
      ).rowCount;
      const requeued = await this.requeueReviewsNaming(em, mergeId);

      const consents = await this.narrowConsents(em, keepId, mergeId);
      moved.consents = consents.moved;

      await recomputeChildSummaries(em, [keepId, mergeId]);
      await q(`delete from attendance_summary_pending where child_id = ?`, [mergeId]);
      // Older tombstones follow to the kept child but keep who merged them and when.
      await q(
        `update child set merged_into_id = ?, merged_by = case when id = ? then ? else merged_by end, merged_at = case when id = ? then now() else merged_at end
         where id = ? or merged_into_id = ?`,
        [keepId, mergeId, this.actor.clientId, mergeId, mergeId, mergeId],
      );

      const result: ChildMergeResult = {
        keptChildId: keepId,
        mergedChildId: mergeId,
        moved,
        attendanceClashesDropped: clashes.rowCount,
        consentsKept: consents.kept,
        consentsSuperseded: consents.superseded,
        consentsNeedingReview: consents.needingReview,
        reviewsRequeued: requeued.length,
      };
      const detail = {
        change: 'merge_children',
        keptChildId: keepId,
        mergedChildId: mergeId,
        moved,
        attendanceClashesDropped: result.attendanceClashesDropped,
        consentsSuperseded: consents.superseded,
        consentsNeedingReview: consents.needingReview.map((c) => c.consentId),
      };
      recordAdminChange(em, this.actor, this.requestId, { target: `child:${keepId}`, detail, municipalityId: kept.municipality_id, childId: keepId });
      recordAdminChange(em, this.actor, this.requestId, { target: `child:${mergeId}`, detail, municipalityId: kept.municipality_id, childId: mergeId });
      await em.flush();
      return { ...result, requeuedSources: [...new Set(requeued)] };
    });
  }

  /** A live child of the actor's municipality; anything else answers as unknown. */
  private visible(rows: ChildRow[], id: string, field: string): ChildRow {
    const row = rows.find((r) => r.id === id);
    if (!row || row.merged_into_id !== null || (this.actor.municipalityId !== null && row.municipality_id !== this.actor.municipalityId)) {
      throw new HubError(ErrorCode.NotFound, `${field}: child not found`, { field });
    }
    return row;
  }

  /**
   * Pending reviews that proposed the merged child: its proposal is dropped (its evidence was
   * scored against that child's fields) and the pupil record goes back to the matching job,
   * which scores it against the kept child. Returns the source of each requeued record.
   */
  private async requeueReviewsNaming(em: EntityManager, mergeId: string): Promise<string[]> {
    const { rows } = await rawQuery<{ source_system_id: string; external_id: string }>(
      em,
      `update identity_link il
       set candidates = coalesce((select jsonb_agg(e order by n) from jsonb_array_elements(il.candidates) with ordinality as t(e, n) where e->>'childId' <> ?), '[]'::jsonb)
       where il.status = 'pending_review' and il.candidates @> ?::jsonb
       returning il.source_system_id, il.external_id`,
      [mergeId, JSON.stringify([{ childId: mergeId }])],
    );
    if (rows.length) {
      await rawQuery(
        em,
        `update pupil_record p set matched_at = null from jsonb_to_recordset(?::jsonb) as x(source_system_id uuid, external_id text)
         where p.source_system_id = x.source_system_id and p.external_id = x.external_id`,
        [JSON.stringify(rows)],
      );
    }
    return rows.map((r) => r.source_system_id);
  }

  /**
   * Moves every consent of the merged child (with its history) to the kept child: they are the
   * person's consents. Then only consents valid for both children stay in force; the merged
   * child's duplicates end as superseded; the rest are suspended for review (planConsentMerge).
   */
  private async narrowConsents(em: EntityManager, keepId: string, mergeId: string) {
    const [keptFacts, mergedFacts] = await consentFactsByChild.batch(em, [keepId, mergeId]);
    const appIds = [...new Set([...keptFacts, ...mergedFacts].flatMap((c) => c.provisions.flatMap((p) => (p.recipientPartnerAppId ? [p.recipientPartnerAppId] : []))))];
    const { rows: apps } = appIds.length
      ? await rawQuery<{ id: string; role: PartnerRole }>(em, `select id, role from partner_app where id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e)`, [JSON.stringify(appIds)])
      : { rows: [] };
    const plan = planConsentMerge({ kept: keptFacts, merged: mergedFacts, appRoles: new Map(apps.map((a) => [a.id, a.role])), now: new Date() });

    const { rows: movedRows } = await rawQuery<{ id: string }>(em, `update consent set child_id = ? where child_id = ? returning id`, [keepId, mergeId]);
    const event = (id: string, kind: ConsentEventKind, reason: string) =>
      em.create(ConsentEvent, { consent: em.getReference(Consent, id), kind, actor: this.actor.clientId, reason });
    for (const { id } of movedRows) event(id, ConsentEventKind.Merged, `child ${mergeId} merged into child ${keepId}: moved with the child`);

    const idsWith = (outcome: string) => [...plan].filter(([, o]) => o === outcome).map(([id]) => id);
    const superseded = idsWith('duplicate');
    const suspended = idsWith('needs_review');
    for (const [ids, status] of [[superseded, ConsentStatus.Superseded], [suspended, ConsentStatus.Suspended]] as const) {
      if (ids.length) await rawQuery(em, `update consent set status = ? where id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e)`, [status, JSON.stringify(ids)]);
    }
    for (const id of superseded) event(id, ConsentEventKind.Superseded, `merge: child ${keepId}'s consents already cover it`);
    for (const id of suspended) event(id, ConsentEventKind.Suspended, `merge: needs review — valid for only one of children ${keepId} and ${mergeId}`);

    const { rows: kinds } = suspended.length
      ? await rawQuery<{ id: string; grantor_kind: ConsentGrantorKind }>(em, `select id, grantor_kind from consent where id in (select e::uuid from jsonb_array_elements_text(?::jsonb) as e)`, [JSON.stringify(suspended)])
      : { rows: [] };
    const grantorKind = new Map(kinds.map((k) => [k.id, k.grantor_kind]));
    const facts = new Map([...keptFacts.map((c) => [c.id, { c, from: keepId }] as const), ...mergedFacts.map((c) => [c.id, { c, from: mergeId }] as const)]);
    const needingReview = suspended.map((id) => {
      const { c, from } = facts.get(id)!;
      const categories = new Set<DataCategory>(c.provisions.filter((p) => p.effect === ProvisionEffect.Permit).flatMap((p) => p.categories));
      return { consentId: id, fromChildId: from, grantorKind: grantorKind.get(id)!, categories: [...categories].sort() };
    });
    return { moved: movedRows.length, kept: idsWith('kept'), superseded, needingReview };
  }
}
