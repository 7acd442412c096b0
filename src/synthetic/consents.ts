import type { EntityManager } from '@mikro-orm/postgresql';
import { ALL_DATA_CATEGORIES, type DataCategory } from '../consent/data-category';
import type { PartnerRole } from '../partners/partner-role';
import { rawQuery } from '../platform/db/bulk';

export interface SyntheticConsentSpec {
  /** Kommunekode; the children of that municipality get the consent. */
  municipalityCode: string;
  role: PartnerRole;
  purposes: string[];
  categories?: readonly DataCategory[];
  legalBasis?: string;
}

/**
 * For demo data, tests and benchmarks: records one legal-basis consent per child of a
 * municipality permitting a role, in three statements (never for real children: evidence is
 * marked synthetic). Children that already have a synthetic consent are skipped. Returns the
 * number of consents written.
 */
export async function grantSyntheticConsents(em: EntityManager, spec: SyntheticConsentSpec): Promise<number> {
  const { rows } = await rawQuery<{ n: string }>(
    em,
    `with c as (
       insert into consent (municipality_id, child_id, grantor_kind, legal_basis, evidence_ref, valid_from, created_by)
       select ch.municipality_id, ch.id, 'legal_basis', ?, 'synthetic demo data', now() - interval '1 day', 'synthetic'
       from child ch join municipality m on m.id = ch.municipality_id
       where m.code = ? and not exists (select 1 from consent x where x.child_id = ch.id and x.created_by = 'synthetic')
       returning id
     ), p as (
       insert into consent_provision (consent_id, effect, recipient_role, categories, purposes)
       select c.id, 'permit', ?, ?::text[], ?::text[] from c
       returning consent_id
     ), e as (
       insert into consent_event (consent_id, kind, actor, reason) select consent_id, 'granted', 'synthetic', 'synthetic demo data' from p
       returning consent_id
     )
     select count(*) as n from e`,
    [spec.legalBasis ?? 'Barnets lov §46', spec.municipalityCode, spec.role, pgArray(spec.categories ?? ALL_DATA_CATEGORIES), pgArray(spec.purposes)],
  );
  return Number(rows[0].n);
}

function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '')}"`).join(',')}}`;
}
