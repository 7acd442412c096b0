import { asciiFold, BOY_NAMES, GIRL_NAMES, SURNAMES } from './danish-names';
import { pad, syntheticCpr, uniLoginId } from './identifiers';
import { Random } from './random';
import { addDays, isoDate, parseIsoDate, utcDate } from './school-calendar';
import type { SynthChild, SynthSchool } from './types';
import type { MatchPupil } from '../identity/matching/types';

// School-system pupil records derived from a synthetic population, with the noise real
// sources have, for testing and benchmarking identity matching. Deterministic from the seed.
//
// Out come (1) the hub's view of its children — the population's children plus, for some, a
// twin who is also placed — with what the hub already knows about each (CPR hash, sometimes a
// school, sometimes a UNI-Login id linked by another source), and (2) the pupils of one
// school source, shuffled: most hub children once, with noise; twins; namesakes; and many
// pupils who are not hub children at all. Every pupil carries its ground truth (`truth`),
// for tests only — a matcher must never read it.
//
// Noise on a hub child's pupil record: a one-letter typo in a name, a missing birth date,
// first and last name swapped, æ/ø/å written ae/oe/aa (or aa as å), Danish letters stripped
// (ø → o), an extra middle name, a double surname hyphenated instead of split (or the reverse)
// or its first part dropped, a birth date off by a day or with day and month swapped, the
// name in capitals, and a child who moved to a school in another municipality.
//
// One constraint: a pupil who is not a hub child is never a near-doppelgänger of one — same
// birth date and either the same call name and family name in the same municipality, or at
// the same school with call name and a surname each at most one letter off. Without CPR or
// UNI-Login no matcher can tell such a pupil from the child, and with this generator's small
// name pool (about 120 first names, 90 surnames, and birth dates only every 32nd day within a
// block of children — see identifiers.ts) they would be far more frequent than in Denmark.
// Deliberate namesakes (same name and birth date, another municipality) are generated instead:
// they must never be linked automatically. Pupils who share a surname and birthday with a hub
// child, or have the same name with another birthday, are left in: the matcher must tell them apart.

/** The parts of a synthetic child used here; pass stripped objects to save memory. */
export type HubChildSource = Pick<
  SynthChild,
  'index' | 'externalId' | 'municipalityCode' | 'cpr' | 'uniLoginId' | 'firstName' | 'lastName' | 'birthDate' | 'sex' | 'enrollments'
>;

export type NoiseKind =
  | 'typo'
  | 'missing_birth_date'
  | 'name_order_swapped'
  | 'danish_letters_respelled'
  | 'danish_letters_stripped'
  | 'middle_name_added'
  | 'surname_part_dropped'
  | 'surname_hyphen_toggled'
  | 'birth_date_typo'
  | 'upper_case'
  | 'moved_school_and_municipality'
  | 'carries_cpr'
  /** The pupil is one of twins (same birth date, school and surname, different first names). */
  | 'twin'
  /** Not a hub child, but the same name and birth date as one, in another municipality. */
  | 'namesake'
  | 'not_in_hub';

export interface NoiseRates {
  /** A hub child appears in the school source (twins always do). */
  inSource: number;
  /** A population child gets a twin at the same school. */
  twin: number;
  /** The twin is placed too (a hub child); otherwise only a pupil. */
  twinInHub: number;
  /** Per hub child: a non-hub namesake in another municipality. */
  namesake: number;
  /** A pupil record carries a CPR hash (twins' records never do). */
  pupilCpr: number;
  /** The hub already knows the child's school. */
  knownSchool: number;
  /** The hub already has the child's UNI-Login id linked by another source (never for twins). */
  linkedUniLogin: number;
  typo: number;
  missingBirthDate: number;
  nameOrderSwap: number;
  respell: number;
  asciiStrip: number;
  middleNameAdded: number;
  /** Of double surnames. */
  surnamePartDropped: number;
  /** Of double surnames. */
  hyphenToggled: number;
  birthDateTypo: number;
  upperCase: number;
  moved: number;
}

export const DEFAULT_NOISE: NoiseRates = {
  inSource: 0.92,
  twin: 0.02,
  twinInHub: 0.5,
  namesake: 0.005,
  pupilCpr: 0.25,
  knownSchool: 0.4,
  linkedUniLogin: 0.25,
  typo: 0.08,
  missingBirthDate: 0.05,
  nameOrderSwap: 0.03,
  respell: 0.3,
  asciiStrip: 0.05,
  middleNameAdded: 0.1,
  surnamePartDropped: 0.2,
  hyphenToggled: 0.4,
  birthDateTypo: 0.03,
  upperCase: 0.05,
  moved: 0.015,
};

