const copenhagenDate = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen' });

/** Today's date in Denmark as YYYY-MM-DD (school days and placements are Danish calendar dates). */
export function todayInDenmark(now: Date = new Date()): string {
  return copenhagenDate.format(now);
}
