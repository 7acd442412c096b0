import { randomUUID } from 'node:crypto';
import { Check, Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Municipality } from '../municipalities/municipality.entity';
import { SourcedEntity } from '../platform/db/sourced-entity';

/** A school, identified nationally by its 6-digit institution number (institutionsnummer). */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Check({ name: 'school_institution_number_check', expression: "institution_number ~ '^[0-9]{6}$'" })
export class School extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Municipality, { deleteRule: 'restrict' })
  municipality!: Municipality;

  @Property({ type: 'string', length: 6 })
  @Unique()
  institutionNumber!: string;

  @Property({ type: 'text' })
  name!: string;
}
