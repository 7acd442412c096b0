import { asciiFold } from './danish-names';
import type { Random } from './random';
import { addDays, utcDate } from './school-calendar';

// Synthetic identifiers that are unique by construction, not by a lookup table, so every
// child can be generated on its own (prefix-stable, lazily) without repeats.
//
// A CPR serial (løbenummer) has 6 valid 7th digits × 100 middle values × 5 last digits
// of the right parity = 3000 slots per birth date and sex. A child's slot is a
// permutation of its index; which 3000-block the index is in chooses the birthday's
// residue mod 32 within the year, so two children with the same date are in the same
// block and so in different slots.

const SLOTS = 3000;
const RESIDUES = 32;
/** Adults use half the residues per custody-holder position (two holders per child). */
export const MAX_CHILDREN = (SLOTS * RESIDUES) / 2;

/** Valid 7th CPR digits for a birth year, by the century rules of the CPR system. */
export function centuryDigits(year: number): number[] {
  const yy = year % 100;
  if (year >= 1900 && year <= 1999) return yy >= 37 ? [0, 1, 2, 3, 4, 9] : [0, 1, 2, 3];
  if (year >= 2000 && year <= 2036) return [4, 5, 6, 7, 8, 9];
  if (year >= 2037 && year <= 2057) return [5, 6, 7, 8];
  throw new RangeError(`no CPR century digits for birth year ${year}`);
}

/** The birthday residue (day-of-year mod 32) for a child's CPR. */
export function childBirthResidue(index: number): number {
  return Math.floor(index / SLOTS) % RESIDUES;
}

/** The birthday residue for custody holder `position` (0 or 1) of child `index`. */
export function adultBirthResidue(index: number, position: number): number {
  return (Math.floor(index / SLOTS) * 2 + position) % RESIDUES;
}

/** A random day of `year` whose day-of-year (0-based) ≡ residue (mod 32). */
export function birthDateWithResidue(rnd: Random, year: number, residue: number): Date {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxStep = Math.floor(((leap ? 365 : 364) - residue) / RESIDUES);
  return addDays(utcDate(year, 1, 1), residue + RESIDUES * rnd.int(0, maxStep));
}

/**
 * 'DDMMYY-SSSS' with DD = day of month + 60, so it can never be a real person's number.
 * `key` (the child's index) picks the serial slot; last digit odd for men, even for women.
 */
export function syntheticCpr(birth: Date, male: boolean, key: number): string {
  const digits = centuryDigits(birth.getUTCFullYear());
  if (digits.length * 500 !== SLOTS) throw new RangeError(`birth year ${birth.getUTCFullYear()} outside the supported span`);
  const slot = ((key % SLOTS) * 1777 + 911) % SLOTS; // 1777 is coprime to 3000: a bijection
  const last = (slot % 5) * 2 + (male ? 1 : 0);
  const middle = Math.floor(slot / 5) % 100;
  const seventh = digits[Math.floor(slot / 500)];
  const dd = birth.getUTCDate() + 60;
  const mm = pad(birth.getUTCMonth() + 1, 2);
  const yy = pad(birth.getUTCFullYear() % 100, 2);
  return `${dd}${mm}${yy}-${seventh}${pad(middle, 2)}${last}`;
}

/** UNI-Login-like id: 3 letters of the first name + 5 digits, a bijection of the index. */
export function uniLoginId(firstName: string, index: number): string {
  const letters = (asciiFold(firstName).replace(/[^a-z]/g, '') + 'xxx').slice(0, 3);
  return letters + pad((index * 7919 + 40503) % 100_000, 5); // 7919 is coprime to 10^5
}

/** Institutionsnummer: 9 + kommunekode + serial, unique when municipality codes are. */
export function institutionNumber(municipalityCode: string, serial: number): string {
  return `9${municipalityCode}${pad(serial, 2)}`;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
