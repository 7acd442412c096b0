import type { EntityManager } from '@mikro-orm/postgresql';
import type { PartnerRole } from '../partners/partner-role';
import { rawQuery } from '../platform/db/bulk';
import { Child } from './child.entity';

export interface CandidatePageQuery {
  municipalityId: string;
  municipalityCode?: string;
  afterId?: string;
  limit: number;
  partnerAppId: string;
  role: PartnerRole;
  purpose: string;
}

/** Reads of children, always within one municipality (the tenant). */
export class ChildrenService {
  constructor(private readonly em: EntityManager) {}

  /** A merged child (a tombstone, see Child.mergedInto) is unknown here, like any other id. */
  findById(id: string, municipalityId: string): Promise<Child | null> {
    return this.em.findOne(Child, { id, municipality: municipalityId, mergedInto: null });
  }

  /**
   * Keyset page ordered by id of children that have some active permit for this app (or its
   * role) and purpose: a superset of the children the app may see, narrowed by the access
   * decision afterwards. Saves deciding for children no consent mentions.
   */
  async candidates(q: CandidatePageQuery): Promise<Child[]> {
    const { rows } = await rawQuery<{ id: string }>(
      this.em,
      `select ch.id from child ch
       ${q.municipalityCode ? 'join municipality m on m.id = ch.municipality_id and m.code = ?' : ''}
       where ch.municipality_id = ? and ch.merged_into_id is null ${q.afterId ? 'and ch.id > ?' : ''}
         and exists (select 1 from consent c join consent_provision p on p.consent_id = c.id
                     where c.child_id = ch.id and c.status = 'active' and p.effect = 'permit' and ? = any(p.purposes)
                       and (p.recipient_partner_app_id = ? or p.recipient_role = ?))
       order by ch.id limit ?`,
      [
        ...(q.municipalityCode ? [q.municipalityCode] : []),
        q.municipalityId,
        ...(q.afterId ? [q.afterId] : []),
        q.purpose,
        q.partnerAppId,
        q.role,
        q.limit,
      ],
    );
    if (!rows.length) return [];
    const children = await this.em.find(Child, { id: { $in: rows.map((r) => r.id) }, municipality: q.municipalityId });
    return children.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
