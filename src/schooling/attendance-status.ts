/**
 * Daily attendance, for the whole day, in the Danish categories: present, illness
 * (sygefravær), authorised absence (fravær med tilladelse) and unauthorised absence
 * (ulovligt fravær). A partial day (late, left early) counts as present, with a note.
 */
export enum AttendanceStatus {
  Present = 'present',
  Illness = 'illness',
  Authorised = 'authorised',
  Unauthorised = 'unauthorised',
  Partial = 'partial',
}
