import type { EntityManager } from '@mikro-orm/postgresql';
import { purgeExpiredAuditEvents, type AuditRetentionResult } from '../src/audit/audit-retention.service';

/** Deletes access-log events older than AUDIT_RETENTION_MONTHS. */
export function runAuditRetentionJob(em: EntityManager, retentionMonths: number): Promise<AuditRetentionResult> {
  return purgeExpiredAuditEvents(em, retentionMonths);
}
