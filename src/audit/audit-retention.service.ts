import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { AuditAction, AuditDecision } from './audit-event.entity';
import { insertAuditRows } from './audit-writer';

/** Events deleted per transaction: bounds lock time and WAL per commit on a large backlog. */
export const AUDIT_RETENTION_BATCH = 10_000;
/** Who the retention job's own log entry names. */
export const AUDIT_RETENTION_ACTOR = 'system:audit-retention';

export interface AuditRetentionResult {
  /** Events at or after this instant are kept. */
  cutoff: string;
  deleted: number;
  batches: number;
}

/**
 * Deletes access-log events older than the retention period, oldest first, in batches of one
 * transaction each, then logs the deletion itself (DOMAIN.md: deletions are logged too). The
 * cutoff is computed once, in the database, so every batch uses the same one.
 */
export async function purgeExpiredAuditEvents(em: EntityManager, retentionMonths: number, batchSize = AUDIT_RETENTION_BATCH): Promise<AuditRetentionResult> {
  const { rows } = await rawQuery<{ cutoff: string }>(em, `select (now() - make_interval(months => ?))::text as cutoff`, [retentionMonths]);
  const cutoff = rows[0].cutoff;
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const n = await em.transactional(async (tx) => {
      const res = await rawQuery(
        tx,
        `delete from audit_event a using (
           select id from audit_event where occurred_at < ?::timestamptz order by occurred_at limit ?
         ) doomed where a.id = doomed.id`,
        [cutoff, batchSize],
      );
      return res.rowCount;
    });
    deleted += n;
    if (n > 0) batches++;
    if (n < batchSize) break;
  }
  if (deleted > 0) {
    await insertAuditRows(em, [
      {
        municipality_id: null,
        actor: AUDIT_RETENTION_ACTOR,
        action: AuditAction.Delete,
        child_id: null,
        search_criterion: { olderThan: cutoff, retentionMonths, deleted },
        categories: [],
        purpose: null,
        decision: AuditDecision.Permit,
        request_id: `audit-retention:${cutoff}`,
        target: 'audit_event',
      },
    ]);
  }
  return { cutoff, deleted, batches };
}
