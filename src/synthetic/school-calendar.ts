// Danish school days (skoledage) of one school year. All arithmetic is on UTC dates so
// the local timezone (and summer time) can never shift a day.

const DAY_MS = 86_400_000;

export function utcDate(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day));
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** 'YYYY-MM-DD' of a UTC date. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function parseIsoDate(value: string): Date {
  return new Date(`${value}T00:00:00Z`);
}

/** ISO weekday: Monday 1 … Sunday 7. */
function isoWeekday(date: Date): number {
  return ((date.getUTCDay() + 6) % 7) + 1;
}

/** Monday of ISO week `week` of `year` (week 1 holds the year's first Thursday). */
export function mondayOfIsoWeek(year: number, week: number): Date {
  const jan4 = utcDate(year, 1, 4);
  return addDays(jan4, (week - 1) * 7 - (isoWeekday(jan4) - 1));
}

/** Easter Sunday (Gregorian), the anonymous "Meeus/Jones/Butcher" algorithm. */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDate(year, month, day);
}

function range(from: Date, days: number): Date[] {
  return Array.from({ length: days }, (_, i) => addDays(from, i));
}

/** Days off inside the school year, as 'YYYY-MM-DD'. */
export function schoolHolidays(startYear: number): Set<string> {
  const next = startYear + 1;
  const easter = easterSunday(next);
  const off = [
    ...range(mondayOfIsoWeek(startYear, 42), 5), // efterårsferie
    ...range(utcDate(startYear, 12, 21), 13), // juleferie, 21 Dec – 2 Jan
    ...range(mondayOfIsoWeek(next, 7), 5), // vinterferie
    ...range(addDays(easter, -3), 5), // skærtorsdag – 2. påskedag
    ...range(addDays(easter, 39), 2), // Kristi himmelfartsdag + the "bridge" Friday
    addDays(easter, 50), // 2. pinsedag
    utcDate(next, 6, 5), // grundlovsdag
  ];
  return new Set(off.map(isoDate));
}

/** First day: the second Monday of August (around 11 August). */
export function firstSchoolDay(startYear: number): Date {
  const aug1 = utcDate(startYear, 8, 1);
  return addDays(aug1, ((8 - isoWeekday(aug1)) % 7) + 7);
}

/**
 * Last day: the Friday before the summer holiday, which starts on the last Saturday of
 * June — so the last Friday of June, except when 30 June is a Friday (then the 23rd).
 */
export function lastSchoolDay(startYear: number): Date {
  const jun30 = utcDate(startYear + 1, 6, 30);
  const lastSaturday = addDays(jun30, -((isoWeekday(jun30) - 6 + 7) % 7));
  return addDays(lastSaturday, -1);
}

const cache = new Map<number, readonly string[]>();

/** All school days of the school year starting in August `startYear`, ascending. */
export function schoolDays(startYear: number): readonly string[] {
  const hit = cache.get(startYear);
  if (hit) return hit;
  const holidays = schoolHolidays(startYear);
  const days: string[] = [];
  const last = lastSchoolDay(startYear).getTime();
  for (let d = firstSchoolDay(startYear); d.getTime() <= last; d = addDays(d, 1)) {
    const iso = isoDate(d);
    if (isoWeekday(d) <= 5 && !holidays.has(iso)) days.push(iso);
  }
  const frozen = Object.freeze(days);
  cache.set(startYear, frozen);
  return frozen;
}