export interface NoisyPupilOptions {
  seed: number;
  /** The population's children (a prefix is fine), in index order. */
  children: readonly HubChildSource[];
  /** All schools of the population. */
  schools: readonly SynthSchool[];
  /** Total pupil records; default 4 per child. Raised to the number derived from hub children if smaller. */
  pupils?: number;
  /** CPR → keyed hash (the hub's cprHmac); clear CPR numbers never leave this module. */
  hashCpr: (cpr: string) => string;
  /** School year the pupils' ages refer to; default 2025 (2025/26). */
  schoolYearStart?: number;
  sourceId?: string;
  rates?: Partial<NoiseRates>;
}

/** A hub child as the matcher sees it (structurally a MatchChild) plus its truth. */
export interface HubChildIdentity {
  /** Position in hubChildren: the population's children first, then the placed twins. */
  index: number;
  /** Case-system id. */
  id: string;
  cprHmac: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: 'female' | 'male';
  municipalityCode: string;
  /** Schools the hub knows for the child (empty when it knows none). */
  institutionNumbers: string[];
  /** UNI-Login ids already linked to the child by another source. */
  uniLoginIds: string[];
  truth: {
    uniLoginId: string;
    institutionNumber: string;
    /** One of twins (the other is a hub child too when twinIndex is set, else only a pupil). */
    hasTwin: boolean;
    twinIndex: number | null;
  };
}

/** A pupil record of the school source plus its truth. */
export interface NoisyPupil extends MatchPupil {
  /** Ground truth, for tests only. */
  truth: { childIndex: number | null; noise: NoiseKind[] };
}

export interface NoisyPopulation {
  hubChildren: HubChildIdentity[];
  pupils: NoisyPupil[];
}

/** Invented-but-common extra names for pupils who are not hub children (a wider population). */
const EXTRA_GIRL_NAMES = [
  'Mille', 'Sara', 'Andrea', 'Victoria', 'Caroline', 'Julie', 'Marie', 'Lea', 'Nanna', 'Rosa', 'Filippa', 'Dagmar',
  'Elvira', 'Hannah', 'Lily', 'Aya', 'Ronja', 'Selma', 'Tilde', 'Merle', 'Kamma', 'Bertha', 'Gry', 'Åse',
];
const EXTRA_BOY_NAMES = [
  'Alexander', 'Christian', 'Felix', 'Philip', 'Adam', 'Liam', 'Milas', 'Walther', 'Bastian', 'Nohr', 'Sander', 'Eigil',
  'Kristian', 'Ludvig', 'Konrad', 'Balder', 'Thor', 'Halfdan', 'Søren', 'Esben', 'Troels', 'Ebbe', 'Gustav', 'Niels',
];
const EXTRA_SURNAMES = [
  'Kjeldsen', 'Bundgaard', 'Overgaard', 'Nygaard', 'Bjerre', 'Krog', 'Lindholm', 'Brandt', 'Iversen', 'Simonsen',
  'Svendsen', 'Laursen', 'Dalsgaard', 'Hedegaard', 'Enevoldsen', 'Toft', 'Bro', 'Kirkegaard', 'Vinther', 'Fisker',
  'Gregersen', 'Mathiesen', 'Storgaard', 'Hald', 'Koch', 'Ahmed', 'Ali', 'Yilmaz', 'Nowak', 'Hussein',
  'Søndergaard', 'Nørgaard', 'Kjærgaard', 'Sand Hansen', 'Bøgh-Andersen', 'Lykke Jensen',
];

const TWIN_STREAM = 0x7 << 20;
const NOISE_STREAM = 0x8 << 20;
const EXTRA_STREAM = 0x9 << 20;
const SHUFFLE_STREAM = 0xa << 20;
const HUB_STREAM = 0xb << 20;
/** UNI-Login ids are a bijection of a key below 10^5 (identifiers.ts). */
const UNI_KEYS = 100_000;

