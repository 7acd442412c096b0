import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Municipality } from '../municipalities/municipality.entity';

export enum SourceSystemKind {
  CaseSystem = 'case_system',
  OneRoster = 'oneroster',
  EdFi = 'edfi',
  Csv = 'csv',
  /** Rows written by the synthetic data generator (demo, tests, benchmarks). */
  Synthetic = 'synthetic',
}

/** A configured source of data: a case system, a school system or a file drop. */
@Entity()
@Unique({ properties: ['municipality', 'name'] })
export class SourceSystem {
  [OptionalProps]?: 'enabled' | 'createdAt' | 'updatedAt' | 'schedule' | 'baseUrl' | 'credentialRef' | 'config';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Municipality, { deleteRule: 'restrict' })
  municipality!: Municipality;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => SourceSystemKind })
  kind!: SourceSystemKind;

  @Property({ type: 'text', nullable: true })
  baseUrl?: string;

  /** Name of the secret holding credentials; never the credentials themselves. */
  @Property({ type: 'text', nullable: true })
  credentialRef?: string;

  /** Connector settings that are not secret (page size, request rate, timeouts). */
  @Property({ type: 'json', default: '{}' })
  config: Record<string, unknown> = {};

  /** Cron expression for scheduled incremental syncs; null = manual only. */
  @Property({ type: 'text', nullable: true })
  schedule?: string;

  /** Cron expression for the periodic full resync that repairs drift; null = none. */
  @Property({ type: 'text', nullable: true })
  fullResyncSchedule?: string;

  @Property({ type: 'boolean', default: true })
  enabled: boolean = true;

  /** A full resync was asked for (schedule or admin) and no full pass begun since has succeeded. */
  @Property({ type: 'datetime', nullable: true })
  fullSyncRequestedAt?: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
