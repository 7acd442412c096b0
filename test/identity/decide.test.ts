import { detectPupilTwins, matchPupils } from '../../src/identity/matching/batch';
import { blockCandidates, buildCandidateIndex } from '../../src/identity/matching/block';
import { decideMatch, DEFAULT_THRESHOLDS, looksLikeTwins, pairKey, pupilKey } from '../../src/identity/matching/decide';
import type { MatchChild, MatchDecision, MatchPupil } from '../../src/identity/matching/types';

const T = DEFAULT_THRESHOLDS;

const child = (id: string, over: Partial<MatchChild> = {}): MatchChild => ({
  id,
  cprHmac: `hmac-${id}`,
  firstName: 'Freja',
  lastName: 'Nielsen',
  birthDate: '2014-05-17',
  municipalityCode: '167',
  institutionNumbers: [],
  uniLoginIds: [],
  linkedPupils: [],
  ...over,
});

const pupil = (over: Partial<MatchPupil> = {}): MatchPupil => ({
  sourceId: 'oneroster-167',
  externalId: 'p-1',
  cprHmac: null,
  uniLoginId: null,
  firstName: 'Freja',
  lastName: 'Nielsen',
  birthDate: '2014-05-17',
  institutionNumber: '916701',
  municipalityCode: '167',
  ...over,
});

const ids = (d: MatchDecision) => d.candidates.map((c) => c.childId);

describe('decideMatch: deterministic identifiers first', () => {
  it('CPR hash equal → linked by cpr with score 1, whatever the names say', () => {
    const a = child('a', { firstName: 'Emma', lastName: 'Jensen', birthDate: '2012-01-02' });
    const b = child('b'); // a perfect name/date match
    const d = decideMatch(pupil({ cprHmac: 'hmac-a' }), [b, a], T);
    expect(d).toMatchObject({ kind: 'linked', childId: 'a', method: 'cpr', score: 1, reasons: ['cpr_match'] });
  });

  it('CPR before UNI-Login: both agreeing on one child → cpr', () => {
    const a = child('a', { uniLoginIds: ['fre12345'] });
    expect(decideMatch(pupil({ cprHmac: 'hmac-a', uniLoginId: 'fre12345' }), [a], T)).toMatchObject({ kind: 'linked', method: 'cpr' });
  });

  it('UNI-Login id already linked to a child → linked by uni_login', () => {
    const a = child('a', { uniLoginIds: ['fre12345'], firstName: 'Frida' });
    const d = decideMatch(pupil({ uniLoginId: 'fre12345' }), [child('b'), a], T);
    expect(d).toMatchObject({ kind: 'linked', childId: 'a', method: 'uni_login', score: 1 });
  });

  it('identifiers that contradict each other go to review (CPR → one child, UNI-Login → another)', () => {
    const a = child('a');
    const b = child('b', { uniLoginIds: ['fre12345'], firstName: 'Frida' });
    const d = decideMatch(pupil({ cprHmac: 'hmac-a', uniLoginId: 'fre12345' }), [a, b], T);
    expect(d.kind).toBe('pending_review');
    expect(d.reasons).toContain('uni_login_conflict');
    expect(ids(d).sort()).toEqual(['a', 'b']);
  });

  it('UNI-Login match but the pupil carries another CPR hash than the child → review', () => {
    const a = child('a', { uniLoginIds: ['fre12345'] });
    const d = decideMatch(pupil({ cprHmac: 'hmac-someone-else', uniLoginId: 'fre12345' }), [a], T);
    expect(d).toMatchObject({ kind: 'pending_review', reasons: expect.arrayContaining(['cpr_conflict']) });
  });

  it('a CPR hash matching no child blocks an automatic probabilistic link to a child with another CPR', () => {
    const d = decideMatch(pupil({ cprHmac: 'hmac-not-in-hub' }), [child('a')], T);
    expect(d.kind).toBe('pending_review');
    expect(d.reasons).toContain('cpr_conflict');
  });

  it('two children with the same CPR hash (a data error) → review, never a guess', () => {
    const d = decideMatch(pupil({ cprHmac: 'dup' }), [child('a', { cprHmac: 'dup' }), child('b', { cprHmac: 'dup' })], T);
    expect(d).toMatchObject({ kind: 'pending_review', reasons: expect.arrayContaining(['identifier_ambiguous']) });
  });
});