export function generateNoisyPupils(opts: NoisyPupilOptions): NoisyPopulation {
  const rates: NoiseRates = { ...DEFAULT_NOISE, ...opts.rates };
  const sourceId = opts.sourceId ?? 'school-source';
  const startYear = opts.schoolYearStart ?? 2025;
  const schoolByExternalId = new Map(opts.schools.map((s) => [s.externalId, s]));
  const schoolsOf = new Map<string, SynthSchool[]>();
  for (const s of opts.schools) schoolsOf.set(s.municipalityCode, [...(schoolsOf.get(s.municipalityCode) ?? []), s]);
  const municipalities = [...schoolsOf.keys()];
  const usedCpr = new Set<string>(opts.children.map((c) => c.cpr));
  let nextKey = opts.children.reduce((m, c) => Math.max(m, c.index + 1), 0);
  const takeKey = () => {
    if (nextKey >= UNI_KEYS) throw new RangeError(`at most ${UNI_KEYS} children and extra pupils together (UNI-Login id space)`);
    return nextKey++;
  };
  const freshCpr = (birthDate: string, male: boolean, start: number): string => {
    for (let k = start; k < start + 3000; k++) {
      const cpr = syntheticCpr(parseIsoDate(birthDate), male, k);
      if (!usedCpr.has(cpr)) {
        usedCpr.add(cpr);
        return cpr;
      }
    }
    throw new Error('no free synthetic CPR serial for a birth date');
  };

  // ── Hub children, and twins ──
  interface Hub extends HubChildIdentity {
    sourceCpr: string;
  }
  const hub: Hub[] = [];
  const twinPupilSeeds: { sibling: Hub; twin: Omit<Hub, 'index'>; inHub: boolean }[] = [];
  for (const c of opts.children) {
    const current = c.enrollments[c.enrollments.length - 1];
    const school = schoolByExternalId.get(current.schoolExternalId);
    if (!school) throw new Error(`unknown school ${current.schoolExternalId}`);
    hub.push({
      index: hub.length,
      id: c.externalId,
      cprHmac: opts.hashCpr(c.cpr),
      sourceCpr: c.cpr,
      firstName: c.firstName,
      lastName: c.lastName,
      birthDate: c.birthDate,
      sex: c.sex,
      municipalityCode: c.municipalityCode,
      institutionNumbers: [],
      uniLoginIds: [],
      truth: { uniLoginId: c.uniLoginId, institutionNumber: school.institutionNumber, hasTwin: false, twinIndex: null },
    });
  }
  const populationSize = hub.length;
  for (let i = 0; i < populationSize; i++) {
    const sibling = hub[i];
    const rnd = new Random(opts.seed, TWIN_STREAM, i);
    if (!rnd.chance(rates.twin)) continue;
    const sex = rnd.chance(0.5) ? sibling.sex : sibling.sex === 'male' ? 'female' : 'male';
    const pool = (sex === 'male' ? BOY_NAMES : GIRL_NAMES).filter((n) => asciiFold(n) !== asciiFold(sibling.firstName));
    const firstName = rnd.pick(pool);
    const key = takeKey();
    const cpr = freshCpr(sibling.birthDate, sex === 'male', key);
    const twin: Omit<Hub, 'index'> = {
      id: `${sibling.id}-twin`,
      cprHmac: opts.hashCpr(cpr),
      sourceCpr: cpr,
      firstName,
      lastName: sibling.lastName,
      birthDate: sibling.birthDate,
      sex,
      municipalityCode: sibling.municipalityCode,
      institutionNumbers: [],
      uniLoginIds: [],
      truth: { uniLoginId: uniLoginId(firstName, key), institutionNumber: sibling.truth.institutionNumber, hasTwin: true, twinIndex: i },
    };
    const inHub = rnd.chance(rates.twinInHub);
    sibling.truth.hasTwin = true;
    twinPupilSeeds.push({ sibling, twin, inHub });
  }
  for (const t of twinPupilSeeds) {
    if (!t.inHub) continue;
    const index = hub.length;
    hub.push({ ...t.twin, index });
    t.sibling.truth.twinIndex = index;
  }
  const hasTwin = (h: Hub) => h.truth.hasTwin;
  // What the hub already knows (never a linked UNI-Login for twins: they must take the probabilistic path).
  for (const h of hub) {
    const rnd = new Random(opts.seed, HUB_STREAM, h.index);
    if (rnd.chance(rates.knownSchool)) h.institutionNumbers.push(h.truth.institutionNumber);
    if (!hasTwin(h) && rnd.chance(rates.linkedUniLogin)) h.uniLoginIds.push(h.truth.uniLoginId);
  }

  // ── Pupils of hub children ──
  const pupils: NoisyPupil[] = [];
  const schoolByInstitution = new Map(opts.schools.map((s) => [s.institutionNumber, s]));
  for (const h of hub) {
    const rnd = new Random(opts.seed, NOISE_STREAM, h.index);
    const twin = hasTwin(h);
    if (!twin && !rnd.chance(rates.inSource)) continue;
    const school = schoolByInstitution.get(h.truth.institutionNumber)!;
    pupils.push(noisyPupil(rnd, rates, { ...h, cpr: h.sourceCpr, school, uniLoginId: h.truth.uniLoginId }, h.index, twin, sourceId, opts, schoolsOf, municipalities));
  }
  // Twins who are not hub children are still pupils.
  for (const t of twinPupilSeeds) {
    if (t.inHub) continue;
    const rnd = new Random(opts.seed, NOISE_STREAM, UNI_KEYS + t.sibling.index);
    const school = schoolByInstitution.get(t.twin.truth.institutionNumber)!;
    const p = noisyPupil(rnd, rates, { ...t.twin, cpr: t.twin.sourceCpr, school, uniLoginId: t.twin.truth.uniLoginId }, null, true, sourceId, opts, schoolsOf, municipalities);
    p.truth.noise.push('not_in_hub');
    pupils.push(p);
  }

  // ── Pupils who are not hub children ──
  // Near-doppelgängers of hub children (see the top of this file): same birth date and
  // (a) the same call name and family name in the same municipality, or (b) at the same school,
  // call name and a surname each at most one letter off (or spelled alike).
  const byBirthAndMunicipality = new Map<string, Hub[]>();
  for (const h of hub) {
    const k = `${h.birthDate}|${h.municipalityCode}`;
    byBirthAndMunicipality.set(k, [...(byBirthAndMunicipality.get(k) ?? []), h]);
  }
  const isDoppelganger = (first: string, last: string, birthDate: string, school: SynthSchool) => {
    const f = nameParts(first)[0];
    const s = nameParts(last);
    return (byBirthAndMunicipality.get(`${birthDate}|${school.municipalityCode}`) ?? []).some((h) => {
      const hf = nameParts(h.firstName)[0];
      const hs = nameParts(h.lastName);
      if (hf === f && hs[hs.length - 1] === s[s.length - 1]) return true;
      return h.truth.institutionNumber === school.institutionNumber && similarName(hf, f) && hs.some((x) => s.some((y) => similarName(x, y)));
    });
  };

  // Deliberate namesakes in another municipality.
  for (const h of hub.slice(0, populationSize)) {
    const rnd = new Random(opts.seed, EXTRA_STREAM, UNI_KEYS + h.index);
    if (municipalities.length < 2 || !rnd.chance(rates.namesake)) continue;
    const municipality = rnd.pick(municipalities.filter((m) => m !== h.municipalityCode));
    const school = rnd.pick(schoolsOf.get(municipality)!);
    if (isDoppelganger(h.firstName, h.lastName, h.birthDate, school)) continue;
    const key = takeKey();
    const carriesCpr = rnd.chance(rates.pupilCpr);
    pupils.push({
      sourceId,
      externalId: '',
      cprHmac: carriesCpr ? opts.hashCpr(freshCpr(h.birthDate, h.sex === 'male', key)) : null,
      uniLoginId: uniLoginId(h.firstName, key),
      firstName: h.firstName,
      lastName: h.lastName,
      birthDate: h.birthDate,
      institutionNumber: school.institutionNumber,
      municipalityCode: municipality,
      truth: { childIndex: null, noise: carriesCpr ? ['namesake', 'not_in_hub', 'carries_cpr'] : ['namesake', 'not_in_hub'] },
    });
  }

  const total = Math.max(opts.pupils ?? populationSize * 4, pupils.length);
  for (let j = 0; pupils.length < total; j++) {
    const rnd = new Random(opts.seed, EXTRA_STREAM, j);
    const sex = rnd.chance(0.51) ? 'male' : 'female';
    const firstPool = sex === 'male' ? [...BOY_NAMES, ...EXTRA_BOY_NAMES] : [...GIRL_NAMES, ...EXTRA_GIRL_NAMES];
    const school = rnd.pick(opts.schools);
    const gradeLevel = rnd.int(0, 10);
    const year = startYear - 6 - gradeLevel - (rnd.chance(0.07) ? 1 : 0);
    let firstName = rnd.pick(firstPool);
    let lastName = rnd.pick([...SURNAMES, ...EXTRA_SURNAMES]);
    let birthDate = isoDate(addDays(utcDate(year, 1, 1), rnd.int(0, 364)));
    for (let tries = 0; isDoppelganger(firstName, lastName, birthDate, school); tries++) {
      if (tries > 50) throw new Error('could not draw a pupil who is not a doppelgänger of a hub child');
      firstName = rnd.pick(firstPool);
      lastName = rnd.pick([...SURNAMES, ...EXTRA_SURNAMES]);
      birthDate = isoDate(addDays(utcDate(year, 1, 1), rnd.int(0, 364)));
    }
    const key = takeKey();
    const noise: NoiseKind[] = ['not_in_hub'];
    let cprHmac: string | null = null;
    if (rnd.chance(rates.pupilCpr)) {
      cprHmac = opts.hashCpr(freshCpr(birthDate, sex === 'male', key));
      noise.push('carries_cpr');
    }
    const middle = rnd.chance(0.1) ? ` ${rnd.pick(firstPool.filter((n) => n !== firstName))}` : '';
    pupils.push({
      sourceId,
      externalId: '',
      cprHmac,
      uniLoginId: uniLoginId(firstName, key),
      firstName: firstName + middle,
      lastName,
      birthDate: rnd.chance(rates.missingBirthDate) ? null : birthDate,
      institutionNumber: school.institutionNumber,
      municipalityCode: school.municipalityCode,
      truth: { childIndex: null, noise },
    });
  }

  // Shuffle so record order tells nothing, then number the records.
  const shuffled = new Random(opts.seed, SHUFFLE_STREAM).shuffle(pupils);
  shuffled.forEach((p, i) => (p.externalId = `pupil-${pad(i + 1, 6)}`));
  return { hubChildren: hub.map(({ sourceCpr: _cpr, ...h }) => h), pupils: shuffled };
}

