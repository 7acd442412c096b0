import { CaseContactRole } from '../../src/children/case-contact.entity';
import { PlacementType } from '../../src/children/placement.entity';
import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { GradeKind, SEVEN_STEP_SCALE } from '../../src/schooling/grade-scale';
import { InterventionKind } from '../../src/schooling/intervention.entity';
import { WellbeingIndicator } from '../../src/schooling/wellbeing.entity';
import { generatePopulation, MAX_CHILDREN, type SynthChild } from '../../src/synthetic/generator';
import { centuryDigits } from '../../src/synthetic/identifiers';
import { easterSunday, isoDate, schoolDays } from '../../src/synthetic/school-calendar';

const all = (seed: number, children: number, schoolYearStart?: number): SynthChild[] => [
  ...generatePopulation({ seed, children, schoolYearStart }).children(),
];

/** Birth date encoded in a CPR number, resolving the century from the 7th digit. */
function cprBirthDate(cpr: string): string | null {
  const m = /^(\d{2})(\d{2})(\d{2})-(\d)\d{3}$/.exec(cpr);
  if (!m) return null;
  const [day, month, yy, seventh] = [Number(m[1]) - 60, Number(m[2]), Number(m[3]), Number(m[4])];
  const years = [1900 + yy, 2000 + yy].filter((y) => y <= 2057 && centuryDigits(y).includes(seventh));
  if (years.length !== 1) return null;
  const date = new Date(Date.UTC(years[0], month - 1, day));
  return date.getUTCDate() === day && date.getUTCMonth() === month - 1 ? isoDate(date) : null;
}

const isRealDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isoDate(new Date(`${s}T00:00:00Z`)) === s;
const unauthorisedShare = (c: SynthChild) => c.attendance.filter((a) => a.status === AttendanceStatus.Unauthorised).length / c.attendance.length;

