import { CaseContactRole } from '../children/case-contact.entity';
import { PlacementType } from '../children/placement.entity';
import { InterventionKind } from '../schooling/intervention.entity';
import * as names from './danish-names';
import { adultBirthResidue, birthDateWithResidue, pad, syntheticCpr } from './identifiers';
import type { Random } from './random';
import { addDays, isoDate, parseIsoDate } from './school-calendar';
import type { SynthCaseContact, SynthCustodyHolder, SynthIntervention, SynthMunicipality, SynthPlacement, SynthSchool } from './types';

/** What the social-case side of a child is generated from. */
export interface CaseInput {
  rnd: Random;
  index: number;
  childId: string;
  lastName: string;
  birth: Date;
  municipality: SynthMunicipality;
  /** First and last school day of the school year. */
  yearStart: string;
  yearEnd: string;
  schoolYearStart: number;
}

export const PLACEMENT_TYPES = Object.values(PlacementType);
export const INTERVENTION_KINDS = Object.values(InterventionKind);

/** Youngest age for a placement type: efterskole from about 13–14, eget værelse from 15. */
const MIN_AGE: Partial<Record<PlacementType, number>> = { [PlacementType.BoardingSchool]: 13, [PlacementType.OwnRoom]: 15 };

function typeWeights(age: number): [PlacementType, number][] {
  return [
    [PlacementType.FosterFamily, 34],
    [PlacementType.NetworkFosterFamily, 12],
    [PlacementType.ChildrensHome, 15],
    [PlacementType.Opholdssted, 22],
    [PlacementType.BoardingSchool, age >= 13 ? 12 : 0],
    [PlacementType.OwnRoom, age >= 15 ? 30 : 0],
  ];
}

const ageAt = (birth: Date, date: Date) => (date.getTime() - birth.getTime()) / (365.25 * 86_400_000);
const maxIso = (a: string, b: string) => (a > b ? a : b);
/** "Hvidovre Kommune", but the genitive "Københavns Kommune". */
const kommune = (name: string) => (name === 'København' ? 'Københavns Kommune' : `${name} Kommune`);

/**
 * 1–3 sequential placements (anbringelser), the last one current. Most began before the
 * school year; some during it. `forced` fixes the current type (see generator's quota).
 */
export function generatePlacements(c: CaseInput, forced: PlacementType | null): SynthPlacement[] {
  const { rnd, birth } = c;
  const count = rnd.weighted([[1, 50], [2, 35], [3, 15]] as const);
  const yearStart = parseIsoDate(c.yearStart);
  let start = rnd.chance(0.15) ? addDays(yearStart, rnd.int(10, 200)) : addDays(yearStart, -rnd.int(1, 4 * 365));
  const earliest = addDays(birth, 60);
  if (start < earliest) start = addDays(earliest, rnd.int(0, 365));
  const minAge = forced ? MIN_AGE[forced] : undefined;
  if (minAge !== undefined && ageAt(birth, start) < minAge) {
    const latest = addDays(parseIsoDate(c.yearEnd), -30);
    const older = addDays(birth, Math.ceil(minAge * 365.25) + rnd.int(0, 200));
    start = older < latest ? older : latest;
  }

  const out: SynthPlacement[] = [];
  let end: Date | null = null;
  for (let i = 0; i < count && start >= earliest; i++) {
    const type = i === 0 && forced ? forced : rnd.weighted(typeWeights(ageAt(birth, start)));
    out.unshift({
      externalId: '',
      type,
      placeName: placeName(c, type),
      // Most placements are with consent (§46); the rest without (§47).
      legalBasis: rnd.chance(0.8) ? 'Barnets lov §46' : 'Barnets lov §47',
      startDate: isoDate(start),
      endDate: end ? isoDate(end) : null,
    });
    end = addDays(start, -1);
    start = addDays(end, -rnd.int(120, 1000));
  }
  out.forEach((p, i) => (p.externalId = `${c.childId}-pl-${i + 1}`));
  return out;
}

