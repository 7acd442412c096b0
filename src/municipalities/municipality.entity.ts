import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** The tenant: one Danish municipality (kommune). No child data query crosses tenants. */
@Entity()
export class Municipality {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  /** Kommunekode, 3 digits (Hvidovre 167, Svendborg 479). */
  @Property({ type: 'string', length: 3 })
  @Unique()
  code!: string;

  @Property({ type: 'text' })
  name!: string;
}
