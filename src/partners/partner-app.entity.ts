import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Municipality } from '../municipalities/municipality.entity';
import { PartnerRole } from './partner-role';

/** An application that queries the hub on behalf of a school, children's home, caseworker or evaluator. */
@Entity()
export class PartnerApp {
  [OptionalProps]?: 'active' | 'createdAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Municipality, { deleteRule: 'restrict' })
  municipality!: Municipality;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => PartnerRole })
  role!: PartnerRole;

  @Property({ type: 'text' })
  @Unique()
  clientId!: string;

  /** Hash of the client secret (the secret itself is shown once, never stored). */
  @Property({ type: 'text' })
  secretHash!: string;

  /** Purposes this app may ask for, e.g. "school_support", "evaluation". */
  @Property({ type: 'array', columnType: 'text[]' })
  purposes!: string[];

  @Property({ type: 'boolean', default: true })
  active: boolean = true;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
