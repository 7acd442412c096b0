import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { PartnerApp } from '../partners/partner-app.entity';
import { PartnerRole } from '../partners/partner-role';
import type { Consent } from './consent.entity';
import { DataCategory } from './data-category';

export enum ProvisionEffect {
  Permit = 'permit',
  Deny = 'deny',
}

/** permit/deny × recipient (a partner app or a role) × data categories × purposes × period. */
@Entity()
@Index({ properties: ['consent'] })
@Check({
  name: 'consent_provision_recipient_check',
  expression: '(recipient_role is not null) <> (recipient_partner_app_id is not null)',
})
export class ConsentProvision {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne('Consent', { deleteRule: 'cascade' })
  consent!: Rel<Consent>;

  @Enum({ items: () => ProvisionEffect })
  effect!: ProvisionEffect;

  @Enum({ items: () => PartnerRole, nullable: true })
  recipientRole?: PartnerRole;

  @ManyToOne(() => PartnerApp, { nullable: true, deleteRule: 'cascade' })
  recipientPartnerApp?: PartnerApp;

  @Property({ type: 'array', columnType: 'text[]' })
  categories!: DataCategory[];

  @Property({ type: 'array', columnType: 'text[]' })
  purposes!: string[];

  @Property({ type: 'datetime', nullable: true })
  periodStart?: Date;

  @Property({ type: 'datetime', nullable: true })
  periodEnd?: Date;
}
