import { CaseContactRole } from '../children/case-contact.entity';
import { PlacementType } from '../children/placement.entity';
import { AttendanceStatus } from '../schooling/attendance-status';
import { GradeKind, SEVEN_STEP_SCALE, type SevenStepGrade } from '../schooling/grade-scale';
import { InterventionKind } from '../schooling/intervention.entity';
import { WellbeingIndicator } from '../schooling/wellbeing.entity';
import * as names from './danish-names';
import { Random } from './random';
import { addDays, isoDate, parseIsoDate, schoolDays, schoolYearLabel, utcDate } from './school-calendar';

/**
 * Deterministic synthetic population for the demo, tests and benchmarks. Each child comes
 * from its own seeded stream (seed, index), so a population of N children is a prefix of any
 * larger one with the same seed, and children are generated lazily, one at a time.
 * All people are fictitious; CPR numbers use day-of-month + 60 and can belong to nobody.
 */

export const DEFAULT_MUNICIPALITIES = [
  { code: '167', name: 'Hvidovre' },
  { code: '479', name: 'Svendborg' },
  { code: '101', name: 'København' },
  { code: '751', name: 'Aarhus' },
];
const MUNICIPALITY_WEIGHTS = [3, 2.5, 3, 1.5];
const SCHOOLS_PER_MUNICIPALITY = 6;

export interface PopulationOptions {
  seed: number;
  children: number;
  /** Start year of the school year generated; 2025 = 2025/26. */
  schoolYearStart?: number;
  municipalities?: { code: string; name: string }[];
}

export interface SynthMunicipality { code: string; name: string }
export interface SynthSchool { externalId: string; institutionNumber: string; name: string; municipalityCode: string }
export interface SynthPlacement { externalId: string; type: PlacementType; placeName: string; legalBasis: string; startDate: string; endDate: string | null }
export interface SynthCaseContact { externalId: string; role: CaseContactRole; name: string; organisation: string; email: string; phone: string; startDate: string; endDate: string | null }
export interface SynthCustodyHolder { externalId: string; name: string; relation: 'mother' | 'father' | 'guardian'; cpr: string }
export interface SynthEnrollment { externalId: string; schoolExternalId: string; gradeLevel: number; className: string; startDate: string; endDate: string | null }
export interface SynthAttendanceDay { externalId: string; date: string; status: AttendanceStatus; note: string | null }
export interface SynthGrade { externalId: string; subject: string; kind: GradeKind; value: SevenStepGrade; gradeDate: string; schoolYear: string }
export interface SynthWellbeing { externalId: string; indicator: WellbeingIndicator; score: number; surveyYear: number }
export interface SynthIntervention { externalId: string; kind: InterventionKind; startDate: string; endDate: string | null; provider: string; description: string }

export interface SynthChild {
  index: number;
  externalId: string;
  municipalityCode: string;
  cpr: string;
  uniLoginId: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: 'female' | 'male';
  gradeLevel: number;
  placements: SynthPlacement[];
  caseContacts: SynthCaseContact[];
  custodyHolders: SynthCustodyHolder[];
  enrollments: SynthEnrollment[];
  attendance: SynthAttendanceDay[];
  grades: SynthGrade[];
  wellbeing: SynthWellbeing[];
  interventions: SynthIntervention[];
}

export interface Population {
  options: Required<PopulationOptions>;
  municipalities: SynthMunicipality[];
  schools: SynthSchool[];
  /** Lazily generated, so 12,000 children × 200 days never sit in memory at once. */
  children(): Generator<SynthChild>;
}

export function generatePopulation(opts: PopulationOptions): Population {
  const options: Required<PopulationOptions> = {
    schoolYearStart: 2025,
    municipalities: DEFAULT_MUNICIPALITIES,
    ...opts,
  };
  const municipalities = options.municipalities.map((m) => ({ ...m }));
  const schools = municipalities.flatMap((m) =>
    Array.from({ length: SCHOOLS_PER_MUNICIPALITY }, (_, i) => ({
      externalId: `school-${m.code}-${String(i + 1).padStart(2, '0')}`,
      // 6 digits, unique per municipality code: 2 + kommunekode + serial.
      institutionNumber: `2${m.code}${String(i + 1).padStart(2, '0')}`,
      name: names.schoolName(Number(m.code) + i),
      municipalityCode: m.code,
    })),
  );
  return {
    options,
    municipalities,
    schools,
    *children() {
      const usedCprs = new Set<string>();
      for (let index = 0; index < options.children; index++) {
        yield generateChild(options, municipalities, schools, index, usedCprs);
      }
    },
  };
}

