import { GradeKind, SEVEN_STEP_SCALE, type SevenStepGrade } from '../schooling/grade-scale';
import { WellbeingIndicator } from '../schooling/wellbeing.entity';
import { asciiFold } from './danish-names';
import type { Random } from './random';
import type { SynthGrade, SynthWellbeing } from './types';

const CORE = ['Dansk', 'Matematik', 'Engelsk'];
const SUBJECTS_8_9 = [...CORE, 'Tysk', 'Fysik/kemi', 'Biologi', 'Geografi', 'Historie', 'Samfundsfag', 'Kristendomskundskab'];
/** FP9: Danish, maths, English and the joint science exam, plus a drawn humanities subject. */
const FP9_FIXED = ['Dansk', 'Matematik', 'Engelsk', 'Fællesfaglig naturfag'];
const FP9_DRAWN = ['Historie', 'Samfundsfag', 'Kristendomskundskab'];

/**
 * A standard-normal latent mapped to the 7-step scale. The cut points give placed children's
 * distribution, lower than the average pupil's (DOMAIN.md: mean about 5.7 against 8):
 * -3 3 %, 00 7 %, 02 14 %, 4 23 %, 7 27 %, 10 18 %, 12 8 %.
 */
const CUTS: [number, SevenStepGrade][] = [
  [-1.881, '-3'],
  [-1.2816, '00'],
  [-0.7063, '02'],
  [-0.0753, '4'],
  [0.6433, '7'],
  [1.4051, '10'],
];
function toGrade(latent: number): SevenStepGrade {
  for (const [cut, grade] of CUTS) if (latent < cut) return grade;
  return SEVEN_STEP_SCALE[0];
}

/** School days on which each kind of grade can be given. */
export interface GradingCalendar {
  schoolYear: string;
  decemberTerm: readonly string[];
  juneTerm: readonly string[];
  yearGrades: readonly string[];
  writtenExams: readonly string[];
  oralExams: readonly string[];
}

export function gradingCalendar(days: readonly string[], startYear: number, schoolYear: string): GradingCalendar {
  const spring = startYear + 1;
  const window = (from: string, to: string) => {
    const found = days.filter((d) => d >= from && d <= to);
    return found.length ? found : [days.find((d) => d >= from) ?? days[days.length - 1]];
  };
  return {
    schoolYear,
    decemberTerm: window(`${startYear}-12-01`, `${startYear}-12-19`),
    juneTerm: window(`${spring}-06-01`, `${spring}-06-12`),
    yearGrades: window(`${spring}-06-15`, `${spring}-06-30`),
    writtenExams: window(`${spring}-05-04`, `${spring}-05-15`),
    oralExams: window(`${spring}-06-01`, `${spring}-06-24`),
  };
}

/**
 * Term grades (standpunktskarakterer) in December and June for grades 8–10, year grades
 * (årskarakterer) in June for 8–9, and FP9 exam grades — which, as for placed children in
 * reality, only about half sit in full; children under more strain sit fewer.
 */
export function generateGrades(rnd: Random, childId: string, gradeLevel: number, strain: number, cal: GradingCalendar): SynthGrade[] {
  if (gradeLevel < 8) return [];
  const ability = rnd.normal(0, 0.78) - 0.6 * (strain - 0.5);
  const subjects = gradeLevel <= 9 ? SUBJECTS_8_9 : CORE.concat(SUBJECTS_8_9.slice(3, 5).filter(() => rnd.chance(0.4)));
  const subjectLevel = new Map(subjects.map((s) => [s, ability + rnd.normal(0, 0.35)]));
  const level = (subject: string) => subjectLevel.get(subject) ?? ability + rnd.normal(0, 0.35);
  const out: SynthGrade[] = [];
  const add = (subject: string, kind: GradeKind, gradeDate: string, latent: number) =>
    out.push({
      externalId: `${childId}-gr-${kind}-${gradeDate.slice(5, 7)}-${asciiFold(subject)}`,
      subject,
      kind,
      value: toGrade(latent),
      gradeDate,
      schoolYear: cal.schoolYear,
    });

  const december = rnd.pick(cal.decemberTerm);
  const june = rnd.pick(cal.juneTerm);
  const yearDate = rnd.pick(cal.yearGrades);
  for (const s of subjects) {
    const t1 = level(s) + rnd.normal(0, 0.45);
    const t2 = level(s) + rnd.normal(0, 0.45);
    add(s, GradeKind.Term, december, t1);
    add(s, GradeKind.Term, june, t2);
    // The year grade sums up the year, so it lies close to the June term grade.
    if (gradeLevel <= 9) add(s, GradeKind.Year, yearDate, 0.3 * t1 + 0.7 * t2 + rnd.normal(0, 0.15));
  }
  if (gradeLevel === 9) {
    const sitAll = rnd.chance(0.75 - 0.45 * strain);
    const exams = sitAll ? [...FP9_FIXED, rnd.pick(FP9_DRAWN)] : rnd.chance(0.25) ? FP9_FIXED.filter(() => rnd.chance(0.5)) : [];
    for (const s of exams) {
      const written = s === 'Dansk' || s === 'Matematik';
      add(s, GradeKind.Exam, rnd.pick(written ? cal.writtenExams : cal.oralExams), level(s) + rnd.normal(0, 0.55));
    }
  }
  return out;
}

/** Mean indicator scores for placed children, below the national means of about 4. */
const WELLBEING_MEANS: [WellbeingIndicator, number][] = [
  [WellbeingIndicator.Academic, 3.6],
  [WellbeingIndicator.Social, 3.7],
  [WellbeingIndicator.SupportAndInspiration, 3.3],
  [WellbeingIndicator.PeaceAndOrder, 3.4],
];

/** The national wellbeing survey (trivselsmåling), grades 0–9, held in the spring. */
export function generateWellbeing(rnd: Random, childId: string, gradeLevel: number, strain: number, surveyYear: number): SynthWellbeing[] {
  if (gradeLevel > 9) return [];
  const child = rnd.normal(0, 0.4) - 0.8 * (strain - 0.5);
  return WELLBEING_MEANS.map(([indicator, mean]) => ({
    externalId: `${childId}-wb-${surveyYear}-${indicator}`,
    indicator,
    score: Math.round(100 * Math.min(5, Math.max(1, mean + child + rnd.normal(0, 0.35)))) / 100,
    surveyYear,
  }));
}