const RELATIVES = ['mormor og morfar', 'farmor', 'moster', 'faster', 'morbror', 'en voksen søster', 'farfar og hans kone'];

function placeName(c: CaseInput, type: PlacementType): string {
  const { rnd } = c;
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
      return `Netværksplejefamilie hos ${rnd.pick(RELATIVES)}`;
    case PlacementType.OwnRoom:
      return `${rnd.pick(names.OWN_ROOM_PLACES)}, ${c.municipality.name}`;
  }
}

function person(rnd: Random, lastName?: string): { first: string; last: string } {
  const first = rnd.pick(rnd.chance(0.7) ? names.WOMEN_NAMES : names.MEN_NAMES);
  return { first, last: lastName ?? rnd.pick(names.SURNAMES) };
}

/** Fictitious: Danish subscriber numbers never begin with 0. */
const phone = (rnd: Random) => `0${rnd.int(1, 9)}${pad(rnd.int(0, 999_999), 6)}`;

/**
 * The team around the child: always one caseworker (børne- og ungerådgiver), usually a
 * contact at the place of placement or a foster parent, often a school contact.
 */
export function generateCaseContacts(c: CaseInput, current: SynthPlacement, firstPlacementStart: string, school: SynthSchool, schoolSince: string): SynthCaseContact[] {
  const { rnd } = c;
  const town = names.asciiFold(c.municipality.name);
  const out: SynthCaseContact[] = [];
  const add = (role: CaseContactRole, who: { first: string; last: string }, organisation: string, domain: string, startDate: string) =>
    out.push({
      externalId: `${c.childId}-cc-${out.length + 1}`,
      role,
      name: `${who.first} ${who.last}`,
      organisation,
      email: `${names.asciiFold(who.first)}.${names.asciiFold(who.last)}@${domain}`,
      phone: phone(rnd),
      startDate,
      endDate: null,
    });

  const caseworkerSince = maxIso(firstPlacementStart, isoDate(addDays(parseIsoDate(c.yearStart), -rnd.int(0, 700))));
  add(CaseContactRole.Caseworker, person(rnd), `${kommune(c.municipality.name)}, Børne- og ungerådgivningen`, `${town}.example`, caseworkerSince);

  const family = current.type === PlacementType.FosterFamily || current.type === PlacementType.NetworkFosterFamily;
  if (family && rnd.chance(0.9)) {
    const last = current.type === PlacementType.FosterFamily ? current.placeName.replace('Plejefamilien ', '') : rnd.chance(0.5) ? c.lastName : undefined;
    add(CaseContactRole.FosterParent, person(rnd, last), current.placeName, 'mail.example', current.startDate);
  } else if (!family && rnd.chance(0.85)) {
    // Kontaktperson at the children's home, opholdssted, efterskole or for the own room.
    const org = current.placeName.replace(/,.*$/, '');
    add(CaseContactRole.ChildrensHomeContact, person(rnd), current.placeName, `${names.asciiFold(org)}.example`, current.startDate);
  }
  if (rnd.chance(0.7)) {
    add(CaseContactRole.SchoolContact, person(rnd), school.name, `${names.asciiFold(school.name)}.${town}.example`, schoolSince);
  }
  return out;
}

