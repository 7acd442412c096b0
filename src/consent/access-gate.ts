import type { AuditTrail } from '../audit/audit-trail';
import type { Actor } from '../partners/actor';
import { ErrorCode, HubError } from '../platform/graphql/errors';
import type { LoaderRegistry } from '../platform/graphql/loaders';
import { visibleCategories, type Requester } from './access-decision';
import { consentFactsByChild } from './consent-facts.loader';
import { ALL_DATA_CATEGORIES, type DataCategory } from './data-category';

export const PURPOSE_HEADER = 'x-skolebro-purpose';

/**
 * The consent check of one request: one decision time for the whole request, consents loaded
 * once per child (batched), visible categories computed once per child and cached.
 */
export class AccessGate {
  private readonly visible = new Map<string, Promise<Set<DataCategory>>>();
  /** Fixed at the start of the request: every field of one answer is decided at the same instant. */
  readonly at = new Date();

  constructor(
    private readonly actor: Actor,
    private readonly loaders: LoaderRegistry,
    private readonly audit: AuditTrail,
    /** Benchmarks only (the "consent off" baseline): every category visible, nothing loaded. */
    private readonly permitAll = false,
  ) {}

  /** Child data is only for partner apps acting for one stated purpose. */
  requester(): Requester & { municipalityId: string } {
    const { partnerAppId, municipalityId, purpose } = this.actor;
    if (!partnerAppId || !municipalityId) throw HubError.forbidden('child data is only served to partner apps');
    if (!purpose) {
      throw new HubError(ErrorCode.BadUserInput, `this token carries several purposes: choose one with the ${PURPOSE_HEADER} header`, { field: PURPOSE_HEADER });
    }
    return { partnerAppId, role: this.actor.role, purpose, municipalityId };
  }

  categoriesOf(childId: string): Promise<Set<DataCategory>> {
    if (this.permitAll) return Promise.resolve(new Set(ALL_DATA_CATEGORIES));
    let found = this.visible.get(childId);
    if (!found) {
      const who = this.requester();
      found = this.loaders
        .get(consentFactsByChild)
        .load(childId)
        .then((facts) => visibleCategories(facts, who, this.at));
      this.visible.set(childId, found);
    }
    return found;
  }

  /** Throws CONSENT_REQUIRED naming the category when it is not visible; logs the refusal. */
  async require(childId: string, category: DataCategory): Promise<void> {
    if ((await this.categoriesOf(childId)).has(category)) return;
    this.audit.refused(childId, category);
    throw new HubError(ErrorCode.ConsentRequired, `no consent or legal basis lets this app see "${category}" for this purpose`, { category });
  }
}