describe('decideMatch: probabilistic', () => {
  it('a unique exact match above the auto threshold → linked probabilistic, with its score', () => {
    const d = decideMatch(pupil(), [child('a'), child('b', { firstName: 'Emma', birthDate: '2013-02-03' })], T);
    expect(d).toMatchObject({ kind: 'linked', childId: 'a', method: 'probabilistic', reasons: ['above_auto_threshold'] });
    expect(d.score).toBeGreaterThanOrEqual(T.autoThreshold);
    expect(d.candidates[0]).toMatchObject({ childId: 'a', agree: expect.arrayContaining(['first_name', 'last_name', 'birth_date']) });
  });

  it('between the thresholds → pending review with the candidate proposed', () => {
    const d = decideMatch(pupil({ birthDate: null }), [child('a')], T);
    expect(d).toMatchObject({ kind: 'pending_review', method: 'probabilistic', reasons: ['between_thresholds'] });
    expect(d.childId).toBeUndefined();
    expect(ids(d)).toEqual(['a']);
  });

  it('below the review threshold → unlinked, nothing proposed', () => {
    const d = decideMatch(pupil({ firstName: 'Emma', lastName: 'Jensen' }), [child('a')], T);
    expect(d).toMatchObject({ kind: 'unlinked', candidates: [], reasons: ['below_review_threshold'] });
    expect(decideMatch(pupil(), [], T)).toMatchObject({ kind: 'unlinked', reasons: ['no_candidates'], score: 0 });
  });

  it('two candidates close together → ambiguous, review', () => {
    // The same name and birth date in two municipalities: 0.94 here, 0.85 there.
    const d = decideMatch(pupil(), [child('a'), child('b', { municipalityCode: '479' })], T);
    expect(d).toMatchObject({ kind: 'pending_review', reasons: ['ambiguous'] });
    expect(ids(d)).toEqual(['a', 'b']);
  });

  it('twins in the hub (same birth date, school, surname) → review always, both proposed, even for an exact first name', () => {
    const freja = child('freja', { institutionNumbers: ['916701'] });
    const ida = child('ida', { firstName: 'Ida', institutionNumbers: ['916701'] });
    expect(looksLikeTwins(freja, ida)).toBe(true);
    const d = decideMatch(pupil(), [freja, ida], T);
    expect(d.kind).toBe('pending_review');
    expect(d.reasons).toContain('twin_candidates');
    expect(ids(d)).toEqual(['freja', 'ida']);
    // Even after a person rejected the twin for this pupil: still a person's decision.
    const rejected = new Set([pairKey(pupil(), 'ida')]);
    const again = decideMatch(pupil(), [freja, ida], { ...T, rejected });
    expect(again.kind).toBe('pending_review');
    expect(ids(again)).toEqual(['freja']);
  });

  it('twins: schools unknown → same municipality counts; different known schools do not', () => {
    expect(looksLikeTwins(child('a'), child('b', { firstName: 'Ida' }))).toBe(true);
    expect(looksLikeTwins(child('a', { institutionNumbers: ['916701'] }), child('b', { firstName: 'Ida', institutionNumbers: ['916702'] }))).toBe(false);
    expect(looksLikeTwins(child('a'), child('b', { firstName: 'Ida', birthDate: '2014-05-18' }))).toBe(false);
    expect(looksLikeTwins(child('a'), child('b', { firstName: 'Ida', lastName: 'Jensen' }))).toBe(false);
  });

  it('a pupil with a twin in its source → review, and the twin-like candidate is proposed whatever its score', () => {
    const d = decideMatch(pupil(), [child('a')], { ...T, pupilHasTwin: true });
    expect(d).toMatchObject({ kind: 'pending_review', reasons: ['twin_in_source'] });
    // The other twin (not a hub child) against the hub child: proposed although below 0.70.
    const other = decideMatch(pupil({ firstName: 'Ida' }), [child('a')], { ...T, pupilHasTwin: true });
    expect(other.kind).toBe('pending_review');
    expect(other.score).toBeLessThan(T.reviewThreshold);
    expect(ids(other)).toEqual(['a']);
  });

  it('a candidate already linked to another pupil of the same source → review', () => {
    const a = child('a', { linkedPupils: [{ sourceId: 'oneroster-167', externalId: 'p-0' }] });
    expect(decideMatch(pupil(), [a], T)).toMatchObject({ kind: 'pending_review', reasons: ['candidate_already_linked'] });
    // Linked from another source, or to this very pupil: no objection.
    const b = child('b', { linkedPupils: [{ sourceId: 'csv-167', externalId: 'p-0' }, { sourceId: 'oneroster-167', externalId: 'p-1' }] });
    expect(decideMatch(pupil(), [b], T)).toMatchObject({ kind: 'linked', method: 'probabilistic' });
  });

  it('a UNI-Login id that differs from the one linked to the candidate blocks an automatic link', () => {
    const a = child('a', { uniLoginIds: ['fri77777'] });
    const d = decideMatch(pupil({ uniLoginId: 'fre12345' }), [a], T);
    expect(d).toMatchObject({ kind: 'pending_review', reasons: ['uni_login_conflict'] });
  });
});

