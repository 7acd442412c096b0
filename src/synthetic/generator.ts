import { PlacementType } from '../children/placement.entity';
import { absenceProfile, generateAttendance } from './attendance';
import { type CaseInput, generateCaseContacts, generateCustodyHolders, generateInterventions, generatePlacements, INTERVENTION_KINDS, PLACEMENT_TYPES } from './case';
import * as names from './danish-names';
import { birthDateWithResidue, childBirthResidue, institutionNumber, MAX_CHILDREN, pad, syntheticCpr, uniLoginId } from './identifiers';
import { mixSeed, Random } from './random';
import { generateGrades, generateWellbeing, gradingCalendar, type GradingCalendar } from './results';
import { schoolYearOf } from '../schooling/school-year';
import { isoDate, schoolDays } from './school-calendar';
import type { SynthChild, SynthEnrollment, SynthMunicipality, SynthSchool } from './types';

export type * from './types';
export { MAX_CHILDREN } from './identifiers';

/**
 * Deterministic synthetic population for the demo, tests and benchmarks; every person and
 * place is invented and CPR numbers use day + 60. Each child comes from its own stream
 * (seed, index), so N children are a prefix of any larger population with the same seed.
 */

export const DEFAULT_MUNICIPALITIES = [
  { code: '167', name: 'Hvidovre' },
  { code: '479', name: 'Svendborg' },
  { code: '101', name: 'København' },
  { code: '751', name: 'Aarhus' },
];

export interface PopulationOptions {
  seed: number;
  children: number;
  /** Calendar year in which the school year starts; default 2025 = school year 2025/26. */
  schoolYearStart?: number;
  municipalities?: { code: string; name: string }[];
}

export interface Population {
  options: Required<PopulationOptions>;
  municipalities: SynthMunicipality[];
  schools: SynthSchool[];
  /** Lazily generated, so 12,000 children × 200 days never sit in memory at once. */
  children(): Generator<SynthChild>;
}

/** Share of placed children and number of schools, roughly by size; others derive from the code. */
const KNOWN: Record<string, { weight: number; schools: number }> = {
  '101': { weight: 3, schools: 14 },
  '751': { weight: 2.5, schools: 12 },
  '167': { weight: 1.5, schools: 7 },
  '479': { weight: 1.5, schools: 9 },
};
const codeHash = (code: string) => mixSeed(Number(code), 0x6b6f) >>> 0;
const weightOf = (code: string) => KNOWN[code]?.weight ?? 1 + (codeHash(code) % 3);
const schoolCountOf = (code: string) => KNOWN[code]?.schools ?? 5 + (codeHash(code) % 6);

/** Stream tags keep the seeded streams for schools and quotas apart from the children's. */
const SCHOOL_STREAM = 0x5c4001;
const QUOTA_STREAM = 0xb10c;

export function generatePopulation(opts: PopulationOptions): Population {
  const options: Required<PopulationOptions> = {
    seed: opts.seed,
    children: opts.children,
    schoolYearStart: opts.schoolYearStart ?? 2025,
    municipalities: (opts.municipalities ?? DEFAULT_MUNICIPALITIES).map((m) => ({ code: m.code, name: m.name })),
  };
  validate(options);
  const municipalities = options.municipalities.map((m) => ({ ...m }));
  const schools = municipalities.flatMap((m) => generateSchools(options.seed, m));
  const ctx = context(options, municipalities, schools);
  return {
    options,
    municipalities,
    schools,
    *children() {
      for (let index = 0; index < options.children; index++) yield generateChild(ctx, index);
    },
  };
}

function validate(o: Required<PopulationOptions>): void {
  if (!Number.isSafeInteger(o.seed)) throw new RangeError('seed must be an integer');
  if (!Number.isInteger(o.children) || o.children < 0 || o.children > MAX_CHILDREN) {
    throw new RangeError(`children must be an integer from 0 to ${MAX_CHILDREN} (synthetic CPR numbers are unique up to there)`);
  }
  // Keeps children born 2000–2036 and parents after 1936: the CPR century rules used here.
  if (!Number.isInteger(o.schoolYearStart) || o.schoolYearStart < 2017 || o.schoolYearStart > 2042) {
    throw new RangeError('schoolYearStart must be a year from 2017 to 2042');
  }
  const codes = o.municipalities.map((m) => m.code);
  if (codes.length === 0 || codes.some((c) => !/^\d{3}$/.test(c)) || new Set(codes).size !== codes.length) {
    throw new RangeError('municipalities need unique 3-digit codes (kommunekoder)');
  }
}

/** Invented school names, unique within the municipality. */
function generateSchools(seed: number, m: SynthMunicipality): SynthSchool[] {
  const rnd = new Random(seed, SCHOOL_STREAM, Number(m.code));
  const [plainSuffix, ...compoundSuffixes] = names.SCHOOL_SUFFIXES;
  const plain = rnd.shuffle(names.SCHOOL_PREFIXES.map((p) => p + plainSuffix)); // "Engskolen"
  const compound = rnd.shuffle(
    names.SCHOOL_PREFIXES.flatMap((p) => compoundSuffixes.filter((s) => !s.startsWith(p.toLowerCase())).map((s) => p + s)), // "Lyngbakkeskolen"
  );
  const count = schoolCountOf(m.code);
  const plainCount = Math.ceil(count * 0.6);
  const picked = [...plain.slice(0, plainCount), ...compound.slice(0, count - plainCount)];
  return picked.map((name, i) => ({
    externalId: `school-${m.code}-${pad(i + 1, 2)}`,
    institutionNumber: institutionNumber(m.code, i + 1),
    name,
    municipalityCode: m.code,
  }));
}

