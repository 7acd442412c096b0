import { decideAccess, type ConsentFacts, type ProvisionFacts, type Requester } from '../consent/access-decision';
import { ProvisionEffect } from '../consent/consent-provision.entity';
import type { PartnerRole } from '../partners/partner-role';

/**
 * What a merge does with one active consent (or legal basis):
 * - `kept`: stays in force for the merged person;
 * - `duplicate`: (merged child's only) everything it permits, the kept child's remaining
 *   consents already permit — it ends as superseded;
 * - `needs_review`: it permits something the other child's consents did not — suspended.
 */
export type ConsentMergeOutcome = 'kept' | 'duplicate' | 'needs_review';

export interface ConsentMergeInput {
  /** Active consents of the child that stays, and of the child merged into it. */
  kept: readonly ConsentFacts[];
  merged: readonly ConsentFacts[];
  /** Role of every partner app a provision names (an app provision also meets role provisions). */
  appRoles: ReadonlyMap<string, PartnerRole>;
  now: Date;
}

/** Stands for every partner app of a role that no provision names by id. */
const ANY_OTHER_APP = 'any-other-app-of-the-role';

/**
 * Consents are never widened by a merge. After it, the kept child's data includes the merged
 * child's, so a partner may read something of the merged person only if BOTH children's consents
 * allowed it. A consent stays in force only if, for every recipient, purpose, category and
 * moment from now on that its permits cover, the access decision over each child's own active
 * consents permits it — deny provisions included (a deny on either side makes an overlapping
 * permit of the other side unsafe). Every permit left in force is then allowed for both
 * children, so the merged set permits nothing either child's set did not; denies only narrow.
 *
 * Time: every validity and period bound is `start <= t < end`, so decisions are constant
 * between consecutive bounds; checking `now` and each bound after it covers all future moments.
 * Recipients: an app-specific permit is checked for that app (and its role); a role permit for
 * every app of that role that any provision names, and for one standing for all the others.
 */
export function planConsentMerge(input: ConsentMergeInput): Map<string, ConsentMergeOutcome> {
  const { kept, merged, appRoles, now } = input;
  const all = [...kept, ...merged];
  const bounds = [
    ...new Set(
      all.flatMap((c) => [c.validFrom, c.validTo, ...c.provisions.flatMap((p) => [p.periodStart, p.periodEnd])]).filter((d): d is Date => d !== null).map((d) => d.getTime()),
    ),
  ].sort((a, b) => a - b);

  const moments = (c: ConsentFacts, p: ProvisionFacts): Date[] => {
    const start = Math.max(now.getTime(), c.validFrom.getTime(), p.periodStart?.getTime() ?? -Infinity);
    const end = Math.min(c.validTo?.getTime() ?? Infinity, p.periodEnd?.getTime() ?? Infinity);
    if (start >= end) return [];
    return [start, ...bounds.filter((b) => b > start && b < end)].map((t) => new Date(t));
  };

  const recipients = (p: ProvisionFacts): Omit<Requester, 'purpose'>[] => {
    if (p.recipientPartnerAppId !== null) {
      const role = appRoles.get(p.recipientPartnerAppId);
      if (!role) throw new Error(`no role known for partner app ${p.recipientPartnerAppId}`);
      return [{ partnerAppId: p.recipientPartnerAppId, role }];
    }
    const role = p.recipientRole!;
    return [{ partnerAppId: ANY_OTHER_APP, role }, ...[...appRoles].filter(([, r]) => r === role).map(([partnerAppId]) => ({ partnerAppId, role }))];
  };

  /** Whether `set` permits everything `c`'s permits cover from now on. */
  const permitsAllOf = (set: readonly ConsentFacts[], c: ConsentFacts): boolean =>
    c.provisions
      .filter((p) => p.effect === ProvisionEffect.Permit)
      .every((p) => {
        const at = moments(c, p);
        return recipients(p).every((r) =>
          p.purposes.every((purpose) => p.categories.every((k) => at.every((t) => decideAccess(set, { ...r, purpose }, k, t).permit))),
        );
      });

  const safe = (c: ConsentFacts) => permitsAllOf(kept, c) && permitsAllOf(merged, c);
  const hasFutureScope = (c: ConsentFacts) => c.provisions.some((p) => p.effect === ProvisionEffect.Permit && moments(c, p).length > 0);

  const outcome = new Map<string, ConsentMergeOutcome>();
  for (const c of kept) outcome.set(c.id, safe(c) ? 'kept' : 'needs_review');
  const keptInForce = kept.filter((c) => outcome.get(c.id) === 'kept');
  for (const c of merged) {
    if (!safe(c)) outcome.set(c.id, 'needs_review');
    // A consent with a deny is never dropped as a duplicate: the deny may matter to a later grant.
    else if (hasFutureScope(c) && c.provisions.every((p) => p.effect === ProvisionEffect.Permit) && permitsAllOf(keptInForce, c)) outcome.set(c.id, 'duplicate');
    else outcome.set(c.id, 'kept');
  }
  return outcome;
}
