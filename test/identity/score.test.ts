import fc from 'fast-check';
import { DEFAULT_THRESHOLDS } from '../../src/identity/matching/decide';
import { scoreCandidate, toConfidence } from '../../src/identity/matching/score';
import type { MatchChild, MatchPupil } from '../../src/identity/matching/types';

const child = (over: Partial<MatchChild> = {}): MatchChild => ({
  id: 'child-1',
  cprHmac: 'hmac-child-1',
  firstName: 'Freja',
  lastName: 'Holm-Larsen',
  birthDate: '2014-05-17',
  municipalityCode: '167',
  institutionNumbers: [],
  uniLoginIds: [],
  ...over,
});

const pupil = (over: Partial<MatchPupil> = {}): MatchPupil => ({
  sourceId: 'src-1',
  externalId: 'p-1',
  cprHmac: null,
  uniLoginId: 'fre12345',
  firstName: 'Freja',
  lastName: 'Holm-Larsen',
  birthDate: '2014-05-17',
  institutionNumber: '916701',
  municipalityCode: '167',
  ...over,
});

const score = (p: Partial<MatchPupil>, c: Partial<MatchChild> = {}) => scoreCandidate(pupil(p), child(c)).score;
const { autoThreshold, reviewThreshold } = DEFAULT_THRESHOLDS;

