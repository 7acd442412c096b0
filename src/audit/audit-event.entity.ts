import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export enum AuditAction {
  Read = 'read',
  Search = 'search',
  Change = 'change',
  Export = 'export',
  Delete = 'delete',
}

export enum AuditDecision {
  Permit = 'permit',
  Deny = 'deny',
}

/**
 * Append-only access log (Datatilsynet: who, when, what, about whom, why).
 * Plain ids rather than foreign keys so the log outlives what it logs. Never holds a CPR number.
 */
@Entity()
@Index({ properties: ['childId', 'occurredAt'] })
@Index({ properties: ['municipalityId', 'occurredAt'] })
@Index({ properties: ['occurredAt'] })
export class AuditEvent {
  [OptionalProps]?: 'occurredAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  occurredAt: Date = new Date();

  @Property({ type: 'uuid', nullable: true })
  municipalityId?: string;

  /** Partner app client id or admin user. */
  @Property({ type: 'text' })
  actor!: string;

  @Enum({ items: () => AuditAction })
  action!: AuditAction;

  @Property({ type: 'uuid', nullable: true })
  childId?: string;

  /** For searches: the criterion used (never a CPR number). */
  @Property({ type: 'json', nullable: true })
  searchCriterion?: unknown;

  @Property({ type: 'array', columnType: 'text[]' })
  categories!: string[];

  @Property({ type: 'text', nullable: true })
  purpose?: string;

  @Enum({ items: () => AuditDecision })
  decision!: AuditDecision;

  @Property({ type: 'text', nullable: true })
  requestId?: string;

  /** For admin changes: what was changed, e.g. "consent:<id>", "source_system:<id>". */
  @Property({ type: 'text', nullable: true })
  target?: string;
}
