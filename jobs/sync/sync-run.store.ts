import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../../src/platform/db/bulk';
import type { WriteResult } from '../../src/sources/canonical-writer';
import { redactPayload } from '../../src/sources/redact';

export interface Quarantined {
  externalId?: string;
  reason: string;
  payload: unknown;
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

export async function markSeen(em: EntityManager, sourceId: string, jobId: string, target: string, externalIds: string[]): Promise<void> {
  if (!externalIds.length) return;
  await rawQuery(
    em,
    `insert into sync_seen (job_id, target, external_id, source_system_id)
     select ?, ?, e, ?::uuid from jsonb_array_elements_text(?::jsonb) as e on conflict do nothing`,
    [jobId, target, sourceId, JSON.stringify(externalIds)],
  );
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
