import { randomUUID } from 'node:crypto';
import { Collection, Entity, Enum, Index, ManyToOne, OneToMany, OptionalProps, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { CustodyHolder } from '../children/custody-holder.entity';
import { Municipality } from '../municipalities/municipality.entity';
import { ConsentProvision } from './consent-provision.entity';

export enum ConsentGrantorKind {
  CustodyHolder = 'custody_holder',
  /** The young person, from 15 years. */
  YoungPerson = 'young_person',
  /** Not a consent: a named legal basis recorded as the ground for sharing. */
  LegalBasis = 'legal_basis',
}

export enum ConsentStatus {
  Active = 'active',
  Withdrawn = 'withdrawn',
  Expired = 'expired',
  /** Replaced by a newer version (see `supersedes`). */
  Superseded = 'superseded',
  /**
   * Ended by a merge of two children (mergeChildren): it was valid for one of them only, so it
   * may not cover the merged data. Not in force; an admin re-records it after review.
   */
  Suspended = 'suspended',
}

/**
 * A consent (samtykke) or a recorded legal basis for sharing data about a child.
 * Modelled after FHIR Consent. Never edited in place: a change is a new version that
 * supersedes the old one, and every status change is a ConsentEvent.
 */
@Entity()
@Index({ properties: ['child', 'status'] })
export class Consent {
  [OptionalProps]?: 'createdAt' | 'status';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => Municipality, { deleteRule: 'restrict' })
  municipality!: Municipality;

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Enum({ items: () => ConsentGrantorKind })
  grantorKind!: ConsentGrantorKind;

  @ManyToOne(() => CustodyHolder, { nullable: true, deleteRule: 'set null' })
  grantorCustodyHolder?: CustodyHolder;

  /** For a legal basis: e.g. "Barnets lov §46"; null for a consent. */
  @Property({ type: 'text', nullable: true })
  legalBasis?: string;

  /** Where the signed consent or decision is kept (journal number, document id). */
  @Property({ type: 'text' })
  evidenceRef!: string;

  @Enum({ items: () => ConsentStatus })
  status: ConsentStatus = ConsentStatus.Active;

  @Property({ type: 'datetime' })
  validFrom!: Date;

  @Property({ type: 'datetime', nullable: true })
  validTo?: Date;

  @ManyToOne(() => Consent, { nullable: true, deleteRule: 'restrict' })
  supersedes?: Rel<Consent>;

  @OneToMany(() => ConsentProvision, (p) => p.consent)
  provisions = new Collection<ConsentProvision>(this);

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