describe('scoreCandidate', () => {
  it('the same child at a school the hub knows scores 1, every field agreeing', () => {
    const s = scoreCandidate(pupil(), child({ institutionNumbers: ['916701'] }));
    expect(s.score).toBe(1);
    expect(s.agree).toEqual(expect.arrayContaining(['first_name', 'last_name', 'middle_names', 'birth_date', 'school', 'municipality']));
    expect(s.disagree).toEqual([]);
  });

  it('explains near agreements and disagreements by field name', () => {
    const s = scoreCandidate(pupil({ firstName: 'Frjea', lastName: 'Larsen', birthDate: '2014-05-18', municipalityCode: '479' }), child());
    expect(s.partial).toEqual(expect.arrayContaining(['first_name', 'birth_date']));
    expect(s.agree).toContain('last_name');
    expect(s.disagree).toContain('municipality');
    expect(s.notes).toEqual(expect.arrayContaining(['one_edit', 'birth_date_one_day_off']));
  });

  it('parts add up to the score', () => {
    const s = scoreCandidate(pupil({ lastName: 'Freja', firstName: 'Holm-Larsen', birthDate: null }), child());
    const sum = Object.values(s.parts).reduce((a, b) => a + b, 0);
    expect(s.score).toBeCloseTo(sum, 3);
    expect(s.notes).toContain('name_order_swapped');
  });

  it('is monotone along each field: exact ≥ Danish spelling ≥ one letter ≥ different', () => {
    const ladder = ['Freja', 'FREJA', 'Fraja', 'Frida', 'Emma'].map((f) => score({ firstName: f }));
    for (let i = 1; i < ladder.length; i++) expect(ladder[i]).toBeLessThanOrEqual(ladder[i - 1]);
    const soren = ['Søren', 'Soeren', 'Soren', 'Sofren', 'Svend'].map((f) => score({ firstName: f }, { firstName: 'Søren' }));
    expect(soren[0]).toBe(soren[1]);
    for (let i = 2; i < soren.length; i++) expect(soren[i]).toBeLessThan(soren[i - 1]);
  });

  it('is monotone in the birth date: exact > ±1 day = swapped > missing > different', () => {
    const [exact, near, swapped, missing, different] = ['2014-05-17', '2014-05-16', null, null, '2014-09-30'].map((d, i) =>
      i === 2 ? score({ birthDate: '2014-03-04' }, { birthDate: '2014-04-03' }) : score({ birthDate: d }),
    );
    expect(exact).toBeGreaterThan(near);
    expect(near).toBe(swapped);
    expect(near).toBeGreaterThan(missing);
    expect(missing).toBeGreaterThan(different);
  });

  it('is monotone in the place: known school > municipality > municipality, another known school > unknown > another municipality', () => {
    const school = score({}, { institutionNumbers: ['916701'] });
    const municipality = score({}, { institutionNumbers: [] });
    const otherSchool = score({}, { institutionNumbers: ['916702'] });
    const unknown = score({ municipalityCode: null }, { institutionNumbers: [] });
    const otherMunicipality = score({ municipalityCode: '479', institutionNumber: '947901' });
    expect([school, municipality, otherSchool, unknown, otherMunicipality]).toEqual([...[school, municipality, otherSchool, unknown, otherMunicipality]].sort((a, b) => b - a));
    expect(new Set([school, municipality, otherSchool, unknown, otherMunicipality]).size).toBe(5);
  });

  it('property: copying any one field of the child onto the pupil never lowers the score', () => {
    // Given names are single tokens and never surnames here: a middle name in the first-name
    // field, or a pupil with swapped name order, makes one field feed two components (call name
    // and middle names; family name), so copying that field alone is not a one-component change.
    const given = fc.constantFrom('Freja', 'Frida', 'Søren', 'Soren', 'Aase', 'Åse', 'Ida', 'Ina', 'Emil', 'Marie');
    const surname = fc.constantFrom('Holm-Larsen', 'Holm Larsen', 'Larsen', 'Holm', 'Pedersen', 'Petersen', 'Østergaard', 'Ostergaard', 'Nielsen', 'Marie Nielsen');
    const date = fc.option(fc.constantFrom('2014-05-17', '2014-05-16', '2014-17-05', '2014-04-05', '2014-05-04', '2013-05-17'), { nil: null });
    const kommune = fc.option(fc.constantFrom('167', '479', '101'), { nil: null });
    const school = fc.option(fc.constantFrom('916701', '916702', '947901'), { nil: null });
    const record = fc.record({ firstName: given, lastName: surname, birthDate: date, municipalityCode: kommune, institutionNumber: school });
    fc.assert(
      fc.property(record, record, fc.constantFrom('firstName', 'lastName', 'birthDate', 'municipalityCode', 'institutionNumber') as fc.Arbitrary<keyof MatchPupil>, (p, c, field) => {
        const kid = child({ ...c, institutionNumbers: c.institutionNumber ? [c.institutionNumber] : [] });
        const before = scoreCandidate(pupil(p), kid).score;
        const after = scoreCandidate(pupil({ ...p, [field]: (c as Record<string, unknown>)[field] }), kid).score;
        return after >= before;
      }),
      { numRuns: 5000, seed: 20250817 },
    );
  });

  it('a swapped name order costs a little, and is still monotone in the names', () => {
    const straight = score({});
    const swapped = score({ firstName: 'Holm-Larsen', lastName: 'Freja' });
    const swappedTypo = score({ firstName: 'Holm-Larsen', lastName: 'Frja' });
    expect(swapped).toBeCloseTo(straight - 0.02, 3);
    expect(swappedTypo).toBeLessThan(swapped);
  });

  it('stays in [0, 1] with 3 decimals (identity_link.confidence is numeric(4,3))', () => {
    for (const p of [{}, { firstName: 'Emma', lastName: 'Jensen', birthDate: '2010-01-01', municipalityCode: '101' }, { firstName: null, lastName: null, birthDate: null }]) {
      const s = score(p);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      expect(Math.round(s * 1000) / 1000).toBe(s);
      expect(toConfidence(s)).toMatch(/^[01]\.\d{3}$/);
    }
  });

  describe('what the default thresholds rely on', () => {
    it('exact names (after normalisation), exact birth date, same municipality: automatic', () => {
      expect(score({})).toBeGreaterThanOrEqual(autoThreshold);
      expect(score({ firstName: 'FREJA', lastName: 'Holm Larsen' })).toBeGreaterThanOrEqual(autoThreshold);
      expect(score({ lastName: 'Larsen' })).toBeGreaterThanOrEqual(autoThreshold); // middle name dropped
      expect(score({ firstName: 'Holm-Larsen', lastName: 'Freja' })).toBeGreaterThanOrEqual(autoThreshold); // swapped
      expect(score({ firstName: 'Soren', lastName: 'Ostergaard' }, { firstName: 'Søren', lastName: 'Østergaard' })).toBeGreaterThanOrEqual(autoThreshold);
    });

    it('never automatic: birth date missing or off, another municipality, a name one letter off in the municipality only', () => {
      expect(score({ birthDate: null }, { institutionNumbers: ['916701'] })).toBeLessThan(autoThreshold);
      expect(score({ birthDate: '2014-05-18' }, { institutionNumbers: ['916701'] })).toBeLessThan(autoThreshold);
      expect(score({ municipalityCode: '479', institutionNumber: '947901' })).toBeLessThan(autoThreshold);
      expect(score({ lastName: 'Holm-Larson' })).toBeLessThan(autoThreshold);
      expect(score({ lastName: 'Holm' })).toBeLessThan(autoThreshold);
      // …unless the school the hub knows agrees too.
      expect(score({ lastName: 'Holm-Larson' }, { institutionNumbers: ['916701'] })).toBeGreaterThanOrEqual(autoThreshold);
    });

    it('a sibling with the same surname and birthday stays out of review unless the school is known', () => {
      expect(score({ firstName: 'Ida' })).toBeLessThan(reviewThreshold);
      expect(score({ firstName: 'Ida' }, { institutionNumbers: ['916701'] })).toBeGreaterThanOrEqual(reviewThreshold);
    });

    it('exact names with the birth date missing are reviewed; a namesake born another day is not', () => {
      expect(score({ birthDate: null })).toBeGreaterThanOrEqual(reviewThreshold);
      expect(score({ birthDate: '2014-11-02' }, { institutionNumbers: ['916701'] })).toBeLessThan(reviewThreshold);
    });
  });

  it('never carries a CPR hash or UNI-Login id, only field names', () => {
    const s = scoreCandidate(pupil({ cprHmac: 'hmac-other' }), child({ uniLoginIds: ['abc99999'] }));
    expect(s.disagree).toEqual(expect.arrayContaining(['cpr', 'uni_login']));
    const json = JSON.stringify(s);
    for (const secret of ['hmac-other', 'hmac-child-1', 'abc99999', 'fre12345']) expect(json).not.toContain(secret);
  });
});