interface TruePerson {
  cpr: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: 'female' | 'male';
  uniLoginId: string;
  school: SynthSchool;
}

function noisyPupil(
  rnd: Random,
  r: NoiseRates,
  person: TruePerson,
  childIndex: number | null,
  twin: boolean,
  sourceId: string,
  opts: NoisyPupilOptions,
  schoolsOf: Map<string, SynthSchool[]>,
  municipalities: string[],
): NoisyPupil {
  const noise: NoiseKind[] = twin ? ['twin'] : [];
  let first = person.firstName;
  let last = person.lastName;
  let birthDate: string | null = person.birthDate;
  let school = person.school;
  // Twins keep name and birth date structure intact (no typo, swap or date noise): the test
  // needs them recognisable as twins; a twin is the case a matcher must never guess.
  if (/[ -]/.test(last)) {
    if (rnd.chance(r.surnamePartDropped)) {
      last = last.split(/[ -]/).pop()!;
      noise.push('surname_part_dropped');
    } else if (rnd.chance(r.hyphenToggled)) {
      last = last.includes('-') ? last.replace('-', ' ') : last.replace(' ', '-');
      noise.push('surname_hyphen_toggled');
    }
  }
  if (rnd.chance(r.middleNameAdded)) {
    const pool = person.sex === 'male' ? BOY_NAMES : GIRL_NAMES;
    first = `${first} ${rnd.pick(pool.filter((n) => n !== first))}`;
    noise.push('middle_name_added');
  }
  if (rnd.chance(r.asciiStrip) && /[æøåÆØÅ]/.test(first + last)) {
    [first, last] = [stripDanish(first), stripDanish(last)];
    noise.push('danish_letters_stripped');
  } else if (rnd.chance(r.respell) && /[æøåÆØÅ]|aa|Aa/.test(first + last)) {
    [first, last] = [respell(first), respell(last)];
    noise.push('danish_letters_respelled');
  }
  if (!twin && rnd.chance(r.typo)) {
    if (rnd.chance(0.5)) first = typo(rnd, first);
    else last = typo(rnd, last);
    noise.push('typo');
  }
  if (rnd.chance(r.upperCase)) {
    [first, last] = [first.toUpperCase(), last.toUpperCase()];
    noise.push('upper_case');
  }
  if (!twin && rnd.chance(r.nameOrderSwap)) {
    [first, last] = [last, first];
    noise.push('name_order_swapped');
  }
  if (!twin && rnd.chance(r.missingBirthDate)) {
    birthDate = null;
    noise.push('missing_birth_date');
  } else if (!twin && rnd.chance(r.birthDateTypo)) {
    birthDate = birthDateTypo(rnd, person.birthDate);
    noise.push('birth_date_typo');
  }
  if (!twin && municipalities.length > 1 && rnd.chance(r.moved)) {
    const other = rnd.pick(municipalities.filter((m) => m !== school.municipalityCode));
    school = rnd.pick(schoolsOf.get(other)!);
    noise.push('moved_school_and_municipality');
  }
  let cprHmac: string | null = null;
  if (!twin && rnd.chance(r.pupilCpr)) {
    cprHmac = opts.hashCpr(person.cpr);
    noise.push('carries_cpr');
  }
  return {
    sourceId,
    externalId: '',
    cprHmac,
    uniLoginId: person.uniLoginId,
    firstName: first,
    lastName: last,
    birthDate,
    institutionNumber: school.institutionNumber,
    municipalityCode: school.municipalityCode,
    truth: { childIndex, noise },
  };
}