const SUBJECTS = ['Dansk', 'Matematik', 'Engelsk', 'Tysk', 'Fysik/kemi', 'Biologi', 'Geografi', 'Historie', 'Samfundsfag', 'Kristendomskundskab'];
const EXAM_SUBJECTS = ['Dansk', 'Matematik', 'Engelsk', 'Fællesfaglig naturfag'];
const DRAWN_EXAM_SUBJECTS = ['Historie', 'Samfundsfag', 'Kristendomskundskab'];
const PARTIAL_NOTES = ['Kom for sent', 'Gik tidligt', 'Delvist fravær'];

function generateChild(
  o: Required<PopulationOptions>,
  municipalities: SynthMunicipality[],
  schools: SynthSchool[],
  index: number,
  usedCprs: Set<string>,
): SynthChild {
  const rnd = new Random(o.seed, index);
  const id = `child-${String(index + 1).padStart(6, '0')}`;
  const municipality = rnd.weighted(municipalities.map((m, i) => [m, MUNICIPALITY_WEIGHTS[i % MUNICIPALITY_WEIGHTS.length]] as const));
  const sex = rnd.chance(0.5) ? 'female' : 'male';
  const gradeLevel = rnd.weighted(Array.from({ length: 11 }, (_, g) => [g, g === 10 ? 0.3 : g >= 6 ? 1.3 : 1] as const));
  const birth = addDays(utcDate(o.schoolYearStart - 6 - gradeLevel, 1, 1), rnd.int(0, 364));
  const firstName = rnd.pick(sex === 'female' ? names.GIRL_NAMES : names.BOY_NAMES);
  const lastName = rnd.pick(names.SURNAMES);
  const cpr = uniqueCpr(rnd, birth, sex === 'male', usedCprs);
  const days = schoolDays(o.schoolYearStart);
  const yearStart = days[0];
  const yearEnd = days[days.length - 1];
  const school = rnd.pick(schools.filter((s) => s.municipalityCode === municipality.code));
  const placements = generatePlacements(rnd, id, gradeLevel, yearStart);
  const current = placements[placements.length - 1];

  return {
    index,
    externalId: id,
    municipalityCode: municipality.code,
    cpr,
    uniLoginId: `u${(index + 1).toString(36).padStart(7, '0')}`,
    firstName,
    lastName,
    birthDate: isoDate(birth),
    sex,
    gradeLevel,
    placements,
    caseContacts: generateContacts(rnd, id, municipality, current, yearStart),
    custodyHolders: generateCustodyHolders(rnd, id, lastName, usedCprs),
    enrollments: generateEnrollments(rnd, id, gradeLevel, school, schools, yearStart, days),
    attendance: generateAttendance(rnd, id, days),
    grades: generateGrades(rnd, id, gradeLevel, o.schoolYearStart),
    wellbeing:
      gradeLevel <= 9
        ? Object.values(WellbeingIndicator).map((indicator) => ({
            externalId: `${id}-wb-${indicator}`,
            indicator,
            score: round2(clamp(rnd.normal(3.6, 0.7), 1, 5)),
            surveyYear: o.schoolYearStart + 1,
          }))
        : [],
    interventions: generateInterventions(rnd, id, yearStart, yearEnd),
  };
}

/** DDMMYY-SSSS with DD = day + 60 (never a real person), 7th digit valid for births 2000–2036 (and 1937–1999 via 4/9 rules not needed here). */
function uniqueCpr(rnd: Random, birth: Date, male: boolean, used: Set<string>): string {
  const dd = String(birth.getUTCDate() + 60);
  const mm = String(birth.getUTCMonth() + 1).padStart(2, '0');
  const yy = String(birth.getUTCFullYear() % 100).padStart(2, '0');
  for (;;) {
    const century = birth.getUTCFullYear() >= 2000 ? rnd.pick([4, 5, 6, 7, 8, 9]) : rnd.pick([0, 1, 2, 3]);
    const last = rnd.int(0, 4) * 2 + (male ? 1 : 0);
    const cpr = `${dd}${mm}${yy}-${century}${String(rnd.int(0, 99)).padStart(2, '0')}${last}`;
    if (!used.has(cpr)) {
      used.add(cpr);
      return cpr;
    }
  }
}

