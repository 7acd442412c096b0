/**
 * The consent rule of mergeChildren (planConsentMerge), checked against the independent access
 * oracle of test/consent/oracle.ts: whatever the two children's consents, the consents a merge
 * leaves in force permit nothing that either child's own consents did not permit.
 */
import fc from 'fast-check';
import type { ConsentFacts } from '../../src/consent/access-decision';
import { ProvisionEffect } from '../../src/consent/consent-provision.entity';
import { ConsentStatus } from '../../src/consent/consent.entity';
import type { DataCategory } from '../../src/consent/data-category';
import { planConsentMerge, type ConsentMergeOutcome } from '../../src/identity/child-merge-consents';
import type { PartnerRole } from '../../src/partners/partner-role';
import { CATEGORIES, decideCategory, type Category, type ModelConsent, type ModelProvision, type Role } from '../consent/oracle';

const NOW = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;
const M = 'm1';
/** Named apps (provisions may name them) and one no provision names. */
const APPS: Record<string, Role> = { schoolA: 'school', schoolB: 'school', home: 'childrens_home', unnamed: 'school' };
const NAMED_APPS = ['schoolA', 'schoolB', 'home'] as const;
const ROLES: Role[] = ['school', 'childrens_home', 'caseworker'];
const PURPOSES = ['school_support', 'care'];

const time = fc.integer({ min: -48, max: 48 }).map((h) => NOW + h * HOUR);
const maybeTime = fc.option(time, { nil: null });
const provision = (effects: ('permit' | 'deny')[]) =>
  fc.record({
    effect: fc.constantFrom(...effects),
    recipient: fc.oneof(fc.constantFrom(...NAMED_APPS).map((app) => ({ app })), fc.constantFrom(...ROLES).map((role) => ({ role }))),
    categories: fc.subarray([...CATEGORIES], { minLength: 1, maxLength: 3 }),
    purposes: fc.subarray(PURPOSES, { minLength: 1 }),
    periodStart: maybeTime,
    periodEnd: maybeTime,
  }) as fc.Arbitrary<ModelProvision>;
const consent = (effects: ('permit' | 'deny')[]) =>
  fc.record({
    status: fc.constant('active' as const),
    validFrom: time,
    validTo: maybeTime,
    provisions: fc.array(provision(effects), { minLength: 1, maxLength: 3 }),
  }) as fc.Arbitrary<ModelConsent>;

/** A consent like `c`: the same, or narrower in categories, other in time, sometimes with a deny. */
const narrower = (p: ModelProvision): fc.Arbitrary<ModelProvision> =>
  fc.oneof(fc.constant(p), fc.subarray([...p.categories], { minLength: 1 }).map((categories) => ({ ...p, categories })));
const variantOf = (c: ModelConsent): fc.Arbitrary<ModelConsent> =>
  fc.record({
    status: fc.constant('active' as const),
    validFrom: fc.oneof(fc.constant(c.validFrom), time),
    validTo: fc.oneof(fc.constant(c.validTo), maybeTime),
    provisions: fc.tuple(fc.tuple(...c.provisions.map(narrower)), fc.array(provision(['deny']), { maxLength: 1 })).map(([ps, denies]) => [...ps, ...denies]),
  });
/** Two children's consents, often overlapping (else almost nothing survives a merge to check). */
const consentPair = fc.array(consent(['permit', 'permit', 'deny']), { maxLength: 4 }).chain((a) =>
  fc.tuple(
    fc.constant(a),
    fc.array(a.length ? fc.oneof(consent(['permit', 'permit', 'deny']), fc.constantFrom(...a).chain(variantOf), fc.constantFrom(...a).chain(variantOf)) : consent(['permit', 'deny']), { maxLength: 4 }),
  ),
);

function facts(consents: readonly ModelConsent[], prefix: string): ConsentFacts[] {
  return consents.map((c, i) => ({
    id: `${prefix}${i}`,
    status: ConsentStatus.Active,
    validFrom: new Date(c.validFrom),
    validTo: c.validTo === null ? null : new Date(c.validTo),
    provisions: c.provisions.map((p) => ({
      effect: p.effect === 'permit' ? ProvisionEffect.Permit : ProvisionEffect.Deny,
      recipientRole: (p.recipient.role ?? null) as PartnerRole | null,
      recipientPartnerAppId: p.recipient.app ?? null,
      categories: p.categories as DataCategory[],
      purposes: p.purposes,
      periodStart: p.periodStart === null ? null : new Date(p.periodStart),
      periodEnd: p.periodEnd === null ? null : new Date(p.periodEnd),
    })),
  }));
}

function plan(a: readonly ModelConsent[], b: readonly ModelConsent[]): { outcome: Map<string, ConsentMergeOutcome>; after: ModelConsent[] } {
  const outcome = planConsentMerge({
    kept: facts(a, 'a'),
    merged: facts(b, 'b'),
    appRoles: new Map(NAMED_APPS.map((app) => [app, APPS[app] as PartnerRole])),
    now: new Date(NOW),
  });
  const inForce = [...a.map((c, i) => [`a${i}`, c] as const), ...b.map((c, i) => [`b${i}`, c] as const)].filter(([id]) => outcome.get(id) === 'kept');
  return { outcome, after: inForce.map(([, c]) => c) };
}

