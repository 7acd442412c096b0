import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SourcedEntity } from '../platform/db/sourced-entity';
import { Child } from './child.entity';

export enum PlacementType {
  /** Børne- og ungehjem / døgninstitution. */
  ChildrensHome = 'childrens_home',
  /** Opholdssted (socio-educational residence). */
  Opholdssted = 'opholdssted',
  /** Plejefamilie. */
  FosterFamily = 'foster_family',
  /** Netværksplejefamilie (family or network foster care). */
  NetworkFosterFamily = 'network_foster_family',
  /** Kost- eller efterskole. */
  BoardingSchool = 'boarding_school',
  /** Eget værelse. */
  OwnRoom = 'own_room',
}

/** A placement outside the home (anbringelse), from the social case system. */
@Entity()
@Unique({ properties: ['sourceSystem', 'externalId'] })
@Index({ properties: ['child', 'startDate'] })
export class Placement extends SourcedEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Enum({ items: () => PlacementType })
  type!: PlacementType;

  @Property({ type: 'text' })
  placeName!: string;

  /** E.g. "Barnets lov §46" (with consent) or "Barnets lov §47" (without). */
  @Property({ type: 'text' })
  legalBasis!: string;

  @Property({ type: 'date' })
  startDate!: string;

  @Property({ type: 'date', nullable: true })
  endDate?: string;
}
