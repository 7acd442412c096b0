import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAdminChange } from '../audit/admin-change';
import { Child } from '../children/child.entity';
import { CustodyHolder } from '../children/custody-holder.entity';
import type { Actor } from '../partners/actor';
import { PartnerApp } from '../partners/partner-app.entity';
import { HubError } from '../platform/graphql/errors';
import { isUuid } from '../platform/graphql/ids';
import { ConsentEvent, ConsentEventKind } from './consent-event.entity';
import { ConsentProvision } from './consent-provision.entity';
import { Consent, ConsentGrantorKind, ConsentStatus } from './consent.entity';
import type { GrantConsentInput } from './consent.type';

/** Age at which a young person's own consent counts (Barnets lov: consent from 15). */
export const YOUNG_PERSON_MIN_AGE = 15;

type FieldProblem = { path: string; message: string };

function ageOn(birthDate: string, at: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  const age = at.getUTCFullYear() - y;
  const beforeBirthday = at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d);
  return beforeBirthday ? age - 1 : age;
}

/** Admin operations on consents. History is append-only: grant, withdraw, supersede. */
export class ConsentsService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId: string,
  ) {}

  /** A child of the actor's municipality; any other (or a merged child's tombstone) answers as unknown. */
  async child(childId: string, field = 'childId'): Promise<Child> {
    if (!isUuid(childId)) throw HubError.badInput(field, 'must be an id returned by this API');
    const child = await this.em.findOne(Child, { id: childId.toLowerCase(), mergedInto: null, ...(this.actor.municipalityId ? { municipality: this.actor.municipalityId } : {}) });
    if (!child) throw HubError.notFound('child');
    return child;
  }

  /** Every consent of a child found by `child()`. */
  list(child: Child): Promise<Consent[]> {
    return this.em.find(Consent, { child }, { populate: ['provisions', 'supersedes'], orderBy: { createdAt: 'desc', id: 'asc' } });
  }

  /** The child's custody holders, as the case system sends them: the grantors of its consents. */
  custodyHolders(child: Child): Promise<CustodyHolder[]> {
    return this.em.find(CustodyHolder, { child }, { orderBy: { name: 'asc', id: 'asc' } });
  }

  async history(consentIds: string[]): Promise<ConsentEvent[]> {
    return consentIds.length ? this.em.find(ConsentEvent, { consent: { $in: consentIds } }, { orderBy: { occurredAt: 'asc', id: 'asc' } }) : [];
  }

  async grant(input: GrantConsentInput): Promise<Consent> {
    const child = await this.child(input.childId, 'input.childId');
    const validFrom = input.validFrom ?? new Date();
    const problems: FieldProblem[] = [];
    let holder: CustodyHolder | null = null;

    if (input.grantorKind === ConsentGrantorKind.CustodyHolder) {
      if (!input.custodyHolderId || !isUuid(input.custodyHolderId)) problems.push({ path: 'input.custodyHolderId', message: 'required when a custody holder grants' });
      else {
        holder = await this.em.findOne(CustodyHolder, { id: input.custodyHolderId.toLowerCase(), child });
        if (!holder) problems.push({ path: 'input.custodyHolderId', message: 'not a custody holder of this child' });
      }
    } else if (input.custodyHolderId) problems.push({ path: 'input.custodyHolderId', message: 'only for CUSTODY_HOLDER' });
    if (input.grantorKind === ConsentGrantorKind.YoungPerson && ageOn(child.birthDate, validFrom) < YOUNG_PERSON_MIN_AGE) {
      problems.push({ path: 'input.grantorKind', message: `the young person must be ${YOUNG_PERSON_MIN_AGE} or older on validFrom` });
    }
    if (input.grantorKind === ConsentGrantorKind.LegalBasis && !input.legalBasis) problems.push({ path: 'input.legalBasis', message: 'required for LEGAL_BASIS' });
    if (input.grantorKind !== ConsentGrantorKind.LegalBasis && input.legalBasis) problems.push({ path: 'input.legalBasis', message: 'only for LEGAL_BASIS' });
    if (input.validTo && input.validTo <= validFrom) problems.push({ path: 'input.validTo', message: 'must be after validFrom' });

    const appIds = new Set<string>();
    input.provisions.forEach((p, i) => {
      const path = `input.provisions.${i}`;
      if (Boolean(p.recipientRole) === Boolean(p.recipientPartnerAppId)) problems.push({ path: `${path}.recipientRole`, message: 'give exactly one of recipientRole or recipientPartnerAppId' });
      if (p.recipientPartnerAppId) {
        if (!isUuid(p.recipientPartnerAppId)) problems.push({ path: `${path}.recipientPartnerAppId`, message: 'must be an id returned by this API' });
        else appIds.add(p.recipientPartnerAppId.toLowerCase());
      }
      if (p.periodStart && p.periodEnd && p.periodEnd <= p.periodStart) problems.push({ path: `${path}.periodEnd`, message: 'must be after periodStart' });
    });
    if (appIds.size) {
      const apps = await this.em.find(PartnerApp, { id: { $in: [...appIds] }, municipality: child.municipality });
      const known = new Set(apps.map((a) => a.id));
      input.provisions.forEach((p, i) => {
        const id = p.recipientPartnerAppId?.toLowerCase();
        if (id && isUuid(id) && !known.has(id)) problems.push({ path: `input.provisions.${i}.recipientPartnerAppId`, message: 'no partner app of this municipality' });
      });
    }
    let superseded: Consent | null = null;
    if (input.supersedesId) {
      superseded = isUuid(input.supersedesId) ? await this.em.findOne(Consent, { id: input.supersedesId.toLowerCase(), child }) : null;
      if (!superseded) problems.push({ path: 'input.supersedesId', message: 'no consent of this child' });
      else if (superseded.status !== ConsentStatus.Active) problems.push({ path: 'input.supersedesId', message: `is ${superseded.status}, only an active consent can be replaced` });
    }
    if (problems.length) throw HubError.invalidFields(problems);

    return this.em.transactional(async (em) => {
      const consent = em.create(Consent, {
        municipality: child.municipality,
        child,
        grantorKind: input.grantorKind,
        grantorCustodyHolder: holder ?? undefined,
        legalBasis: input.legalBasis ?? undefined,
        evidenceRef: input.evidenceRef,
        validFrom,
        validTo: input.validTo ?? undefined,
        supersedes: superseded ?? undefined,
        createdBy: this.actor.clientId,
      });
      for (const p of input.provisions) {
        em.create(ConsentProvision, {
          consent,
          effect: p.effect,
          recipientRole: p.recipientRole ?? undefined,
          recipientPartnerApp: p.recipientPartnerAppId ? em.getReference(PartnerApp, p.recipientPartnerAppId.toLowerCase()) : undefined,
          categories: [...new Set(p.categories)],
          purposes: [...new Set(p.purposes)],
          periodStart: p.periodStart ?? undefined,
          periodEnd: p.periodEnd ?? undefined,
        });
      }
      em.create(ConsentEvent, { consent, kind: ConsentEventKind.Granted, actor: this.actor.clientId, reason: input.evidenceRef });
      if (superseded) {
        superseded.status = ConsentStatus.Superseded;
        em.create(ConsentEvent, { consent: superseded, kind: ConsentEventKind.Superseded, actor: this.actor.clientId, reason: `replaced by ${consent.id}` });
      }
      this.auditChange(em, child, `consent:${consent.id}`, { change: 'grant', supersedes: superseded?.id ?? null });
      await em.flush();
      return consent;
    });
  }

  /** Withdrawal stops sharing from the next request on (GDPR art. 7(3)). */
  async withdraw(id: string, reason: string | null): Promise<Consent> {
    if (!isUuid(id)) throw HubError.badInput('input.id', 'must be an id returned by this API');
    const consent = await this.em.findOne(Consent, { id: id.toLowerCase(), ...(this.actor.municipalityId ? { municipality: this.actor.municipalityId } : {}) }, { populate: ['child'] });
    if (!consent) throw HubError.notFound('consent');
    if (consent.status !== ConsentStatus.Active) throw HubError.badInput('input.id', `is ${consent.status}, only an active consent can be withdrawn`);
    await this.em.transactional(async (em) => {
      em.assign(consent, { status: ConsentStatus.Withdrawn });
      em.create(ConsentEvent, { consent, kind: ConsentEventKind.Withdrawn, actor: this.actor.clientId, reason: reason ?? undefined });
      this.auditChange(em, consent.child, `consent:${consent.id}`, { change: 'withdraw' });
      await em.flush();
    });
    return consent;
  }

  private auditChange(em: EntityManager, child: Child, target: string, detail: Record<string, unknown>): void {
    recordAdminChange(em, this.actor, this.requestId, { target, detail, municipalityId: child.municipality.id, childId: child.id });
  }
}
