import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Keys read during a full resync, so rows the source no longer has can be deleted at the
 * end of the pass. Kept per job (a resumed job keeps what it saw before the crash) and
 * emptied when the job finishes. A logged table on purpose: after a database crash an
 * emptied set would make the sweep delete everything.
 */
@Entity()
@Index({ properties: ['sourceSystemId'] })
export class SyncSeen {
  @PrimaryKey({ type: 'text' })
  jobId!: string;

  @PrimaryKey({ type: 'text' })
  target!: string;

  @PrimaryKey({ type: 'text' })
  externalId!: string;

  @Property({ type: 'uuid' })
  sourceSystemId!: string;
}