function generatePlacements(rnd: Random, id: string, gradeLevel: number, yearStart: string): SynthPlacement[] {
  const count = rnd.weighted([[1, 5], [2, 3.5], [3, 1.5]] as const);
  const types: [PlacementType, number][] = [
    [PlacementType.ChildrensHome, 25],
    [PlacementType.Opholdssted, 20],
    [PlacementType.FosterFamily, 30],
    [PlacementType.NetworkFosterFamily, 12],
    [PlacementType.BoardingSchool, gradeLevel >= 7 ? 8 : 0],
    [PlacementType.OwnRoom, gradeLevel >= 8 ? 5 : 0],
  ];
  // Walk backwards from the current placement, which started up to three years ago.
  let end: Date | null = null;
  let start = addDays(parseIsoDate(yearStart), -rnd.int(0, 3 * 365));
  const out: SynthPlacement[] = [];
  for (let i = count; i >= 1; i--) {
    const type = rnd.weighted(types);
    out.unshift({
      externalId: `${id}-pl-${i}`,
      type,
      placeName: placeNameFor(rnd, type),
      legalBasis: rnd.chance(0.7) ? 'Barnets lov §46' : 'Barnets lov §47',
      startDate: isoDate(start),
      endDate: end ? isoDate(end) : null,
    });
    end = addDays(start, -1);
    start = addDays(end, -rnd.int(120, 900));
  }
  return out;
}

function placeNameFor(rnd: Random, type: PlacementType): string {
  switch (type) {
    case PlacementType.ChildrensHome:
      return rnd.pick(names.CHILDRENS_HOMES);
    case PlacementType.Opholdssted:
      return rnd.pick(names.OPHOLDSSTEDER);
    case PlacementType.BoardingSchool:
      return rnd.pick(names.BOARDING_SCHOOLS);
    case PlacementType.FosterFamily:
      return `Plejefamilien ${rnd.pick(names.SURNAMES)}`;
    case PlacementType.NetworkFosterFamily:
      return `Netværksplejefamilien ${rnd.pick(names.SURNAMES)}`;
    case PlacementType.OwnRoom:
      return 'Eget værelse med støtte';
  }
}

function generateContacts(rnd: Random, id: string, m: SynthMunicipality, current: SynthPlacement, since: string): SynthCaseContact[] {
  const domain = `${m.name.toLowerCase().replace(/ø/g, 'oe').replace(/æ/g, 'ae').replace(/å/g, 'aa')}.example`;
  const person = (role: CaseContactRole, organisation: string, n: number): SynthCaseContact => {
    const first = rnd.pick(names.ADULT_NAMES);
    return {
      externalId: `${id}-ct-${n}`,
      role,
      name: `${first} ${rnd.pick(names.SURNAMES)}`,
      organisation,
      email: `${first.toLowerCase().replace(/[^a-z]/g, '')}.${n}@${domain}`,
      phone: `9${String(rnd.int(0, 9999999)).padStart(7, '0')}`,
      startDate: since < current.startDate ? current.startDate : since,
      endDate: null,
    };
  };
  const out = [person(CaseContactRole.Caseworker, `${m.name} Kommune, Børn og Familie`, 1)];
  if (current.type === PlacementType.ChildrensHome || current.type === PlacementType.Opholdssted) {
    out.push(person(CaseContactRole.ChildrensHomeContact, current.placeName, 2));
  } else if (current.type === PlacementType.FosterFamily || current.type === PlacementType.NetworkFosterFamily) {
    out.push(person(CaseContactRole.FosterParent, current.placeName, 2));
  }
  if (rnd.chance(0.6)) out.push(person(CaseContactRole.SchoolContact, 'Skolen', 3));
  return out;
}

function generateCustodyHolders(rnd: Random, id: string, childSurname: string, used: Set<string>): SynthCustodyHolder[] {
  if (rnd.chance(0.05)) {
    const birth = addDays(utcDate(1970, 1, 1), rnd.int(0, 25 * 365));
    return [{ externalId: `${id}-cu-1`, name: `${rnd.pick(names.ADULT_NAMES)} ${rnd.pick(names.SURNAMES)}`, relation: 'guardian', cpr: uniqueCpr(rnd, birth, rnd.chance(0.5), used) }];
  }
  const relations: ('mother' | 'father')[] = rnd.chance(0.55) ? ['mother', 'father'] : [rnd.chance(0.75) ? 'mother' : 'father'];
  return relations.map((relation, i) => {
    const birth = addDays(utcDate(1975, 1, 1), rnd.int(0, 20 * 365));
    return {
      externalId: `${id}-cu-${i + 1}`,
      name: `${rnd.pick(names.ADULT_NAMES)} ${rnd.chance(0.7) ? childSurname : rnd.pick(names.SURNAMES)}`,
      relation,
      cpr: uniqueCpr(rnd, birth, relation === 'father', used),
    };
  });
}

