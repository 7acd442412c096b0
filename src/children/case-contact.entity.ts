import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { Child } from './child.entity';

export enum CaseContactRole {
  /** Børne- og ungerådgiver. */
  Caseworker = 'caseworker',
  ChildrensHomeContact = 'childrens_home_contact',
  SchoolContact = 'school_contact',
  FosterParent = 'foster_parent',
  Other = 'other',
}

/** A professional in the team around the child. */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child'] })
export class CaseContact extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Enum({ items: () => CaseContactRole })
  role!: CaseContactRole;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  organisation?: string;

  @Property({ type: 'text', nullable: true })
  email?: string;

  @Property({ type: 'text', nullable: true })
  phone?: string;

  @Property({ type: 'date' })
  startDate!: string;

  @Property({ type: 'date', nullable: true })
  endDate?: string;
}
