import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../../src/platform/db/bulk';
import { copyRows, declareStage, useStage } from '../../src/platform/db/copy';
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

export async function hasOpenQuarantine(em: EntityManager, sourceId: string, stream: string): Promise<boolean> {
  const { rows } = await rawQuery<{ open: boolean }>(
    em,
    `select exists (select 1 from quarantined_record where source_system_id = ? and stream = ? and resolved_at is null) as open`,
    [sourceId, stream],
  );
  return rows[0].open;
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
const SEEN_STAGE = declareStage('sync_seen_stage', [['external_id', 'text']]);

export async function markSeen(em: EntityManager, sourceId: string, jobId: string, target: string, externalIds: string[]): Promise<void> {
  if (!externalIds.length) return;
  await useStage(em, SEEN_STAGE);
  await copyRows(em, SEEN_STAGE, ['external_id'], externalIds.map((id) => [id]));
  // Conflicts: a page read again after a resume marks its keys again.
  await rawQuery(
    em,
    `insert into sync_seen (job_id, target, external_id, source_system_id)
     select distinct ?, ?, s.external_id, ?::uuid from sync_seen_stage s on conflict do nothing`,
    [jobId, target, sourceId],
  );
}

/**
 * The page's bookkeeping in one statement, last in its transaction: the cursor after it, the
 * run's counts, and a commit that need not wait for the WAL flush — safe because page and
 * cursor commit together (a commit lost in a database crash loses both; the page is read again).
 */
export async function commitPageState(
  em: EntityManager,
  page: { sourceId: string; stream: string; runId: string; read: number; state: unknown },
  w: WriteResult & { quarantined: number },
): Promise<void> {
  const cursor = JSON.stringify(page.state ?? null);
  await rawQuery(
    em,
    `with saved as (
       insert into sync_state (source_system_id, stream, state, updated_at) values (?, ?, ?::jsonb, now())
       on conflict (source_system_id, stream) do update set state = excluded.state, updated_at = now()
     ), counted as (
       update sync_run set read_count = read_count + ?, inserted_count = inserted_count + ?, updated_count = updated_count + ?,
         unchanged_count = unchanged_count + ?, deleted_count = deleted_count + ?, quarantined_count = quarantined_count + ?,
         skipped_unlinked_count = skipped_unlinked_count + ?, cursor_after = ?::jsonb
       where id = ?
     )
     select set_config('synchronous_commit', 'off', true)`,
    [page.sourceId, page.stream, cursor, page.read, w.inserted, w.updated, w.unchanged, w.deleted, w.quarantined, w.skippedUnlinked, cursor, page.runId],
  );
}