/** Every moment that matters: now, each bound from now on, and just before each. */
function momentsOf(...sets: (readonly ModelConsent[])[]): number[] {
  const bounds = sets.flat().flatMap((c) => [c.validFrom, c.validTo, ...c.provisions.flatMap((p) => [p.periodStart, p.periodEnd])]);
  return [...new Set([NOW, ...bounds.filter((t): t is number => t !== null).flatMap((t) => [t, t - 1])])].filter((t) => t >= NOW);
}

describe('planConsentMerge: a merge never widens access', () => {
  it('leaves in force only what both children allowed (oracle, random consents with permits and denies)', () => {
    let checked = 0;
    fc.assert(
      fc.property(consentPair, ([a, b]) => {
        const { after } = plan(a, b);
        const child = (consents: readonly ModelConsent[]) => ({ municipality: M, consents });
        for (const [appId, role] of Object.entries(APPS)) {
          for (const purpose of PURPOSES) {
            for (const k of CATEGORIES) {
              for (const t of momentsOf(a, b)) {
                const who = { appId, role, municipality: M, purpose };
                const merged = decideCategory(child(after), who, k, t).visible;
                if (!merged) continue;
                checked++;
                expect({ appId, purpose, k, t, before: [decideCategory(child(a), who, k, t).visible, decideCategory(child(b), who, k, t).visible] }).toEqual({
                  appId,
                  purpose,
                  k,
                  t,
                  before: [true, true],
                });
              }
            }
          }
        }
      }),
      { numRuns: 1500 },
    );
    // The property was not vacuous: many (recipient, purpose, category, time) points stayed visible.
    expect(checked).toBeGreaterThan(1000);
  });

  it('keeps everything when both children carry the same permits: the kept child’s version stays, the other is superseded', () => {
    fc.assert(
      fc.property(fc.array(consent(['permit']), { minLength: 1, maxLength: 4 }), (a) => {
        const { outcome } = plan(a, a);
        a.forEach((_, i) => expect(outcome.get(`a${i}`)).toBe('kept'));
        // A duplicate only when it still grants something from now on; a lapsed one is left as it is.
        a.forEach((c, i) => {
          const future = c.provisions.some((p) => Math.min(c.validTo ?? Infinity, p.periodEnd ?? Infinity) > Math.max(NOW, c.validFrom, p.periodStart ?? -Infinity));
          expect(outcome.get(`b${i}`)).toBe(future ? 'duplicate' : 'kept');
        });
      }),
      { numRuns: 300 },
    );
  });

  const permit = (recipient: ModelProvision['recipient'], categories: Category[], extra: Partial<ModelProvision> = {}): ModelProvision => ({
    effect: 'permit',
    recipient,
    categories,
    purposes: ['school_support'],
    periodStart: null,
    periodEnd: null,
    ...extra,
  });
  const active = (...provisions: ModelProvision[]): ModelConsent => ({ status: 'active', validFrom: NOW - 24 * HOUR, validTo: null, provisions });

  it('suspends a consent only one child had: attendance of A for school A does not reach B’s attendance', () => {
    const { outcome } = plan([active(permit({ app: 'schoolA' }, ['attendance']))], []);
    expect(outcome.get('a0')).toBe('needs_review');
  });

  it('keeps the narrower of two overlapping consents and suspends the wider', () => {
    const { outcome } = plan([active(permit({ role: 'school' }, ['identity', 'attendance', 'grades']))], [active(permit({ role: 'school' }, ['identity', 'attendance']))]);
    expect(Object.fromEntries(outcome)).toEqual({ a0: 'needs_review', b0: 'kept' });
  });

  it('treats a role permit as covering an app only for apps of that role, and not the reverse', () => {
    const roleWide = active(permit({ role: 'school' }, ['attendance']));
    const oneApp = active(permit({ app: 'schoolA' }, ['attendance']));
    expect(Object.fromEntries(plan([oneApp], [roleWide]).outcome)).toEqual({ a0: 'kept', b0: 'needs_review' });
  });

  it('lets a deny on one side suspend the other side’s overlapping permit, and never drops a deny as a duplicate', () => {
    const deny: ModelProvision = { ...permit({ app: 'schoolB' }, ['grades']), effect: 'deny' };
    const { outcome } = plan([active(permit({ role: 'school' }, ['grades']))], [active(permit({ role: 'school' }, ['grades']), deny)]);
    // B's own consent permits school grades but denies school B: safe for school B nowhere, so both need review.
    expect(Object.fromEntries(outcome)).toEqual({ a0: 'needs_review', b0: 'needs_review' });
    const denyOnly = plan([active(permit({ role: 'school' }, ['attendance']))], [active(permit({ role: 'school' }, ['attendance'])), active(deny)]).outcome;
    expect(Object.fromEntries(denyOnly)).toEqual({ a0: 'kept', b0: 'duplicate', b1: 'kept' });
  });

  it('compares periods: a consent ending sooner on the other side covers only until then', () => {
    const open = active(permit({ role: 'school' }, ['attendance']));
    const ending = { ...active(permit({ role: 'school' }, ['attendance'])), validTo: NOW + 5 * HOUR };
    expect(Object.fromEntries(plan([open], [ending]).outcome)).toEqual({ a0: 'needs_review', b0: 'kept' });
  });
});