const DANISH_DIGRAPHS: Record<string, string> = { æ: 'ae', ø: 'oe', å: 'aa', Æ: 'Ae', Ø: 'Oe', Å: 'Aa' };
const DANISH_STRIPPED: Record<string, string> = { æ: 'ae', ø: 'o', å: 'a', Æ: 'Ae', Ø: 'O', Å: 'A' };

/** "Sørensen" → "Soerensen", "Østergaard" → "Oestergaard"; with no Danish letters, "Aase" → "Åse". */
function respell(name: string): string {
  if (/[æøåÆØÅ]/.test(name)) return name.replace(/[æøåÆØÅ]/g, (ch) => DANISH_DIGRAPHS[ch]);
  return name.replace(/^Aa/, 'Å').replace(/aa/g, 'å');
}

/** An ASCII-only system: "Sørensen" → "Sorensen", "Lærke" → "Laerke". */
function stripDanish(name: string): string {
  return name.replace(/[æøåÆØÅ]/g, (ch) => DANISH_STRIPPED[ch]);
}

const TYPO_LETTERS = 'abcdefghijklmnoprstuvy';

/** One edit: substitution, deletion, insertion or swap of neighbours, never the first letter. */
function typo(rnd: Random, name: string): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const letters = [...name];
    if (letters.length < 3) return name + rnd.pick([...TYPO_LETTERS]);
    const i = rnd.int(1, letters.length - 1);
    if (!/\p{L}/u.test(letters[i])) continue;
    const op = rnd.int(0, 3);
    if (op === 0) letters[i] = rnd.pick([...TYPO_LETTERS]);
    else if (op === 1) letters.splice(i, 1);
    else if (op === 2) letters.splice(i, 0, rnd.pick([...TYPO_LETTERS]));
    else if (i + 1 < letters.length && /\p{L}/u.test(letters[i + 1])) [letters[i], letters[i + 1]] = [letters[i + 1], letters[i]];
    const out = letters.join('');
    if (out !== name && out.toLowerCase() !== name.toLowerCase()) return out;
  }
  return name + 'e';
}

