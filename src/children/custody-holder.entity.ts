import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { Child } from './child.entity';

/** Indehaver af forældremyndighed: grants or withdraws consent for the child. */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child'] })
export class CustodyHolder extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Property({ type: 'text' })
  name!: string;

  /** Keyed hash of the holder's CPR number, for matching consent grantors; never clear. */
  @Property({ type: 'string', length: 64, nullable: true })
  cprHmac?: string;

  /** E.g. mother, father, appointed guardian. */
  @Property({ type: 'text' })
  relation!: string;
}
