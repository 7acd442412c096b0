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
  [OptionalProps]?: 'enabled' | 'createdAt' | 'schedule' | 'baseUrl' | 'credentialRef';

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

  /** Cron expression for scheduled syncs; null = manual only. */
  @Property({ type: 'text', nullable: true })
  schedule?: string;

  @Property({ type: 'boolean', default: true })
  enabled: boolean = true;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