interface Context {
  seed: number;
  startYear: number;
  days: readonly string[];
  grading: GradingCalendar;
  municipalityWeights: [SynthMunicipality, number][];
  schoolsOf: Map<string, SynthSchool[]>;
}

function context(o: Required<PopulationOptions>, municipalities: SynthMunicipality[], schools: SynthSchool[]): Context {
  const days = schoolDays(o.schoolYearStart);
  const schoolsOf = new Map(municipalities.map((m) => [m.code, schools.filter((s) => s.municipalityCode === m.code)]));
  return {
    seed: o.seed,
    startYear: o.schoolYearStart,
    days,
    grading: gradingCalendar(days, o.schoolYearStart, schoolYearOf(o.schoolYearStart).label),
    municipalityWeights: municipalities.map((m) => [m, weightOf(m.code)]),
    schoolsOf,
  };
}

/**
 * Quota: in every block of 100 children, six consecutive ones (at a seeded offset) get each
 * placement type and intervention kind once, so any population of 100+ has them all.
 */
const BLOCK = 100;
function quotaSlot(seed: number, index: number): number | null {
  const offset = (mixSeed(seed, QUOTA_STREAM, Math.floor(index / BLOCK)) >>> 0) % (BLOCK - PLACEMENT_TYPES.length);
  const slot = (index % BLOCK) - offset;
  return slot >= 0 && slot < PLACEMENT_TYPES.length ? slot : null;
}

/** More placed children in the older grades; 10. klasse is optional and rarer. */
const GRADE_WEIGHTS = [6, 6, 7, 7, 8, 8, 9, 10, 10, 10, 3].map((w, g) => [g, w] as const);

function generateChild(ctx: Context, index: number): SynthChild {
  const rnd = new Random(ctx.seed, index);
  const slot = quotaSlot(ctx.seed, index);
  const forcedType = slot === null ? null : PLACEMENT_TYPES[slot];
  const childId = `child-${pad(index + 1, 6)}`;
  const municipality = rnd.weighted(ctx.municipalityWeights);
  const sex = rnd.chance(0.53) ? 'male' : 'female';
  let gradeLevel = rnd.weighted(GRADE_WEIGHTS);
  // The quota's efterskole and own-room children must be old enough for them.
  if (forcedType === PlacementType.OwnRoom) gradeLevel = rnd.int(9, 10);
  if (forcedType === PlacementType.BoardingSchool) gradeLevel = rnd.int(7, 10);
  // Age 6 in the calendar year of 0. klasse; some started a year late or repeated a year.
  const birthYear = ctx.startYear - 6 - gradeLevel - (rnd.chance(0.07) ? 1 : 0);
  const birth = birthDateWithResidue(rnd, birthYear, childBirthResidue(index));
  const firstName = rnd.pick(sex === 'male' ? names.BOY_NAMES : names.GIRL_NAMES);
  const lastName = rnd.pick(names.SURNAMES);
  // One latent "strain" drives absence, grades and wellbeing together.
  const strain = rnd.float();
  const days = ctx.days;

  const c: CaseInput = {
    rnd, index, childId, lastName, birth, municipality,
    yearStart: days[0], yearEnd: days[days.length - 1], schoolYearStart: ctx.startYear,
  };
  const placements = generatePlacements(c, forcedType);
  const current = placements[placements.length - 1];
  const enrollments = generateEnrollments(rnd, childId, gradeLevel, ctx.schoolsOf.get(municipality.code)!, days, current.startDate);
  const currentEnrollment = enrollments[enrollments.length - 1];
  const school = ctx.schoolsOf.get(municipality.code)!.find((s) => s.externalId === currentEnrollment.schoolExternalId)!;

  return {
    index,
    externalId: childId,
    municipalityCode: municipality.code,
    cpr: syntheticCpr(birth, sex === 'male', index),
    uniLoginId: uniLoginId(firstName, index),
    firstName,
    lastName,
    birthDate: isoDate(birth),
    sex,
    gradeLevel,
    placements,
    caseContacts: generateCaseContacts(c, current, placements[0].startDate, school, currentEnrollment.startDate),
    custodyHolders: generateCustodyHolders(c),
    enrollments,
    attendance: generateAttendance(rnd, childId, days, absenceProfile(rnd, strain)),
    grades: generateGrades(rnd, childId, gradeLevel, strain, ctx.grading),
    wellbeing: generateWellbeing(rnd, childId, gradeLevel, strain, ctx.startYear + 1),
    interventions: generateInterventions(c, school, slot === null ? null : INTERVENTION_KINDS[slot]),
  };
}

/**
 * The school year's enrolment at a school of the municipality. About 10 % change school
 * during the year, most often because a new placement began.
 */
function generateEnrollments(
  rnd: Random, childId: string, gradeLevel: number, schools: SynthSchool[], days: readonly string[], placementStart: string,
): SynthEnrollment[] {
  const first = rnd.pick(schools);
  const className = () => `${gradeLevel}.${rnd.weighted([['A', 4], ['B', 4], ['C', 3], ['D', 1]] as const)}`;
  const one = { externalId: `${childId}-en-1`, schoolExternalId: first.externalId, gradeLevel, className: className(), startDate: days[0], endDate: null };
  const movedWithPlacement = placementStart > days[30] && placementStart < days[days.length - 30];
  let change: number | null = null;
  if (movedWithPlacement && rnd.chance(0.5)) change = days.findIndex((d) => d >= placementStart);
  else if (rnd.chance(0.035)) change = rnd.int(30, days.length - 30);
  if (change === null) return [one];
  const others = schools.filter((s) => s !== first);
  const next = others.length ? rnd.pick(others) : first;
  return [
    { ...one, endDate: days[change - 1] },
    { externalId: `${childId}-en-2`, schoolExternalId: next.externalId, gradeLevel, className: className(), startDate: days[change], endDate: null },
  ];
}