/** 1–2 custody holders (forældremyndighedsindehavere), adults born about 30–55 years before the school year. */
export function generateCustodyHolders(c: CaseInput): SynthCustodyHolder[] {
  const { rnd } = c;
  const relations = rnd.weighted<SynthCustodyHolder['relation'][]>([
    [['mother', 'father'], 58],
    [['mother'], 30],
    [['father'], 7],
    [['guardian'], 5], // værge, e.g. after both parents lost custody
  ]);
  return relations.map((relation, position) => {
    const male = relation === 'father' || (relation === 'guardian' && rnd.chance(0.4));
    const first = rnd.pick(male ? names.MEN_NAMES : names.WOMEN_NAMES);
    const last = relation !== 'guardian' && rnd.chance(relation === 'father' ? 0.7 : 0.55) ? c.lastName : rnd.pick(names.SURNAMES);
    const year = c.schoolYearStart - 55 + rnd.int(0, 25);
    const birth = birthDateWithResidue(rnd, year, adultBirthResidue(c.index, position));
    return { externalId: `${c.childId}-ch-${position + 1}`, name: `${first} ${last}`, relation, cpr: syntheticCpr(birth, male, c.index) };
  });
}

const INTERVENTION_WEIGHTS: [InterventionKind, number][] = [
  [InterventionKind.SmallGroupTeaching, 25],
  [InterventionKind.ExtraTeacher, 18],
  [InterventionKind.IntensiveCourse, 14],
  [InterventionKind.Mentor, 16],
  [InterventionKind.HomeworkHelp, 17],
  [InterventionKind.Other, 10],
];

const DESCRIPTIONS: Record<InterventionKind, string[]> = {
  [InterventionKind.SmallGroupTeaching]: ['Undervisning i små grupper i dansk og matematik, 4 lektioner om ugen', 'Læsegruppe med 3–5 elever, 3 gange om ugen'],
  [InterventionKind.ExtraTeacher]: ['Ekstra lærer i klassen i dansk og matematik', 'Ressourceperson tilknyttet klassen i 6 timer om ugen'],
  [InterventionKind.IntensiveCourse]: ['Intensivt læringsforløb i matematik over 6 uger', 'Læringscamp i ferien med fokus på læsning'],
  [InterventionKind.Mentor]: ['Fast mentor, ugentlig samtale om skole og fremmøde', 'Voksenmentor med fokus på lektier og trivsel'],
  [InterventionKind.HomeworkHelp]: ['Lektiehjælp på opholdsstedet to eftermiddage om ugen', 'Lektiecafé efter skoletid'],
  [InterventionKind.Other]: ['Samarbejdsmøde skole–anbringelsessted–rådgiver hver 6. uge', 'Tale-høre-støtte via PPR'],
};

function provider(c: CaseInput, kind: InterventionKind, school: SynthSchool): string {
  const m = c.municipality.name;
  switch (kind) {
    case InterventionKind.SmallGroupTeaching:
    case InterventionKind.ExtraTeacher:
      return school.name;
    case InterventionKind.IntensiveCourse:
      return `Læringscamp ${m}`;
    case InterventionKind.Mentor:
      return `Mentorkorpset ${m}`;
    case InterventionKind.HomeworkHelp:
      return c.rnd.pick(['Lektiecaféen Bogormen', school.name]);
    case InterventionKind.Other:
      return `PPR ${m}`;
  }
}

/** About 40 % of children get 1–2 learning interventions during the school year. */
export function generateInterventions(c: CaseInput, school: SynthSchool, forced: InterventionKind | null): SynthIntervention[] {
  const { rnd } = c;
  if (!forced && !rnd.chance(0.37)) return []; // + the quota's 6 % ≈ 40 %
  const count = rnd.chance(0.65) ? 1 : 2;
  const out: SynthIntervention[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i === 0 && forced ? forced : rnd.weighted(INTERVENTION_WEIGHTS);
    const start = addDays(parseIsoDate(c.yearStart), rnd.int(0, 180));
    const end = isoDate(addDays(start, 7 * rnd.int(6, 20)));
    out.push({
      externalId: `${c.childId}-iv-${i + 1}`,
      kind,
      startDate: isoDate(start),
      endDate: end > c.yearEnd || rnd.chance(0.25) ? null : end,
      provider: provider(c, kind, school),
      description: rnd.pick(DESCRIPTIONS[kind]),
    });
  }
  return out;
}
