import { AttendanceStatus } from '../schooling/attendance-status';
import { PARTIAL_DAY_NOTES } from './danish-names';
import type { Random } from './random';
import type { SynthAttendanceDay } from './types';

/** Shares of the school year's days, per category. */
export interface AbsenceProfile {
  illness: number;
  authorised: number;
  unauthorised: number;
  partial: number;
}

/**
 * `strain` (uniform in [0, 1)) ranks the child in the population. Placed children are absent
 * far more than others (DOMAIN.md): the top 10 % get more than 15 % unauthorised absence
 * (ulovligt fravær) over the year and the next 10 % 10–15 %, so about a fifth cross the 10 %
 * line. The bands keep clear of 10 % and 15 % so rounding to whole days cannot cross them.
 */
export function absenceProfile(rnd: Random, strain: number): AbsenceProfile {
  let unauthorised: number;
  if (strain >= 0.9) unauthorised = 0.155 + 0.2 * rnd.float() ** 1.5;
  else if (strain >= 0.8) unauthorised = rnd.between(0.105, 0.145);
  else if (strain >= 0.5) unauthorised = rnd.between(0.03, 0.095);
  else unauthorised = rnd.between(0, 0.03);
  return {
    unauthorised,
    illness: Math.min(0.14, Math.max(0.005, rnd.normal(0.04 + 0.03 * strain, 0.02))),
    authorised: rnd.chance(0.85) ? rnd.between(0.01, 0.03) : rnd.between(0.03, 0.06),
    partial: rnd.between(0.01, 0.03),
  };
}

const PRESENT = 0;
const CODES = [AttendanceStatus.Present, AttendanceStatus.Illness, AttendanceStatus.Authorised, AttendanceStatus.Unauthorised, AttendanceStatus.Partial];

/**
 * One whole-day registration per school day. Day counts match the profile exactly (rounded);
 * absence comes in runs, and unauthorised absence bunches around one period of the year, so
 * quarterly rates (which the 10 %/15 % rules look at) vary more than the yearly one.
 */
export function generateAttendance(rnd: Random, childId: string, days: readonly string[], p: AbsenceProfile): SynthAttendanceDay[] {
  const n = days.length;
  const codes = new Uint8Array(n);
  const count = (share: number) => Math.round(share * n);
  const focus = { center: rnd.int(0, n - 1), sd: n / 8, share: 0.6 };
  placeRuns(rnd, codes, 3, count(p.unauthorised), p.unauthorised > 0.1 ? 3.5 : 2, focus);
  placeRuns(rnd, codes, 1, count(p.illness), 2.2, null);
  placeRuns(rnd, codes, 2, count(p.authorised), 1.8, null);
  placeRuns(rnd, codes, 4, count(p.partial), 1, null);

  const out = new Array<SynthAttendanceDay>(n);
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    out[i] = {
      externalId: `${childId}-att-${days[i]}`,
      date: days[i],
      status: CODES[code],
      note: code === 4 ? rnd.pick(PARTIAL_DAY_NOTES) : null,
    };
  }
  return out;
}

interface Focus {
  center: number;
  sd: number;
  share: number;
}

/** Marks exactly `count` free days with `code`, in runs of mean length `meanRun`. */
function placeRuns(rnd: Random, codes: Uint8Array, code: number, count: number, meanRun: number, focus: Focus | null): void {
  const n = codes.length;
  let placed = 0;
  for (let attempt = 0; placed < count && attempt < count * 20; attempt++) {
    const length = Math.min(count - placed, runLength(rnd, meanRun));
    const start =
      focus && rnd.chance(focus.share)
        ? Math.min(n - 1, Math.max(0, Math.round(rnd.normal(focus.center, focus.sd))))
        : rnd.int(0, n - 1);
    for (let d = start; d < n && d < start + length && codes[d] === PRESENT; d++) {
      codes[d] = code;
      placed++;
    }
  }
  // Crowded year: fill what is left from a random offset so the count stays exact.
  for (let d = rnd.int(0, n - 1), seen = 0; placed < count && seen < n; d = (d + 1) % n, seen++) {
    if (codes[d] === PRESENT) {
      codes[d] = code;
      placed++;
    }
  }
}

/** Geometric run length ≥ 1 with the given mean, capped at three school weeks. */
function runLength(rnd: Random, mean: number): number {
  if (mean <= 1) return 1;
  const p = 1 / mean;
  return Math.min(15, 1 + Math.floor(Math.log(1 - rnd.float()) / Math.log(1 - p)));
}
