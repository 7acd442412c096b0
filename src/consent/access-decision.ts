import type { PartnerRole } from '../partners/partner-role';
import { ConsentStatus } from './consent.entity';
import { ProvisionEffect } from './consent-provision.entity';
import { ALL_DATA_CATEGORIES, type DataCategory } from './data-category';

/** What the decision needs of a consent (or recorded legal basis): plain data, no ORM. */
export interface ConsentFacts {
  id: string;
  status: ConsentStatus;
  validFrom: Date;
  validTo: Date | null;
  provisions: ProvisionFacts[];
}

export interface ProvisionFacts {
  effect: ProvisionEffect;
  recipientRole: PartnerRole | null;
  recipientPartnerAppId: string | null;
  categories: readonly DataCategory[];
  purposes: readonly string[];
  periodStart: Date | null;
  periodEnd: Date | null;
}

export interface Requester {
  partnerAppId: string;
  role: PartnerRole;
  purpose: string;
}

export type AccessDecision =
  | { permit: true; reason: string; consentId: string }
  | { permit: false; reason: string; consentId: string | null };

/** In force at `at`: active (not withdrawn, superseded or marked expired) and inside its validity. */
export function consentInForce(c: ConsentFacts, at: Date): boolean {
  return c.status === ConsentStatus.Active && c.validFrom <= at && (c.validTo === null || at < c.validTo);
}

function covers(p: ProvisionFacts, who: Requester, category: DataCategory, at: Date): boolean {
  const recipient = p.recipientPartnerAppId !== null ? p.recipientPartnerAppId === who.partnerAppId : p.recipientRole === who.role;
  return (
    recipient &&
    p.purposes.includes(who.purpose) &&
    p.categories.includes(category) &&
    (p.periodStart === null || p.periodStart <= at) &&
    (p.periodEnd === null || at < p.periodEnd)
  );
}

/**
 * DESIGN.md "Access decision": category K of a child is visible to partner P for purpose U at
 * time T iff an in-force permit provision covers P (or P's role), U and K at T, and no in-force
 * deny provision does. Deny beats permit. Pure: same facts, same answer.
 */
export function decideAccess(consents: readonly ConsentFacts[], who: Requester, category: DataCategory, at: Date): AccessDecision {
  let permit: string | null = null;
  for (const c of consents) {
    if (!consentInForce(c, at)) continue;
    for (const p of c.provisions) {
      if (!covers(p, who, category, at)) continue;
      if (p.effect === ProvisionEffect.Deny) return { permit: false, reason: `denied by consent ${c.id}`, consentId: c.id };
      permit ??= c.id;
    }
  }
  return permit ? { permit: true, reason: `permitted by consent ${permit}`, consentId: permit } : { permit: false, reason: 'no consent or legal basis permits it', consentId: null };
}

/** Every category the requester may see of one child; empty = the child does not exist for them. */
export function visibleCategories(consents: readonly ConsentFacts[], who: Requester, at: Date): Set<DataCategory> {
  return new Set(ALL_DATA_CATEGORIES.filter((k) => decideAccess(consents, who, k, at).permit));
}
