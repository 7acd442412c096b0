import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import type { CanonicalRow } from '../sources/canonical';
import { SchoolWriter } from '../sources/school-writer';
import { generatePopulation } from '../synthetic/generator';
import { generateNoisyPupils, type NoisyPopulation, type NoiseRates } from '../synthetic/noisy-pupils';
import { cprHmac } from './cpr';

// A noisy synthetic population (src/synthetic/noisy-pupils.ts) laid into a database the way
// the hub would hold it before matching, for the matching tests and benchmark: per
// municipality a case-system source anchoring its children, an earlier school source that
// linked some children's UNI-Login ids and schools (what the hub "already knows"), and the
// school source whose pupils are to be matched — staged through SchoolWriter, as a sync stages
// them (which links CPR and known UNI-Login pupils of the municipality at once).

export interface SeedMatchingOptions {
  seed: number;
  children: number;
  pupils: number;
  cprKey: string;
  rates?: Partial<NoiseRates>;
  /** Pupils per SchoolWriter page; default 5,000. */
  pageSize?: number;
}

export interface SeededMatchingPopulation extends NoisyPopulation {
  /** Generator child id → child.id. */
  childIds: Map<string, string>;
  /** Kommunekode → the school source whose pupils are matched. */
  schoolSources: Map<string, string>;
  /** Kommunekode → the municipality's case-system source. */
  caseSources: Map<string, string>;
  municipalityIds: Map<string, string>;
}

export async function seedMatchingPopulation(em: EntityManager, opts: SeedMatchingOptions): Promise<SeededMatchingPopulation> {
  const population = generatePopulation({ seed: opts.seed, children: opts.children });
  // Only the fields matching needs: full children with a year of attendance are not kept.
  const stripped = [...population.children()].map(({ index, externalId, municipalityCode, cpr, uniLoginId, firstName, lastName, birthDate, sex, enrollments }) => ({
    index, externalId, municipalityCode, cpr, uniLoginId, firstName, lastName, birthDate, sex, enrollments,
  }));
  const noisy = generateNoisyPupils({
    seed: opts.seed, children: stripped, schools: population.schools, pupils: opts.pupils, hashCpr: (c) => cprHmac(c, opts.cprKey), rates: opts.rates,
  });
  const q = async <T>(sql: string, params: unknown[]) => (await rawQuery<T>(em, sql, params)).rows;

  const municipalityIds = new Map<string, string>();
  const caseSources = new Map<string, string>();
  const knownSources = new Map<string, string>();
  const schoolSources = new Map<string, string>();
  for (const m of population.municipalities) {
    const [{ id }] = await q<{ id: string }>(`insert into municipality (code, name) values (?, ?) on conflict (code) do update set name = excluded.name returning id`, [m.code, m.name]);
    municipalityIds.set(m.code, id);
    const source = async (name: string, kind: string) => (await q<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, ?, ?) returning id`, [id, name, kind]))[0].id;
    caseSources.set(m.code, await source(`Sagssystem ${m.name}`, 'case_system'));
    knownSources.set(m.code, await source(`Tidligere skolesystem ${m.name}`, 'csv'));
    schoolSources.set(m.code, await source(`Skolesystem ${m.name}`, 'edfi'));
  }
  await q(
    `insert into school (source_system_id, external_id, municipality_id, institution_number, name)
     select x.source_id, x.external_id, x.municipality_id, x.institution_number, x.name
     from jsonb_to_recordset(?::jsonb) as x(source_id uuid, external_id text, municipality_id uuid, institution_number text, name text)`,
    [JSON.stringify(population.schools.map((s) => ({
      source_id: knownSources.get(s.municipalityCode), external_id: s.externalId, municipality_id: municipalityIds.get(s.municipalityCode), institution_number: s.institutionNumber, name: s.name,
    })))],
  );

  // Hub children, each anchored by its case-system link; what the hub already knows comes
  // from links of the earlier school source (UNI-Login ids) and their enrolments (schools).
  const childIds = new Map(noisy.hubChildren.map((h) => [h.id, randomUUID()]));
  await q(
    `with x as (
       select * from jsonb_to_recordset(?::jsonb) as x(id uuid, external_id text, municipality_id uuid, case_source uuid, known_source uuid,
         cpr_hmac text, first_name text, last_name text, birth_date date, uni_login_id text, institution_number text, known boolean)
     ), children as (
       insert into child (id, municipality_id, cpr_hmac, first_name, last_name, birth_date)
       select id, municipality_id, cpr_hmac, first_name, last_name, birth_date from x
     ), anchors as (
       insert into identity_link (source_system_id, external_id, child_id, method, confidence, status, uni_login_id)
       select case_source, external_id, id, 'cpr', 1, 'linked', null from x
       union all
       select known_source, 'known-' || external_id, id, 'cpr', 1, 'linked', uni_login_id from x where known
     )
     insert into enrollment (source_system_id, external_id, child_id, school_id, grade_level, start_date)
     select x.known_source, 'known-' || x.external_id, x.id, s.id, 5, date '2024-08-12' from x join school s on s.institution_number = x.institution_number`,
    [JSON.stringify(noisy.hubChildren.map((h) => ({
      id: childIds.get(h.id), external_id: h.id, municipality_id: municipalityIds.get(h.municipalityCode),
      case_source: caseSources.get(h.municipalityCode), known_source: knownSources.get(h.municipalityCode),
      cpr_hmac: h.cprHmac, first_name: h.firstName, last_name: h.lastName, birth_date: h.birthDate,
      uni_login_id: h.uniLoginIds[0] ?? null, institution_number: h.institutionNumbers[0] ?? null,
      known: h.uniLoginIds.length > 0 || h.institutionNumbers.length > 0,
    })))],
  );

  // The pupils, staged per school source as its sync would stage them.
  const pageSize = opts.pageSize ?? 5000;
  for (const [code, sourceId] of schoolSources) {
    const mine = noisy.pupils.filter((p) => p.municipalityCode === code);
    for (let i = 0; i < mine.length; i += pageSize) {
      const page = mine.slice(i, i + pageSize);
      await em.fork().transactional(async (tx) => {
        const writer = new SchoolWriter(tx, { id: sourceId, municipalityId: municipalityIds.get(code)! });
        await writer.pupils(page.map((p): CanonicalRow<'pupil'> => ({
          target: 'pupil', externalId: p.externalId, cprHmac: p.cprHmac, uniLoginId: p.uniLoginId, firstName: p.firstName, lastName: p.lastName, birthDate: p.birthDate, sourceUpdatedAt: null,
        })));
        await writer.childOwned('enrollment', page.flatMap((p): CanonicalRow<'enrollment'>[] => p.institutionNumber
          ? [{ target: 'enrollment', externalId: `enrolment-${p.externalId}`, childExternalId: p.externalId, institutionNumber: p.institutionNumber, gradeLevel: 5, className: null, startDate: '2025-08-11', endDate: null, sourceUpdatedAt: null }]
          : []));
      });
    }
  }
  return { ...noisy, childIds, schoolSources, caseSources, municipalityIds };
}
