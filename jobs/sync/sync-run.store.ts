import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../../src/platform/db/bulk';
import { copyRows } from '../../src/platform/db/copy';
import type { PupilRef } from '../../src/sources/canonical';
import type { SourceRef, WriteResult } from '../../src/sources/canonical-writer';
import { redactPayload } from '../../src/sources/redact';

export interface Quarantined {
  externalId?: string;
  reason: string;
  payload: unknown;
  /** The pupil a broken school record is about, when known. */
  pupil?: PupilRef;
}

/**
 * Which of these pupils are not children in the hub: no link from this source, no child of the
 * source's municipality with that CPR hash, no linked UNI-Login (one query).
 */
export async function unlinkedPupils(em: EntityManager, source: SourceRef, pupils: PupilRef[]): Promise<Set<string>> {
  if (!pupils.length) return new Set();
  const { rows } = await rawQuery<{ external_id: string }>(
    em,
    `select x.external_id from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text, uni_login_id text)
     where not exists (select 1 from identity_link il where il.source_system_id = ?::uuid and il.external_id = x.external_id and il.status = 'linked')
       and not exists (select 1 from child c where x.cpr_hmac is not null and c.municipality_id = ?::uuid and c.cpr_hmac = x.cpr_hmac)
       and not exists (select 1 from identity_link u where x.uni_login_id is not null and u.uni_login_id = x.uni_login_id and u.status = 'linked')`,
    [JSON.stringify(pupils.map((p) => ({ external_id: p.externalId, cpr_hmac: p.cprHmac, uni_login_id: p.uniLoginId }))), source.id, source.municipalityId],
  );
  return new Set(rows.map((r) => r.external_id));
}

/** Quarantine in one statement; a record that fails again refreshes its open entry. */
export async function quarantine(em: EntityManager, sourceId: string, runId: string, stream: string, items: Quarantined[]): Promise<void> {
  if (!items.length) return;
  const rows = items.map((q) => ({ external_id: q.externalId ?? null, reason: q.reason, payload: redactPayload(q.payload) }));
  await rawQuery(
    em,
    `insert into quarantined_record (source_system_id, sync_run_id, stream, external_id, redacted_payload, reason)
     select ?::uuid, ?::uuid, ?, x.external_id, x.payload, x.reason
     from jsonb_to_recordset(?::jsonb) as x(external_id text, reason text, payload jsonb)
     on conflict (source_system_id, stream, external_id) where resolved_at is null
     do update set sync_run_id = excluded.sync_run_id, redacted_payload = excluded.redacted_payload,
                   reason = excluded.reason, last_seen_at = now()`,
    [sourceId, runId, stream, JSON.stringify(rows)],
  );
}

/** Open quarantine entries of records that now arrived valid are resolved by the source's fix. */
export async function resolveFixed(em: EntityManager, sourceId: string, stream: string, externalIds: string[]): Promise<void> {
  if (!externalIds.length) return;
  await rawQuery(
    em,
    `update quarantined_record q set resolved_at = now(), resolution = 'fixed at source'
     from jsonb_array_elements_text(?::jsonb) as x(e)
     where q.source_system_id = ? and q.stream = ? and q.resolved_at is null and q.external_id = x.e`,
    [JSON.stringify(externalIds), sourceId, stream],
  );
}

/** Keys a full pass saw, for its sweep: staged with COPY (pages of a full pass are large). */
export async function markSeen(em: EntityManager, sourceId: string, jobId: string, target: string, externalIds: string[]): Promise<void> {
  if (!externalIds.length) return;
  await rawQuery(em, `create temp table if not exists sync_seen_stage (external_id text) on commit delete rows`, []);
  await copyRows(em, 'sync_seen_stage', ['external_id'], externalIds.map((id) => [id]));
  // Conflicts: a page read again after a resume marks its keys again.
  await rawQuery(
    em,
    `insert into sync_seen (job_id, target, external_id, source_system_id)
     select distinct ?, ?, s.external_id, ?::uuid from sync_seen_stage s on conflict do nothing`,
    [jobId, target, sourceId],
  );
  await rawQuery(em, `truncate sync_seen_stage`, []);
}

export async function saveState(em: EntityManager, sourceId: string, stream: string, state: unknown): Promise<void> {
  await rawQuery(
    em,
    `insert into sync_state (source_system_id, stream, state, updated_at) values (?, ?, ?::jsonb, now())
     on conflict (source_system_id, stream) do update set state = excluded.state, updated_at = now()`,
    [sourceId, stream, JSON.stringify(state ?? null)],
  );
}

export async function addRunCounts(em: EntityManager, runId: string, read: number, w: WriteResult & { quarantined: number }, cursor: unknown): Promise<void> {
  await rawQuery(
    em,
    `update sync_run set read_count = read_count + ?, inserted_count = inserted_count + ?, updated_count = updated_count + ?,
       unchanged_count = unchanged_count + ?, deleted_count = deleted_count + ?, quarantined_count = quarantined_count + ?,
       skipped_unlinked_count = skipped_unlinked_count + ?,
       cursor_after = ?::jsonb
     where id = ?`,
    [read, w.inserted, w.updated, w.unchanged, w.deleted, w.quarantined, w.skippedUnlinked, JSON.stringify(cursor ?? null), runId],
  );
}
