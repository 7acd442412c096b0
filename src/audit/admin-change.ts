import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../partners/actor';
import { AuditAction, AuditDecision, AuditEvent } from './audit-event.entity';

export interface AdminChange {
  /** What changed, e.g. "consent:<id>", "source_system:<id>", "partner_app:<id>". */
  target: string;
  /** What was done (never a secret, never a CPR number). */
  detail: Record<string, unknown>;
  municipalityId: string | null;
  childId?: string | null;
}

/**
 * Queues an audit entry for an admin change on the same EntityManager as the change, so both
 * are written by the same flush (one transaction): no change without its log line.
 */
export function recordAdminChange(em: EntityManager, actor: Actor, requestId: string, change: AdminChange): void {
  em.create(AuditEvent, {
    municipalityId: change.municipalityId ?? undefined,
    actor: actor.clientId,
    action: AuditAction.Change,
    childId: change.childId ?? undefined,
    searchCriterion: change.detail,
    categories: [],
    purpose: actor.purpose ?? undefined,
    decision: AuditDecision.Permit,
    requestId,
    target: change.target,
  });
}
