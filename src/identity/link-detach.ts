import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';

/** School rows removed from a child because the link they came through was undone. */
export interface DetachedRows {
  enrollments: number;
  attendanceDays: number;
  grades: number;
  wellbeing: number;
}

export interface LinkToDetach {
  id: string;
  sourceSystemId: string;
  externalId: string;
  childId: string;
}

/**
 * Undoes a linked identity link on the caller's transaction: the link becomes rejected (no
 * child), the pair is remembered so it is never proposed again, the school rows that reached
 * the child through this link are deleted, and the pupil record waits for matching again (it
 * may belong to another child). The caller recomputes the child's attendance summaries in the
 * same transaction and queues identity matching after commit.
 */
export async function detachLink(em: EntityManager, link: LinkToDetach, decidedBy: string): Promise<DetachedRows> {
  await rawQuery(
    em,
    `update identity_link set status = 'rejected', child_id = null, decided_by = ?, decided_at = now(), status_changed_at = now(),
       candidates = (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(candidates) c where c->>'childId' <> ?)
     where id = ?`,
    [decidedBy, link.childId, link.id],
  );
  await rememberRejections(em, link.sourceSystemId, link.externalId, [link.childId], decidedBy);
  await rawQuery(em, `update pupil_record set matched_at = null where source_system_id = ? and external_id = ?`, [link.sourceSystemId, link.externalId]);
  return deleteRowsAttachedThrough(em, link.id, link.childId);
}

/** Deletes what reached `childId` through `linkId` (child_id first: it is the indexed column). */
export async function deleteRowsAttachedThrough(em: EntityManager, linkId: string, childId: string): Promise<DetachedRows> {
  const { rows } = await rawQuery<Record<string, string>>(
    em,
    `with e as (delete from enrollment where child_id = ?::uuid and identity_link_id = ?::uuid returning 1),
          a as (delete from attendance_day where child_id = ?::uuid and identity_link_id = ?::uuid returning 1),
          g as (delete from grade where child_id = ?::uuid and identity_link_id = ?::uuid returning 1),
          w as (delete from wellbeing where child_id = ?::uuid and identity_link_id = ?::uuid returning 1)
     select (select count(*) from e) as e, (select count(*) from a) as a, (select count(*) from g) as g, (select count(*) from w) as w`,
    [childId, linkId, childId, linkId, childId, linkId, childId, linkId],
  );
  const [r] = rows;
  return { enrollments: Number(r.e), attendanceDays: Number(r.a), grades: Number(r.g), wellbeing: Number(r.w) };
}

/** Remembers that a person decided the source record is none of these children. */
export async function rememberRejections(em: EntityManager, sourceSystemId: string, externalId: string, childIds: string[], decidedBy: string): Promise<void> {
  if (!childIds.length) return;
  // Only children that still exist (a proposal may name a child deleted since).
  await rawQuery(
    em,
    `insert into identity_rejection (source_system_id, external_id, child_id, decided_by, decided_at)
     select ?::uuid, ?, c.id, ?, now() from child c where c.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) e)
     on conflict (source_system_id, external_id, child_id) do update set decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
    [sourceSystemId, externalId, decidedBy, JSON.stringify(childIds)],
  );
}
