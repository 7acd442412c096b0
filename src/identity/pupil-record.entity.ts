import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { SourceSystem } from '../sources/source-system.entity';

/**
 * A pupil as a school source describes them: identity fields only (no school data), held for
 * matching. A pupil that is linked or awaiting review keeps the row (the reviewer compares it
 * with the child); a pupil the matching job finds no candidate for is deleted by that job, so
 * unlinked pupils are held only from a sync until the matching job that follows it.
 */
@Entity()
@Index({ properties: ['sourceSystem', 'matchedAt'] })
export class PupilRecord {
  [OptionalProps]?: 'stagedAt';

  @ManyToOne(() => SourceSystem, { primary: true, deleteRule: 'cascade' })
  sourceSystem!: SourceSystem;

  @PrimaryKey({ type: 'text' })
  externalId!: string;

  /** Keyed hash of the CPR number when the source sends one; never the clear number. */
  @Property({ type: 'string', length: 64, nullable: true })
  cprHmac?: string;

  @Property({ type: 'text', nullable: true })
  uniLoginId?: string;

  @Property({ type: 'text', nullable: true })
  firstName?: string;

  @Property({ type: 'text', nullable: true })
  lastName?: string;

  @Property({ type: 'date', nullable: true })
  birthDate?: string;

  /** Institutionsnummer of the pupil's school, from the source's enrolments. */
  @Property({ type: 'text', nullable: true })
  institutionNumber?: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  stagedAt: Date = new Date();

  /** When the matching job last decided this record; null = waiting for the matching job. */
  @Property({ type: 'datetime', nullable: true })
  matchedAt?: Date;
}
