import type { EntityManager } from '@mikro-orm/postgresql';
import { cprHmac } from '../identity/cpr';
import { bulkUpsert } from '../platform/db/bulk';
import { recomputeAttendanceSummaries } from '../schooling/attendance-summary.service';
import { SourceSystemKind } from '../sources/source-system.entity';
import { seedSchoolCalendars } from './calendar-seed';
import type { Population, SynthChild } from './generator';

/** Children written per transaction: about 50,000 attendance rows per statement. */
const CHILDREN_PER_BATCH = 250;
export const SYNTHETIC_SOURCE_NAME = 'Synthetic demo data';

export interface SeedResult {
  municipalities: number;
  schools: number;
  children: number;
  attendanceDays: number;
  seconds: number;
}

const sourced = [
  { name: 'source_system_id', type: 'uuid' },
  { name: 'external_id', type: 'text' },
];
const KEY = ['source_system_id', 'external_id'];
const col = (name: string, type = 'text') => ({ name, type });

/**
 * Writes a generated population as if it had been synced from a source: every row keyed
 * on (synthetic source, external id), so seeding twice updates rather than duplicates.
 * The CPR numbers are hashed here; the clear numbers never reach the database.
 */
export async function seedPopulation(em: EntityManager, population: Population, cprKey: string): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  const municipalities = await bulkUpsert<{ id: string; code: string }>(
    em,
    { table: 'municipality', columns: [col('code'), col('name')], conflict: ['code'], update: ['name'], returning: ['id', 'code'] },
    population.municipalities.map((m) => ({ code: m.code, name: m.name })),
  );
  const municipalityId = new Map(municipalities.map((m) => [m.code, m.id]));

  const sources = await bulkUpsert<{ id: string; municipality_id: string }>(
    em,
    {
      table: 'source_system',
      columns: [col('municipality_id', 'uuid'), col('name'), col('kind')],
      conflict: ['municipality_id', 'name'],
      update: ['kind'],
      returning: ['id', 'municipality_id'],
    },
    municipalities.map((m) => ({ municipality_id: m.id, name: SYNTHETIC_SOURCE_NAME, kind: SourceSystemKind.Synthetic })),
  );
  const sourceOf = new Map(sources.map((s) => [s.municipality_id, s.id]));
  const sourceFor = (code: string) => sourceOf.get(municipalityId.get(code)!)!;

  const schools = await bulkUpsert<{ id: string; external_id: string }>(
    em,
    {
      table: 'school',
      columns: [...sourced, col('municipality_id', 'uuid'), col('institution_number'), col('name')],
      conflict: KEY,
      update: ['institution_number', 'name', 'synced_at'],
      returning: ['id', 'external_id'],
    },
    population.schools.map((s) => ({
      source_system_id: sourceFor(s.municipalityCode),
      external_id: s.externalId,
      municipality_id: municipalityId.get(s.municipalityCode),
      institution_number: s.institutionNumber,
      name: s.name,
    })),
  );
  const schoolId = new Map(schools.map((s) => [s.external_id, s.id]));

  let children = 0;
  let attendanceDays = 0;
  let batch: SynthChild[] = [];
  const flush = async () => {
    await em.transactional((tx) => writeChildren(tx, batch, { municipalityId, sourceFor, schoolId, cprKey }));
    children += batch.length;
    attendanceDays += batch.reduce((n, c) => n + c.attendance.length, 0);
    batch = [];
  };
  for (const child of population.children()) {
    batch.push(child);
    if (batch.length === CHILDREN_PER_BATCH) await flush();
  }
  if (batch.length) await flush();

  // The municipal calendar the summaries take days present from (absence-only sources need it).
  await seedSchoolCalendars(em, [...municipalityId.values()], population.options.schoolYearStart);
  for (const id of municipalityId.values()) await recomputeAttendanceSummaries(em, id);
  return {
    municipalities: municipalities.length,
    schools: schools.length,
    children,
    attendanceDays,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

interface Lookups {
  municipalityId: Map<string, string>;
  sourceFor(code: string): string;
  schoolId: Map<string, string>;
  cprKey: string;
}

async function writeChildren(em: EntityManager, batch: SynthChild[], l: Lookups): Promise<void> {
  const hmacs = batch.map((c) => cprHmac(c.cpr, l.cprKey));
  const written = await bulkUpsert<{ id: string; cpr_hmac: string }>(
    em,
    {
      table: 'child',
      columns: [col('municipality_id', 'uuid'), col('cpr_hmac'), col('first_name'), col('last_name'), col('birth_date', 'date')],
      conflict: ['municipality_id', 'cpr_hmac'],
      update: ['first_name', 'last_name', 'birth_date'],
      returning: ['id', 'cpr_hmac'],
    },
    batch.map((c, i) => ({
      municipality_id: l.municipalityId.get(c.municipalityCode),
      cpr_hmac: hmacs[i],
      first_name: c.firstName,
      last_name: c.lastName,
      birth_date: c.birthDate,
    })),
  );
  const childIdByHmac = new Map(written.map((w) => [w.cpr_hmac, w.id]));
  const rowsOf = <T>(pick: (c: SynthChild) => T[], map: (item: T, childId: string, source: string, c: SynthChild) => Record<string, unknown>) =>
    batch.flatMap((c, i) => {
      const childId = childIdByHmac.get(hmacs[i])!;
      const source = l.sourceFor(c.municipalityCode);
      return pick(c).map((item) => ({ source_system_id: source, child_id: childId, ...map(item, childId, source, c) }));
    });
  const upsert = (table: string, columns: { name: string; type: string }[], rows: Record<string, unknown>[]) =>
    bulkUpsert(em, { table, columns: [...sourced, col('child_id', 'uuid'), ...columns], conflict: KEY, update: ['child_id', ...columns.map((c) => c.name), 'synced_at'] }, rows);

  await bulkUpsert(
    em,
    {
      table: 'identity_link',
      columns: [...sourced, col('child_id', 'uuid'), col('method'), col('confidence', 'numeric'), col('status'), col('uni_login_id')],
      conflict: KEY,
      update: ['child_id', 'uni_login_id'],
    },
    rowsOf((c) => [c], (c) => ({ external_id: c.externalId, method: 'cpr', confidence: 1, status: 'linked', uni_login_id: c.uniLoginId })),
  );
  await upsert(
    'placement',
    [col('type'), col('place_name'), col('legal_basis'), col('start_date', 'date'), col('end_date', 'date')],
    rowsOf((c) => c.placements, (p) => ({ external_id: p.externalId, type: p.type, place_name: p.placeName, legal_basis: p.legalBasis, start_date: p.startDate, end_date: p.endDate })),
  );
  await upsert(
    'case_contact',
    [col('role'), col('name'), col('organisation'), col('email'), col('phone'), col('start_date', 'date'), col('end_date', 'date')],
    rowsOf((c) => c.caseContacts, (k) => ({ external_id: k.externalId, role: k.role, name: k.name, organisation: k.organisation, email: k.email, phone: k.phone, start_date: k.startDate, end_date: k.endDate })),
  );
  await upsert(
    'custody_holder',
    [col('name'), col('cpr_hmac'), col('relation')],
    rowsOf((c) => c.custodyHolders, (h) => ({ external_id: h.externalId, name: h.name, cpr_hmac: cprHmac(h.cpr, l.cprKey), relation: h.relation })),
  );
  await upsert(
    'enrollment',
    [col('school_id', 'uuid'), col('grade_level', 'smallint'), col('class_name'), col('start_date', 'date'), col('end_date', 'date')],
    rowsOf((c) => c.enrollments, (e) => ({ external_id: e.externalId, school_id: l.schoolId.get(e.schoolExternalId), grade_level: e.gradeLevel, class_name: e.className, start_date: e.startDate, end_date: e.endDate })),
  );
  await upsert(
    'attendance_day',
    [col('date', 'date'), col('status'), col('note')],
    rowsOf((c) => c.attendance, (a) => ({ external_id: a.externalId, date: a.date, status: a.status, note: a.note })),
  );
  await upsert(
    'grade',
    [col('subject'), col('kind'), col('value'), col('grade_date', 'date'), col('school_year')],
    rowsOf((c) => c.grades, (g) => ({ external_id: g.externalId, subject: g.subject, kind: g.kind, value: g.value, grade_date: g.gradeDate, school_year: g.schoolYear })),
  );
  await upsert(
    'wellbeing',
    [col('indicator'), col('score', 'numeric'), col('survey_year', 'smallint')],
    rowsOf((c) => c.wellbeing, (w) => ({ external_id: w.externalId, indicator: w.indicator, score: w.score, survey_year: w.surveyYear })),
  );
  await upsert(
    'intervention',
    [col('kind'), col('start_date', 'date'), col('end_date', 'date'), col('provider'), col('description')],
    rowsOf((c) => c.interventions, (i) => ({ external_id: i.externalId, kind: i.kind, start_date: i.startDate, end_date: i.endDate, provider: i.provider, description: i.description })),
  );
}
