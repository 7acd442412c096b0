/**
 * A reference model of the access decision, written from the specification only (DESIGN.md,
 * "Access decision") and deliberately independent of src/consent/*: the property test in
 * access-property.test.ts compares the API's answers with it.
 *
 * For partner app P (role R, municipality M) asking about child C for purpose U at time T,
 * category K is visible iff
 *   - C belongs to M, and
 *   - some PERMIT provision covers (P, U, K, T) in a consent of C that is in force at T, and
 *   - no DENY provision covers (P, U, K, T) in a consent of C that is in force at T.
 * In force at T: status active AND validFrom <= T AND (validTo null OR T < validTo).
 * Covers: (recipient app = P OR recipient role = R) AND U in purposes AND K in categories AND
 *         (periodStart null OR periodStart <= T) AND (periodEnd null OR T < periodEnd).
 * Withdrawn and superseded consents count for nothing; "expired" is an active consent past validTo.
 */

export const CATEGORIES = ['identity', 'placement', 'team', 'attendance', 'grades', 'wellbeing', 'interventions', 'alerts'] as const;
export type Category = (typeof CATEGORIES)[number];

export const ROLES = ['school', 'childrens_home', 'caseworker', 'evaluator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type ModelStatus = 'active' | 'withdrawn' | 'superseded';

export type Recipient = { app: string; role?: undefined } | { role: Role; app?: undefined };

export interface ModelProvision {
  effect: 'permit' | 'deny';
  recipient: Recipient;
  categories: readonly Category[];
  purposes: readonly string[];
  /** Epoch milliseconds, or null for open-ended. */
  periodStart: number | null;
  periodEnd: number | null;
}

export interface ModelConsent {
  status: ModelStatus;
  /** Epoch milliseconds. */
  validFrom: number;
  validTo: number | null;
  provisions: readonly ModelProvision[];
}

export interface ModelChild {
  municipality: string;
  consents: readonly ModelConsent[];
}

export interface Requester {
  appId: string;
  role: Role;
  municipality: string;
  purpose: string;
}

export function inForce(c: ModelConsent, at: number): boolean {
  return c.status === 'active' && c.validFrom <= at && (c.validTo === null || at < c.validTo);
}

export function covers(p: ModelProvision, who: Requester, category: Category, at: number): boolean {
  const recipientMatches = p.recipient.app !== undefined ? p.recipient.app === who.appId : p.recipient.role === who.role;
  return (
    recipientMatches &&
    p.purposes.includes(who.purpose) &&
    p.categories.includes(category) &&
    (p.periodStart === null || p.periodStart <= at) &&
    (p.periodEnd === null || at < p.periodEnd)
  );
}

export interface CategoryDecision {
  visible: boolean;
  /** Some covering permit exists (whatever the denies say). */
  permitted: boolean;
  /** Some covering deny exists. */
  denied: boolean;
}

/** The decision for one category, with the reasons (for counting coverage and for messages). */
export function decideCategory(child: ModelChild, who: Requester, category: Category, at: number): CategoryDecision {
  if (child.municipality !== who.municipality) return { visible: false, permitted: false, denied: false };
  let permitted = false;
  let denied = false;
  for (const consent of child.consents) {
    if (!inForce(consent, at)) continue;
    for (const p of consent.provisions) {
      if (!covers(p, who, category, at)) continue;
      if (p.effect === 'permit') permitted = true;
      else denied = true;
    }
  }
  return { visible: permitted && !denied, permitted, denied };
}

/** The set of categories P may see of C for U at T; empty means the child does not exist for P. */
export function visibleCategories(child: ModelChild, who: Requester, at: number): Set<Category> {
  return new Set(CATEGORIES.filter((k) => decideCategory(child, who, k, at).visible));
}

/** The status the admin API should show for a consent at T ("expired" = active and past validTo). */
export function displayedStatus(c: ModelConsent, at: number): 'ACTIVE' | 'EXPIRED' | 'WITHDRAWN' | 'SUPERSEDED' {
  if (c.status === 'withdrawn') return 'WITHDRAWN';
  if (c.status === 'superseded') return 'SUPERSEDED';
  return c.validTo !== null && c.validTo <= at ? 'EXPIRED' : 'ACTIVE';
}
