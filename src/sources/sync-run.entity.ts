import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SourceSystem } from './source-system.entity';

export enum SyncMode {
  Incremental = 'incremental',
  Full = 'full',
}

export enum SyncRunStatus {
  Running = 'running',
  Succeeded = 'succeeded',
  Failed = 'failed',
}

/** One run of one stream of a source system, with what it did. */
@Entity()
@Index({ properties: ['sourceSystem', 'startedAt'] })
@Unique({ properties: ['jobId', 'stream'] })
export class SyncRun {
  [OptionalProps]?: 'status' | 'startedAt' | 'readCount' | 'insertedCount' | 'updatedCount' | 'unchangedCount' | 'deletedCount' | 'quarantinedCount' | 'skippedUnlinkedCount' | 'sweepsUnseen';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => SourceSystem, { deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  stream!: string;

  @Enum({ items: () => SyncMode })
  mode!: SyncMode;

  /** The BullMQ job that ran it; a job picked up again after a crash resumes its own runs. */
  @Property({ type: 'text', nullable: true })
  jobId?: string;

  @Enum({ items: () => SyncRunStatus })
  status: SyncRunStatus = SyncRunStatus.Running;

  /** Set by the database (its clock orders runs against full-resync requests, also set there). */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date;

  @Property({ type: 'integer', default: 0 }) readCount = 0;
  @Property({ type: 'integer', default: 0 }) insertedCount = 0;
  @Property({ type: 'integer', default: 0 }) updatedCount = 0;
  @Property({ type: 'integer', default: 0 }) unchangedCount = 0;
  @Property({ type: 'integer', default: 0 }) deletedCount = 0;
  @Property({ type: 'integer', default: 0 }) quarantinedCount = 0;
  /** School records of pupils not linked to a hub child: dropped, never stored (minimisation). */
  @Property({ type: 'integer', default: 0 }) skippedUnlinkedCount = 0;

  /**
   * A full pass deletes at its end what it did not see, so it records every key it reads. A pass
   * over a school table holding nothing of the source yet has nothing to delete: it records
   * nothing (decided when the run starts, kept when it resumes).
   */
  @Property({ type: 'boolean', default: true })
  sweepsUnseen = true;

  @Property({ type: 'json', nullable: true })
  cursorBefore?: unknown;

  @Property({ type: 'json', nullable: true })
  cursorAfter?: unknown;

  @Property({ type: 'text', nullable: true })
  error?: string;
}
