import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { Municipality } from '../municipalities/municipality.entity';

/**
 * The hub's identity of a child. The CPR number is kept only as a keyed hash (HMAC),
 * never in clear; source records reach the child through identity links.
 */
@Entity()
@Unique({ properties: ['municipality', 'cprHmac'] })
@Index({ properties: ['municipality', 'id'] })
@Index({ properties: ['mergedInto'] })
export class Child {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Municipality, { deleteRule: 'restrict' })
  municipality!: Municipality;

  /** HMAC-SHA256 of the normalised CPR number, hex. */
  @Property({ type: 'string', length: 64 })
  cprHmac!: string;

  @Property({ type: 'text' })
  firstName!: string;

  @Property({ type: 'text' })
  lastName!: string;

  @Property({ type: 'date' })
  birthDate!: string;

  /**
   * Set when an admin merged this child into another (mergeChildren). The row stays as a
   * tombstone: its CPR hash keeps routing case and school records to the kept child, and no
   * API read returns it. Always points at a live child (merges repoint older tombstones).
   */
  @ManyToOne(() => Child, { nullable: true, deleteRule: 'cascade' })
  mergedInto?: Rel<Child>;

  /** Who merged this child away, and when: kept with the tombstone, beyond the access log's retention. */
  @Property({ type: 'text', nullable: true })
  mergedBy?: string;

  @Property({ type: 'datetime', nullable: true })
  mergedAt?: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
