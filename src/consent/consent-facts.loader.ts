import { rawQuery } from '../platform/db/bulk';
import type { LoaderDefinition } from '../platform/graphql/loaders';
import type { ConsentFacts } from './access-decision';

interface Row {
  child_id: string;
  consent_id: string;
  status: ConsentFacts['status'];
  valid_from: Date;
  valid_to: Date | null;
  effect: ConsentFacts['provisions'][number]['effect'];
  recipient_role: ConsentFacts['provisions'][number]['recipientRole'];
  recipient_partner_app_id: string | null;
  categories: ConsentFacts['provisions'][number]['categories'];
  purposes: string[];
  period_start: Date | null;
  period_end: Date | null;
}

/**
 * Active consents with their provisions for a batch of children, in one query. The ids become an
 * array first (`= any(array(…))`), so the lookup is an index scan on (child_id, status): joined
 * to the set-returning function instead, the planner scanned every active consent of the
 * municipality on each request (5 ms at 5,000 children, growing with the municipality; now 0.2 ms).
 */
export const CONSENT_FACTS_SQL = `
  select c.child_id, c.id as consent_id, c.status, c.valid_from, c.valid_to, p.effect, p.recipient_role,
         p.recipient_partner_app_id, p.categories, p.purposes, p.period_start, p.period_end
  from consent c
  join consent_provision p on p.consent_id = c.id
  where c.child_id = any(array(select e::uuid from jsonb_array_elements_text(?::jsonb) as e)) and c.status = 'active'`;

export const consentFactsByChild: LoaderDefinition<string, ConsentFacts[]> = {
  async batch(em, childIds, municipalityId) {
    const { rows } = municipalityId
      ? await rawQuery<Row>(em, `${CONSENT_FACTS_SQL} and c.municipality_id = ?::uuid`, [JSON.stringify(childIds), municipalityId])
      : await rawQuery<Row>(em, CONSENT_FACTS_SQL, [JSON.stringify(childIds)]);
    const byChild = new Map<string, Map<string, ConsentFacts>>();
    for (const r of rows) {
      const consents = byChild.get(r.child_id) ?? new Map<string, ConsentFacts>();
      byChild.set(r.child_id, consents);
      let c = consents.get(r.consent_id);
      if (!c) {
        c = { id: r.consent_id, status: r.status, validFrom: new Date(r.valid_from), validTo: r.valid_to ? new Date(r.valid_to) : null, provisions: [] };
        consents.set(r.consent_id, c);
      }
      c.provisions.push({
        effect: r.effect,
        recipientRole: r.recipient_role,
        recipientPartnerAppId: r.recipient_partner_app_id,
        categories: r.categories,
        purposes: r.purposes,
        periodStart: r.period_start ? new Date(r.period_start) : null,
        periodEnd: r.period_end ? new Date(r.period_end) : null,
      });
    }
    return childIds.map((id) => [...(byChild.get(id)?.values() ?? [])]);
  },
};