function generateEnrollments(
  rnd: Random, id: string, gradeLevel: number, school: SynthSchool, schools: SynthSchool[], yearStart: string, days: readonly string[],
): SynthEnrollment[] {
  const className = `${gradeLevel}.${rnd.pick(['A', 'B', 'C', 'D'])}`;
  if (!rnd.chance(0.1)) {
    return [{ externalId: `${id}-en-1`, schoolExternalId: school.externalId, gradeLevel, className, startDate: yearStart, endDate: null }];
  }
  // Changed school mid-year (often with a new placement).
  const changeDay = days[rnd.int(40, days.length - 40)];
  const next = rnd.pick(schools.filter((s) => s.externalId !== school.externalId));
  return [
    { externalId: `${id}-en-1`, schoolExternalId: school.externalId, gradeLevel, className, startDate: yearStart, endDate: isoDate(addDays(parseIsoDate(changeDay), -1)) },
    { externalId: `${id}-en-2`, schoolExternalId: next.externalId, gradeLevel, className: `${gradeLevel}.${rnd.pick(['A', 'B', 'C'])}`, startDate: changeDay, endDate: null },
  ];
}

/**
 * Daily whole-day registrations. Placed children are absent more than others: about a fifth
 * are above 10 % unauthorised absence and a tenth above 15 %. Absence comes in runs.
 */
function generateAttendance(rnd: Random, id: string, days: readonly string[]): SynthAttendanceDay[] {
  const unauthorised = rnd.weighted([
    [rnd.between(0, 0.04), 65],
    [rnd.between(0.04, 0.095), 15],
    [rnd.between(0.105, 0.145), 10],
    [rnd.between(0.16, 0.35), 10],
  ] as const);
  const illness = clamp(rnd.normal(0.05, 0.02), 0.005, 0.15);
  const authorised = rnd.between(0.005, 0.03);
  const STAY = 0.45; // chance an absence continues the next day: mean run 1.8 days
  let previous: AttendanceStatus = AttendanceStatus.Present;
  return days.map((date) => {
    let status: AttendanceStatus;
    const absent = previous === AttendanceStatus.Illness || previous === AttendanceStatus.Authorised || previous === AttendanceStatus.Unauthorised;
    if (absent && rnd.chance(STAY)) {
      status = previous;
    } else {
      const r = rnd.float();
      const start = 1 - STAY; // start rates scaled so the overall rate matches the profile
      if (r < illness * start) status = AttendanceStatus.Illness;
      else if (r < (illness + authorised) * start) status = AttendanceStatus.Authorised;
      else if (r < (illness + authorised + unauthorised) * start) status = AttendanceStatus.Unauthorised;
      else if (rnd.chance(0.02)) status = AttendanceStatus.Partial;
      else status = AttendanceStatus.Present;
    }
    previous = status;
    return { externalId: `${id}-att-${date}`, date, status, note: status === AttendanceStatus.Partial ? rnd.pick(PARTIAL_NOTES) : null };
  });
}

/** Grades lean low (mean about 5.7, DOMAIN.md): each child has an ability around the scale's middle. */
function generateGrades(rnd: Random, id: string, gradeLevel: number, startYear: number): SynthGrade[] {
  if (gradeLevel < 8) return [];
  const ability = rnd.normal(2.55, 0.9); // index into the scale: 0 = "12" … 6 = "-3"
  const value = () => SEVEN_STEP_SCALE[Math.round(clamp(rnd.normal(ability, 0.9), 0, 6))];
  const schoolYear = schoolYearLabel(startYear);
  const out: SynthGrade[] = [];
  const add = (subject: string, kind: GradeKind, gradeDate: string) =>
    out.push({ externalId: `${id}-gr-${kind}-${gradeDate}-${subject}`, subject, kind, value: value(), gradeDate, schoolYear });
  const subjects = SUBJECTS.slice(0, 8);
  for (const s of subjects) add(s, GradeKind.Term, `${startYear}-12-12`);
  for (const s of subjects) add(s, GradeKind.Term, `${startYear + 1}-06-05`);
  if (gradeLevel <= 9) for (const s of subjects) add(s, GradeKind.Year, `${startYear + 1}-06-19`);
  if (gradeLevel === 9) {
    for (const s of [...EXAM_SUBJECTS, rnd.pick(DRAWN_EXAM_SUBJECTS)]) add(s, GradeKind.Exam, `${startYear + 1}-06-17`);
  }
  return out;
}

function generateInterventions(rnd: Random, id: string, yearStart: string, yearEnd: string): SynthIntervention[] {
  if (!rnd.chance(0.4)) return [];
  const kinds = Object.values(InterventionKind);
  return Array.from({ length: rnd.int(1, 2) }, (_, i) => {
    const start = addDays(parseIsoDate(yearStart), rnd.int(0, 150));
    const end = addDays(start, rnd.int(30, 120));
    const kind = rnd.pick(kinds);
    return {
      externalId: `${id}-iv-${i + 1}`,
      kind,
      startDate: isoDate(start),
      endDate: isoDate(end) > yearEnd ? null : isoDate(end),
      provider: rnd.pick(names.INTERVENTION_PROVIDERS),
      description: `Forløb: ${kind.replace(/_/g, ' ')}`,
    };
  });
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const round2 = (x: number) => Math.round(x * 100) / 100;
