import { PlacementType } from '../../src/children/placement.entity';
import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { SEVEN_STEP_SCALE } from '../../src/schooling/grade-scale';
import { generatePopulation, type SynthChild } from '../../src/synthetic/generator';

const all = (seed: number, children: number): SynthChild[] => [...generatePopulation({ seed, children }).children()];

describe('synthetic population generator', () => {
  const population = all(42, 400);

  it('is deterministic for a seed and differs between seeds', () => {
    expect(all(42, 400)).toEqual(population);
    const other = all(43, 400);
    expect(other.map((c) => c.cpr)).not.toEqual(population.map((c) => c.cpr));
  });

  it('is prefix-stable: the first N children do not depend on the total', () => {
    expect(all(42, 50)).toEqual(population.slice(0, 50));
    expect(generatePopulation({ seed: 42, children: 1 }).schools).toEqual(generatePopulation({ seed: 42, children: 999 }).schools);
  });

  it('uses synthetic CPR numbers only: day of month + 60, valid dates, unique', () => {
    const cprs = population.flatMap((c) => [c.cpr, ...c.custodyHolders.map((h) => h.cpr)]);
    expect(new Set(cprs).size).toBe(cprs.length);
    for (const cpr of cprs) {
      const m = /^(\d{2})(\d{2})(\d{2})-(\d{4})$/.exec(cpr);
      expect(m).not.toBeNull();
      const [day, month] = [Number(m![1]) - 60, Number(m![2])];
      expect(day).toBeGreaterThanOrEqual(1);
      expect(month).toBeGreaterThanOrEqual(1);
      expect(month).toBeLessThanOrEqual(12);
      expect(day).toBeLessThanOrEqual(new Date(Date.UTC(2000, month, 0)).getUTCDate());
    }
    // The CPR encodes the birth date and sex (odd last digit = male).
    for (const c of population) {
      const [y, mo, d] = c.birthDate.split('-');
      expect(c.cpr.slice(0, 6)).toBe(`${Number(d) + 60}${mo}${y.slice(2)}`);
      expect(Number(c.cpr.at(-1)) % 2).toBe(c.sex === 'male' ? 1 : 0);
    }
  });

  it('gives birth dates that fit the grade level (age 6 in 0. klasse)', () => {
    for (const c of population) {
      expect(c.gradeLevel).toBeGreaterThanOrEqual(0);
      expect(c.gradeLevel).toBeLessThanOrEqual(10);
      expect(Number(c.birthDate.slice(0, 4))).toBe(2025 - 6 - c.gradeLevel);
      for (const e of c.enrollments) expect(e.gradeLevel).toBe(c.gradeLevel);
    }
  });

  it('covers every placement type, with exactly one current placement per child', () => {
    const types = new Set(population.flatMap((c) => c.placements.map((p) => p.type)));
    expect([...types].sort()).toEqual(Object.values(PlacementType).sort());
    for (const c of population) {
      expect(c.placements.filter((p) => p.endDate === null)).toHaveLength(1);
      for (const p of c.placements) if (p.endDate) expect(p.endDate >= p.startDate).toBe(true);
    }
  });

  it('grades only on the 7-step scale, skewed below the average pupil', () => {
    const grades = population.flatMap((c) => c.grades);
    expect(grades.length).toBeGreaterThan(100);
    for (const g of grades) expect(SEVEN_STEP_SCALE).toContain(g.value);
    expect(new Set(grades.map((g) => g.value)).size).toBe(7);
    const mean = grades.reduce((s, g) => s + Number(g.value), 0) / grades.length;
    expect(mean).toBeGreaterThan(4.5);
    expect(mean).toBeLessThan(7);
  });

  it('has a school year of attendance with realistic unauthorised absence', () => {
    for (const c of population) {
      expect(c.attendance.length).toBeGreaterThanOrEqual(190);
      expect(c.attendance.length).toBeLessThanOrEqual(210);
    }
    const share = (threshold: number) =>
      population.filter((c) => c.attendance.filter((a) => a.status === AttendanceStatus.Unauthorised).length / c.attendance.length > threshold)
        .length / population.length;
    expect(share(0.1)).toBeGreaterThan(0.12);
    expect(share(0.1)).toBeLessThan(0.3);
    expect(share(0.15)).toBeGreaterThan(0.05);
    expect(share(0.15)).toBeLessThan(0.18);
    const statuses = new Set(population.flatMap((c) => c.attendance.map((a) => a.status)));
    expect([...statuses].sort()).toEqual(Object.values(AttendanceStatus).sort());
  });

  it('gives schools unique 6-digit institution numbers in each municipality', () => {
    const { schools, municipalities } = generatePopulation({ seed: 1, children: 0 });
    expect(new Set(schools.map((s) => s.institutionNumber)).size).toBe(schools.length);
    for (const s of schools) expect(s.institutionNumber).toMatch(/^\d{6}$/);
    expect(municipalities.map((m) => m.code)).toEqual(expect.arrayContaining(['167', '479']));
  });
});