describe('rejected pairs are never proposed again', () => {
  const rejectedFor = (p: MatchPupil, ...childIds: string[]) => new Set(childIds.map((id) => pairKey(pupilKey(p), id)));

  it('a rejected probabilistic candidate is neither linked nor proposed', () => {
    const p = pupil();
    const d = decideMatch(p, [child('a')], { ...T, rejected: rejectedFor(p, 'a') });
    expect(d).toMatchObject({ kind: 'unlinked', candidates: [], reasons: ['no_candidates'] });
  });

  it('a rejected CPR match: no automatic link of any kind, other candidates only for review', () => {
    const p = pupil({ cprHmac: 'hmac-a' });
    const a = child('a');
    const b = child('b', { cprHmac: null }); // a perfect name match without CPR
    const d = decideMatch(p, [a, b], { ...T, rejected: rejectedFor(p, 'a') });
    expect(d.kind).toBe('pending_review');
    expect(d.reasons).toContain('deterministic_match_rejected');
    expect(ids(d)).toEqual(['b']);
  });

  it('a rejected UNI-Login match is not linked', () => {
    const p = pupil({ uniLoginId: 'fre12345', firstName: 'Emma', lastName: 'Jensen' });
    const a = child('a', { uniLoginIds: ['fre12345'] });
    const d = decideMatch(p, [a], { ...T, rejected: rejectedFor(p, 'a') });
    expect(d.kind).toBe('unlinked');
    expect(ids(d)).not.toContain('a');
  });

  it('the rejection is per pupil: another pupil may still be linked to the child', () => {
    const p = pupil();
    const d = decideMatch(pupil({ externalId: 'p-2' }), [child('a')], { ...T, rejected: rejectedFor(p, 'a') });
    expect(d).toMatchObject({ kind: 'linked', childId: 'a' });
  });

  it('pairKey is unambiguous whatever the ids contain', () => {
    expect(pairKey('s:a', 'b')).not.toBe(pairKey('s', 'a:b'));
    expect(pairKey(pupil(), 'x')).toBe(pairKey(pupilKey(pupil()), 'x'));
  });
});

describe('thresholds', () => {
  it('are validated', () => {
    expect(() => decideMatch(pupil(), [], { autoThreshold: 0.6, reviewThreshold: 0.7 })).toThrow(RangeError);
    expect(() => decideMatch(pupil(), [], { autoThreshold: 1.2, reviewThreshold: 0.7 })).toThrow(RangeError);
    expect(() => decideMatch(pupil(), [], { ...T, margin: -1 })).toThrow(RangeError);
  });

  it('come from the caller: a lower auto threshold links what the default reviews', () => {
    const p = pupil({ birthDate: null });
    expect(decideMatch(p, [child('a')], T).kind).toBe('pending_review');
    expect(decideMatch(p, [child('a')], { autoThreshold: 0.7, reviewThreshold: 0.5 }).kind).toBe('linked');
  });
});

