/**
 * The Danish 7-step scale (7-trinsskalaen). Values are kept exactly as written:
 * "02" and "00" are not the numbers 2 and 0 in display. 02 is the lowest pass.
 */
export const SEVEN_STEP_SCALE = ['12', '10', '7', '4', '02', '00', '-3'] as const;
export type SevenStepGrade = (typeof SEVEN_STEP_SCALE)[number];

export function isSevenStepGrade(value: unknown): value is SevenStepGrade {
  return typeof value === 'string' && (SEVEN_STEP_SCALE as readonly string[]).includes(value);
}

/** Numeric value for averages; display always uses the string form. */
export function gradeNumeric(value: SevenStepGrade): number {
  return Number(value);
}

export enum GradeKind {
  /** Standpunktskarakter. */
  Term = 'term',
  /** Prøvekarakter. */
  Exam = 'exam',
  /** Årskarakter. */
  Year = 'year',
}
