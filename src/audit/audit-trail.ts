import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../partners/actor';
import { rawQuery } from '../platform/db/bulk';
import { AuditAction, AuditDecision } from './audit-event.entity';

interface PendingEvent {
  action: AuditAction;
  child_id: string | null;
  search_criterion: unknown;
  categories: string[];
  decision: AuditDecision;
  target: string | null;
}

/**
 * The access log of one request. Resolvers note what they returned or refused; the whole
 * request is written in one insert before the response leaves (see audit.plugin.ts), so a
 * response whose log could not be written is never sent.
 */
export class AuditTrail {
  private readonly returned = new Map<string, Set<string>>();
  private readonly denied = new Map<string, Set<string>>();
  private readonly extra: PendingEvent[] = [];

  constructor(
    private readonly actor: Actor,
    private readonly requestId: string,
  ) {}

  /** A category of a child was returned. */
  read(childId: string, category: string): void {
    add(this.returned, childId, category);
  }

  /** A category (or, with none, the whole child) was asked for and refused. */
  refused(childId: string, category?: string): void {
    const set = this.denied.get(childId) ?? new Set<string>();
    if (category) set.add(category);
    this.denied.set(childId, set);
  }

  /** A list query: the criterion, never a CPR number (criteria are ids and codes only). */
  search(criterion: Record<string, unknown>): void {
    this.extra.push({ action: AuditAction.Search, child_id: null, search_criterion: criterion, categories: [], decision: AuditDecision.Permit, target: null });
  }

  /** An admin change (consent, mapping, source, partner app). */
  change(target: string, detail: Record<string, unknown>, childId: string | null = null): void {
    this.extra.push({ action: AuditAction.Change, child_id: childId, search_criterion: detail, categories: [], decision: AuditDecision.Permit, target });
  }

  get size(): number {
    return this.returned.size + this.denied.size + this.extra.length;
  }

  events(): PendingEvent[] {
    const events = [...this.extra];
    for (const [childId, cats] of this.returned) {
      events.push({ action: AuditAction.Read, child_id: childId, search_criterion: null, categories: [...cats].sort(), decision: AuditDecision.Permit, target: null });
    }
    for (const [childId, cats] of this.denied) {
      events.push({ action: AuditAction.Read, child_id: childId, search_criterion: null, categories: [...cats].sort(), decision: AuditDecision.Deny, target: null });
    }
    return events;
  }

  /** One insert for the whole request. */
  async flush(em: EntityManager): Promise<number> {
    const events = this.events();
    if (!events.length) return 0;
    await rawQuery(
      em,
      `insert into audit_event (municipality_id, actor, action, child_id, search_criterion, categories, purpose, decision, request_id, target)
       select ?::uuid, ?, e.action, e.child_id, e.search_criterion, array(select jsonb_array_elements_text(e.categories)), ?, e.decision, ?, e.target
       from jsonb_to_recordset(?::jsonb) as e(action text, child_id uuid, search_criterion jsonb, categories jsonb, decision text, target text)`,
      [this.actor.municipalityId, this.actor.clientId, this.actor.purpose, this.requestId, JSON.stringify(events)],
    );
    this.returned.clear();
    this.denied.clear();
    this.extra.length = 0;
    return events.length;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}
