import type { Actor } from '../partners/actor';
import type { AuditWriter } from './audit-writer';
import { AuditAction, AuditDecision } from './audit-event.entity';

export interface AuditRow extends PendingEvent {
  municipality_id: string | null;
  actor: string;
  purpose: string | null;
  request_id: string;
}

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
    /** Benchmarks only (the "audit off" baseline). */
    private readonly disabled = false,
  ) {}

  /** A category of a child was returned. */
  read(childId: string, category: string): void {
    add(this.returned, childId, category);
  }

  /**
   * A child was returned, whatever fields were asked for: even `{ id }` shows that the child
   * exists and is visible, so it gets its own read row (categories possibly empty).
   */
  shown(childId: string): void {
    if (!this.returned.has(childId)) this.returned.set(childId, new Set());
  }

  /** A category (or, with none, the whole child) was asked for and refused. */
  refused(childId: string, category?: string): void {
    const set = this.denied.get(childId) ?? new Set<string>();
    if (category) set.add(category);
    this.denied.set(childId, set);
  }

  /** A list query: the criterion, never a CPR number (criteria are ids and codes only). */
  search(criterion: Record<string, unknown>, target: string | null = null): void {
    this.extra.push({ action: AuditAction.Search, child_id: null, search_criterion: criterion, categories: [], decision: AuditDecision.Permit, target });
  }

  /**
   * An admin read about one child outside the Child type (its consents, its access log): a
   * `read` row on the child, so the right-of-access report names the admin too.
   */
  adminRead(target: string, childId: string, detail: Record<string, unknown>): void {
    this.extra.push({ action: AuditAction.Read, child_id: childId, search_criterion: detail, categories: [], decision: AuditDecision.Permit, target });
  }

  /** An admin change (consent, mapping, source, partner app). */
  change(target: string, detail: Record<string, unknown>, childId: string | null = null): void {
    this.extra.push({ action: AuditAction.Change, child_id: childId, search_criterion: detail, categories: [], decision: AuditDecision.Permit, target });
  }

  get size(): number {
    if (this.disabled) return 0;
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

  /** The request's log rows, with who asked and why. */
  rows(): AuditRow[] {
    const base = { municipality_id: this.actor.municipalityId, actor: this.actor.clientId, purpose: this.actor.purpose, request_id: this.requestId };
    return this.events().map((e) => ({ ...base, ...e }));
  }

  /** Hands the whole request's log to the writer; resolves once it is committed. */
  async flush(writer: AuditWriter): Promise<number> {
    const rows = this.rows();
    if (!rows.length) return 0;
    await writer.write(rows);
    this.returned.clear();
    this.denied.clear();
    this.extra.length = 0;
    return rows.length;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}