describe('blockCandidates', () => {
  const children = [
    child('exact'),
    child('next-day', { firstName: 'Emma', lastName: 'Jensen', birthDate: '2014-05-18' }),
    child('swapped-date', { firstName: 'Karla', lastName: 'Hansen', birthDate: '2014-03-04' }),
    child('name-only', { birthDate: '2011-01-01' }),
    child('double', { firstName: 'Ida', lastName: 'Holm-Larsen', birthDate: '2010-10-10' }),
    child('cpr', { firstName: 'Otto', lastName: 'Bech', birthDate: '2009-09-09', cprHmac: 'hmac-xyz' }),
    child('uni', { firstName: 'Alma', lastName: 'Dam', birthDate: '2009-09-19', uniLoginIds: ['alm00001'] }),
    child('far', { firstName: 'Anton', lastName: 'Skov', birthDate: '2008-01-01' }),
  ];
  const index = buildCandidateIndex(children);
  const found = (p: Partial<MatchPupil>) => blockCandidates(index, pupil(p)).map((c) => c.id).sort();

  it('finds children by birth date ±1 day and by name pair', () => {
    expect(found({})).toEqual(['exact', 'name-only', 'next-day']);
  });

  it('finds by day/month swapped birth date', () => {
    expect(found({ firstName: 'X', lastName: 'Y', birthDate: '2014-04-03' })).toEqual(['swapped-date']);
  });

  it('without a birth date: by name, also swapped and with the double surname split or partly dropped', () => {
    expect(found({ birthDate: null })).toEqual(['exact', 'name-only']);
    expect(found({ firstName: 'Nielsen', lastName: 'Freja', birthDate: null })).toEqual(['exact', 'name-only']);
    expect(found({ firstName: 'Ida', lastName: 'Holm Larsen', birthDate: null })).toEqual(['double']);
    expect(found({ firstName: 'Ida', lastName: 'Larsen', birthDate: null })).toEqual(['double']);
    expect(found({ firstName: 'Ida', lastName: 'Holm', birthDate: null })).toEqual(['double']);
  });

  it('finds by CPR hash and by a linked UNI-Login id, whatever the name', () => {
    expect(found({ firstName: 'X', lastName: 'Y', birthDate: null, cprHmac: 'hmac-xyz' })).toEqual(['cpr']);
    expect(found({ firstName: 'X', lastName: 'Y', birthDate: null, uniLoginId: 'alm00001' })).toEqual(['uni']);
  });

  it('does not compare everything with everything', () => {
    expect(found({ firstName: 'Bo', lastName: 'Friis', birthDate: '2016-06-06' })).toEqual([]);
    expect(index.stats()).toMatchObject({ children: children.length });
  });
});

describe('matchPupils (a batch of one source)', () => {
  const children = [child('a'), child('b', { firstName: 'Emma', lastName: 'Jensen', birthDate: '2013-02-03' })];
  const index = buildCandidateIndex(children);

  it('two pupils of one source landing on the same child → both reviewed, not linked', () => {
    const pupils = [pupil({ externalId: 'p-1' }), pupil({ externalId: 'p-2', firstName: 'FREJA' })];
    const ds = matchPupils(pupils, index, T);
    expect(ds.map((d) => [d.kind, d.reasons])).toEqual([
      ['pending_review', ['claimed_twice_in_source']],
      ['pending_review', ['claimed_twice_in_source']],
    ]);
  });

  it('a deterministic link keeps the child; a probabilistic claim on the same child is reviewed', () => {
    const pupils = [pupil({ externalId: 'p-1', cprHmac: 'hmac-a' }), pupil({ externalId: 'p-2' })];
    const ds = matchPupils(pupils, index, T);
    expect(ds[0]).toMatchObject({ kind: 'linked', method: 'cpr' });
    expect(ds[1]).toMatchObject({ kind: 'pending_review', reasons: ['claimed_twice_in_source'] });
  });

  it('the same pupil in two sources is linked in each', () => {
    const ds = matchPupils([pupil({ sourceId: 's1' }), pupil({ sourceId: 's2' })], index, T);
    expect(ds.map((d) => d.kind)).toEqual(['linked', 'linked']);
  });

  it('twins within the batch are detected and reviewed', () => {
    const pupils = [pupil({ externalId: 'p-1' }), pupil({ externalId: 'p-2', firstName: 'Ida' }), pupil({ externalId: 'p-3', firstName: 'Emma', lastName: 'Jensen', birthDate: '2013-02-03' })];
    expect([...detectPupilTwins(pupils)].sort()).toEqual([pupilKey(pupils[0]), pupilKey(pupils[1])]);
    const ds = matchPupils(pupils, index, T);
    expect(ds.map((d) => d.kind)).toEqual(['pending_review', 'pending_review', 'linked']);
  });

  it('duplicates of one pupil (same first name) are not twins', () => {
    expect(detectPupilTwins([pupil({ externalId: 'p-1' }), pupil({ externalId: 'p-2' })]).size).toBe(0);
  });

  it('decisions do not depend on the order of the pupils', () => {
    const pupils = [pupil({ externalId: 'p-1' }), pupil({ externalId: 'p-2', firstName: 'Ida' }), pupil({ externalId: 'p-3', firstName: 'Emma', lastName: 'Jensen', birthDate: '2013-02-03' }), pupil({ externalId: 'p-4', birthDate: null })];
    const byKey = (ds: MatchDecision[]) => Object.fromEntries(ds.map((d) => [d.pupilKey, d]));
    expect(byKey(matchPupils([...pupils].reverse(), index, T))).toEqual(byKey(matchPupils(pupils, index, T)));
  });
});