function birthDateTypo(rnd: Random, date: string): string {
  const [y, m, d] = date.split('-');
  if (rnd.chance(0.4) && Number(d) <= 12 && d !== m) return `${y}-${d}-${m}`;
  return isoDate(addDays(parseIsoDate(date), rnd.chance(0.5) ? 1 : -1));
}

/** Folded name tokens with Danish letters reduced to one spelling: "Søren-Åge" → ["soren", "age"]. */
function nameParts(name: string): string[] {
  return asciiFold(name)
    .split('-')
    .map((t) => t.replace(/aa/g, 'a').replace(/oe/g, 'o').replace(/ae/g, 'e'));
}

/** Name tokens one letter apart or spelled alike (Christian/Kristian, Carl/Karl). */
function similarName(a: string, b: string): boolean {
  const crude = (x: string) => x.replace(/ch/g, 'k').replace(/c/g, 'k').replace(/(.)\1+/g, '$1').replace(/h/g, '');
  return withinOneEdit(a, b) || crude(a) === crude(b);
}

function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff = [...a].map((ch, i) => (ch === b[i] ? -1 : i)).filter((i) => i >= 0);
    return diff.length === 1 || (diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]);
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  for (let i = 0; i < l.length; i++) if (l.slice(0, i) + l.slice(i + 1) === s) return true;
  return false;
}