describe('synthetic population generator', () => {
  const population = all(42, 400);

  it('is deterministic for a seed and differs between seeds', () => {
    expect(all(42, 400)).toEqual(population);
    const other = all(43, 400);
    expect(other.map((c) => c.cpr)).not.toEqual(population.map((c) => c.cpr));
    expect(other.map((c) => c.attendance.map((a) => a.status))).not.toEqual(population.map((c) => c.attendance.map((a) => a.status)));
  });

  it('is prefix-stable, and schools do not depend on the number of children', () => {
    expect(all(42, 57)).toEqual(population.slice(0, 57));
    const small = generatePopulation({ seed: 42, children: 1 });
    const large = generatePopulation({ seed: 42, children: 9999 });
    expect(small.schools).toEqual(large.schools);
    expect(small.municipalities).toEqual(large.municipalities);
    // Iterating twice starts over and yields the same children.
    const pop = generatePopulation({ seed: 42, children: 3 });
    expect([...pop.children()]).toEqual([...pop.children()]);
  });

  it('uses synthetic CPR numbers only: day of month + 60, valid dates, right century and sex, unique', () => {
    const seen = new Set<string>();
    for (const c of population) {
      for (const cpr of [c.cpr, ...c.custodyHolders.map((h) => h.cpr)]) {
        expect(cpr).toMatch(/^\d{6}-\d{4}$/);
        const day = Number(cpr.slice(0, 2));
        expect(day).toBeGreaterThanOrEqual(61);
        expect(day).toBeLessThanOrEqual(91);
        expect(cprBirthDate(cpr)).not.toBeNull();
        expect(seen.has(cpr)).toBe(false);
        seen.add(cpr);
      }
      expect(cprBirthDate(c.cpr)).toBe(c.birthDate);
      expect(Number(c.cpr[7])).toBeGreaterThanOrEqual(4); // born in the 2000s
      expect(Number(c.cpr.at(-1)) % 2).toBe(c.sex === 'male' ? 1 : 0);
      for (const h of c.custodyHolders) {
        const year = Number(cprBirthDate(h.cpr)!.slice(0, 4));
        expect(year).toBeGreaterThanOrEqual(1970);
        expect(year).toBeLessThanOrEqual(1995);
        if (h.relation !== 'guardian') expect(Number(h.cpr.at(-1)) % 2).toBe(h.relation === 'father' ? 1 : 0);
      }
    }
  });

  it('keeps CPR numbers and UNI-Login ids unique across a large population', () => {
    const cprs = new Set<string>();
    const logins = new Set<string>();
    let people = 0;
    for (const c of generatePopulation({ seed: 3, children: 7000 }).children()) {
      for (const cpr of [c.cpr, ...c.custodyHolders.map((h) => h.cpr)]) cprs.add(cpr);
      people += 1 + c.custodyHolders.length;
      expect(c.uniLoginId).toMatch(/^[a-z0-9]{8}$/);
      logins.add(c.uniLoginId);
    }
    expect(cprs.size).toBe(people);
    expect(logins.size).toBe(7000);
  });

  it('writes every date as a real YYYY-MM-DD date, with ranges in order', () => {
    for (const c of population) {
      const dates = [
        c.birthDate,
        ...c.placements.flatMap((p) => [p.startDate, p.endDate]),
        ...c.caseContacts.flatMap((k) => [k.startDate, k.endDate]),
        ...c.enrollments.flatMap((e) => [e.startDate, e.endDate]),
        ...c.grades.map((g) => g.gradeDate),
        ...c.interventions.flatMap((i) => [i.startDate, i.endDate]),
      ].filter((d): d is string => d !== null);
      for (const d of dates) expect(isRealDate(d)).toBe(true);
      for (const r of [...c.placements, ...c.enrollments, ...c.interventions]) if (r.endDate) expect(r.endDate >= r.startDate).toBe(true);
    }
  });

  it('gives birth dates that fit the grade level (age 6 in the year of 0. klasse, some a year older)', () => {
    let older = 0;
    for (const c of population) {
      expect(c.gradeLevel).toBeGreaterThanOrEqual(0);
      expect(c.gradeLevel).toBeLessThanOrEqual(10);
      const ageAtNewYear = 2025 - Number(c.birthDate.slice(0, 4));
      expect([6, 7]).toContain(ageAtNewYear - c.gradeLevel);
      if (ageAtNewYear - c.gradeLevel === 7) older++;
      for (const e of c.enrollments) expect(e.gradeLevel).toBe(c.gradeLevel);
    }
    expect(older / population.length).toBeLessThan(0.15);
    expect(population.filter((c) => c.gradeLevel === 10).length).toBeLessThan(population.filter((c) => c.gradeLevel === 9).length);
  });

  it('has sequential placements, the last one current, and every type in any 100+ children', () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const types = new Set(all(seed, 100).flatMap((c) => c.placements.map((p) => p.type)));
      expect([...types].sort()).toEqual(Object.values(PlacementType).sort());
    }
    for (const c of population) {
      expect(c.placements.length).toBeGreaterThanOrEqual(1);
      expect(c.placements.length).toBeLessThanOrEqual(3);
      expect(c.placements.at(-1)!.endDate).toBeNull();
      for (let i = 0; i + 1 < c.placements.length; i++) {
        expect(c.placements[i].endDate).not.toBeNull();
        expect(c.placements[i].endDate! < c.placements[i + 1].startDate).toBe(true);
      }
      for (const p of c.placements) expect(['Barnets lov §46', 'Barnets lov §47']).toContain(p.legalBasis);
    }
    const consent = population.flatMap((c) => c.placements).filter((p) => p.legalBasis.endsWith('§46')).length;
    expect(consent / population.flatMap((c) => c.placements).length).toBeGreaterThan(0.6);
  });

  it('has exactly one caseworker per child and 1–2 custody holders', () => {
    for (const c of population) {
      expect(c.caseContacts.filter((k) => k.role === CaseContactRole.Caseworker)).toHaveLength(1);
      expect(c.custodyHolders.length).toBeGreaterThanOrEqual(1);
      expect(c.custodyHolders.length).toBeLessThanOrEqual(2);
      for (const k of c.caseContacts) {
        expect(k.email).toMatch(/^[a-z0-9.-]+@[a-z0-9.-]+\.example$/);
        expect(k.phone).toMatch(/^\d{8}$/);
      }
    }
  });

  it('enrols each child at schools of its own municipality, ~10 % changing school mid-year', () => {
    const pop = generatePopulation({ seed: 42, children: 1 });
    const municipalityOf = new Map(pop.schools.map((s) => [s.externalId, s.municipalityCode]));
    for (const c of population) {
      for (const e of c.enrollments) expect(municipalityOf.get(e.schoolExternalId)).toBe(c.municipalityCode);
      expect(c.enrollments.at(-1)!.endDate).toBeNull();
      expect(c.enrollments.at(-1)!.className).toMatch(new RegExp(`^${c.gradeLevel}\\.[A-D]$`));
    }
    const changed = population.filter((c) => c.enrollments.length === 2).length / population.length;
    expect(changed).toBeGreaterThan(0.04);
    expect(changed).toBeLessThan(0.18);
  });

  it('spreads children over the municipalities by weight, not uniformly', () => {
    const count = (code: string) => population.filter((c) => c.municipalityCode === code).length;
    expect(count('167') + count('479') + count('101') + count('751')).toBe(population.length);
    expect(count('101')).toBeGreaterThan(1.4 * count('167'));
  });

  it('grades only on the 7-step scale, skewed below the average pupil, at the right grade levels', () => {
    const grades = population.flatMap((c) => c.grades);
    expect(grades.length).toBeGreaterThan(500);
    for (const g of grades) expect(SEVEN_STEP_SCALE).toContain(g.value);
    expect(new Set(grades.map((g) => g.value)).size).toBe(7);
    const mean = grades.reduce((s, g) => s + Number(g.value), 0) / grades.length;
    expect(mean).toBeGreaterThan(5);
    expect(mean).toBeLessThan(6.5);
    for (const c of population) {
      if (c.gradeLevel < 8) expect(c.grades).toEqual([]);
      if (c.gradeLevel !== 9) expect(c.grades.filter((g) => g.kind === GradeKind.Exam)).toEqual([]);
      if (c.gradeLevel === 10) expect(c.grades.filter((g) => g.kind === GradeKind.Year)).toEqual([]);
      if (c.gradeLevel >= 8) {
        const months = new Set(c.grades.filter((g) => g.kind === GradeKind.Term).map((g) => g.gradeDate.slice(0, 7)));
        expect([...months].sort()).toEqual(['2025-12', '2026-06']);
      }
      for (const g of c.grades) expect(g.schoolYear).toBe('2025/26');
    }
    // Only about half of placed children sit the leaving exams in Danish and maths (DOMAIN.md).
    const ninth = population.filter((c) => c.gradeLevel === 9);
    const sat = ninth.filter((c) => ['Dansk', 'Matematik'].every((s) => c.grades.some((g) => g.kind === GradeKind.Exam && g.subject === s)));
    expect(sat.length / ninth.length).toBeGreaterThan(0.3);
    expect(sat.length / ninth.length).toBeLessThan(0.8);
  });

  it('has wellbeing for grades 0–9 only, four indicators on 1–5 with two decimals', () => {
    for (const c of population) {
      if (c.gradeLevel > 9) {
        expect(c.wellbeing).toEqual([]);
        continue;
      }
      expect(c.wellbeing.map((w) => w.indicator).sort()).toEqual(Object.values(WellbeingIndicator).sort());
      for (const w of c.wellbeing) {
        expect(w.surveyYear).toBe(2026);
        expect(w.score).toBeGreaterThanOrEqual(1);
        expect(w.score).toBeLessThanOrEqual(5);
        expect(Math.round(w.score * 100) / 100).toBe(w.score);
      }
    }
  });

  it('gives about 40 % of children interventions, of every kind', () => {
    const share = population.filter((c) => c.interventions.length > 0).length / population.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
    for (const c of population) expect(c.interventions.length).toBeLessThanOrEqual(2);
    for (const seed of [1, 2, 3]) {
      const kinds = new Set(all(seed, 100).flatMap((c) => c.interventions.map((i) => i.kind)));
      expect([...kinds].sort()).toEqual(Object.values(InterventionKind).sort());
    }
  });

  it('has one attendance record per school day and realistic unauthorised absence', () => {
    const days = schoolDays(2025);
    expect(days.length).toBeGreaterThanOrEqual(190);
    expect(days.length).toBeLessThanOrEqual(205);
    for (const c of population) {
      expect(c.attendance.map((a) => a.date).join()).toBe(days.join());
      for (const a of c.attendance) expect(a.note === null).toBe(a.status !== AttendanceStatus.Partial);
    }
    const above = (threshold: number) => population.filter((c) => unauthorisedShare(c) > threshold).length / population.length;
    expect(above(0.1)).toBeGreaterThan(0.14);
    expect(above(0.1)).toBeLessThan(0.27);
    expect(above(0.15)).toBeGreaterThan(0.06);
    expect(above(0.15)).toBeLessThan(0.15);
    // Most children have little unauthorised absence.
    expect(population.filter((c) => unauthorisedShare(c) < 0.05).length / population.length).toBeGreaterThan(0.45);
    const total = population.reduce((n, c) => n + c.attendance.length, 0);
    const partial = population.reduce((n, c) => n + c.attendance.filter((a) => a.status === AttendanceStatus.Partial).length, 0);
    expect(partial / total).toBeGreaterThan(0.01);
    expect(partial / total).toBeLessThan(0.03);
  });

  it('clusters absence, so quarterly rates vary more than the yearly rate', () => {
    // Children with 4–9 % unauthorised absence over the year, but above 10 % in some quarter.
    const moderate = population.filter((c) => unauthorisedShare(c) > 0.04 && unauthorisedShare(c) < 0.09);
    const spiky = moderate.filter((c) =>
      [0, 1, 2, 3].some((q) => {
        const part = c.attendance.slice(Math.floor((q * c.attendance.length) / 4), Math.floor(((q + 1) * c.attendance.length) / 4));
        return part.filter((a) => a.status === AttendanceStatus.Unauthorised).length / part.length > 0.1;
      }),
    );
    expect(spiky.length / moderate.length).toBeGreaterThan(0.6); // about 0.4 without clustering
    // Absence comes in runs of days: about 1.1 days per run if days were independent.
    let absent = 0;
    let runs = 0;
    for (const c of population) {
      for (let i = 0; i < c.attendance.length; i++) {
        const status = c.attendance[i].status;
        if (status !== AttendanceStatus.Illness && status !== AttendanceStatus.Unauthorised) continue;
        absent++;
        if (i === 0 || c.attendance[i - 1].status !== status) runs++;
      }
    }
    expect(absent / runs).toBeGreaterThan(1.6);
  });

  it('gives schools unique 6-digit institution numbers and unique external ids', () => {
    const { schools, municipalities } = generatePopulation({ seed: 1, children: 0 });
    expect(municipalities.map((m) => m.code).sort()).toEqual(['101', '167', '479', '751']);
    expect(new Set(schools.map((s) => s.institutionNumber)).size).toBe(schools.length);
    expect(new Set(schools.map((s) => s.externalId)).size).toBe(schools.length);
    for (const s of schools) expect(s.institutionNumber).toMatch(/^\d{6}$/);
    for (const m of municipalities) {
      const names = schools.filter((s) => s.municipalityCode === m.code).map((s) => s.name);
      expect(names.length).toBeGreaterThan(2);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('keeps record external ids unique per kind across the population', () => {
    const kinds = {
      children: population.map((c) => c.externalId),
      placements: population.flatMap((c) => c.placements.map((r) => r.externalId)),
      contacts: population.flatMap((c) => c.caseContacts.map((r) => r.externalId)),
      custody: population.flatMap((c) => c.custodyHolders.map((r) => r.externalId)),
      enrollments: population.flatMap((c) => c.enrollments.map((r) => r.externalId)),
      attendance: population.flatMap((c) => c.attendance.map((r) => r.externalId)),
      grades: population.flatMap((c) => c.grades.map((r) => r.externalId)),
      wellbeing: population.flatMap((c) => c.wellbeing.map((r) => r.externalId)),
      interventions: population.flatMap((c) => c.interventions.map((r) => r.externalId)),
    };
    for (const ids of Object.values(kinds)) expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects options it cannot honour', () => {
    expect(() => generatePopulation({ seed: 1, children: MAX_CHILDREN + 1 })).toThrow(RangeError);
    expect(() => generatePopulation({ seed: 1.5, children: 1 })).toThrow(RangeError);
    expect(() => generatePopulation({ seed: 1, children: 1, municipalities: [{ code: '167', name: 'A' }, { code: '167', name: 'B' }] })).toThrow(RangeError);
    expect(() => generatePopulation({ seed: 1, children: 1, schoolYearStart: 1999 })).toThrow(RangeError);
  });
});

describe('Danish school calendar', () => {
  it('computes Easter Sunday', () => {
    const easter = [2024, 2025, 2026, 2027, 2038].map((y) => isoDate(easterSunday(y)));
    expect(easter).toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2038-04-25']);
  });

  it('runs 2025/26 from the second Monday of August to the last Friday of June, without holidays', () => {
    const days = schoolDays(2025);
    expect(days[0]).toBe('2025-08-11');
    expect(days.at(-1)).toBe('2026-06-26');
    const off = [
      '2025-10-13', '2025-10-17', // efterårsferie, week 42
      '2025-12-22', '2026-01-02', // juleferie
      '2026-02-09', '2026-02-13', // vinterferie, week 7
      '2026-04-02', '2026-04-03', '2026-04-06', // påske
      '2026-05-14', '2026-05-15', // Kristi himmelfart + Friday
      '2026-05-25', // 2. pinsedag
      '2026-06-05', // grundlovsdag
      '2025-08-16', // a Saturday
    ];
    for (const d of off) expect(days).not.toContain(d);
    for (const d of ['2025-10-10', '2025-10-20', '2025-12-19', '2026-01-05', '2026-04-01', '2026-04-07', '2026-05-26']) expect(days).toContain(d);
    expect([...days].sort()).toEqual(days);
  });

  it('has about 200 school days in every year', () => {
    for (let year = 2017; year <= 2042; year++) {
      const n = schoolDays(year).length;
      expect(n).toBeGreaterThanOrEqual(198);
      expect(n).toBeLessThanOrEqual(210); // 2039/40: starts 8 Aug, ends 29 Jun: 209
    }
  });
});
