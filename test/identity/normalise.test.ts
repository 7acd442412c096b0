import {
  compareBirthDates,
  compareNames,
  compareTokens,
  editDistance,
  foldName,
  namePairKeys,
  nameTokens,
  nearBirthDates,
  normaliseBirthDate,
  parseName,
  phoneticKey,
  swapDayMonth,
} from '../../src/identity/matching/normalise';

const names = (first: string | null, last: string | null) => parseName(first, last);

describe('foldName: Danish letters and their two-letter spellings are one spelling', () => {
  it.each([
    ['Søren', 'Soeren'],
    ['Åse', 'Aase'],
    ['Lærke', 'Laerke'],
    ['Østergård', 'Oestergaard'],
    ['Jørgensen', 'JOERGENSEN'],
    ['Kjær', 'kjaer'],
    ['Sörensen', 'Sørensen'], // ö (Swedish/German keyboard) = ø
  ])('%s = %s', (a, b) => {
    expect(foldName(a)).toBe(foldName(b));
  });

  it('folds to lowercase ASCII, strips accents, splits on punctuation', () => {
    expect(foldName('René')).toBe('rene');
    expect(foldName('Zoë')).toBe('zoe');
    expect(foldName("O'Neill")).toBe('oneill');
    expect(foldName('  ANNE-SOFIE ')).toBe('anne sofie');
    expect(foldName('Holm-Larsen')).toBe(foldName('Holm Larsen'));
  });

  it('normalises to NFC first: a decomposed Å (A + ring) is å', () => {
    expect(foldName('A\u030Ase')).toBe('aase');
    expect(foldName('S\u00F8ren'.normalize('NFD'))).toBe('soeren');
  });

  it('nameTokens of nothing is empty', () => {
    expect(nameTokens(null)).toEqual([]);
    expect(nameTokens('  - ')).toEqual([]);
  });
});

describe('compareTokens levels', () => {
  it('exact after folding', () => {
    expect(compareTokens(foldName('Søren'), foldName('Soeren'))).toMatchObject({ level: 'exact', similarity: 1 });
    expect(compareTokens(foldName('Åse'), foldName('Aase'))).toMatchObject({ level: 'exact', similarity: 1 });
  });

  it('Danish letters written without their e (ø → o) are a spelling variant, close to exact', () => {
    expect(compareTokens(foldName('Søren'), foldName('Soren'))).toMatchObject({ level: 'similar', similarity: 0.95, how: 'danish_spelling' });
    expect(compareTokens(foldName('Østergaard'), foldName('Ostergard'))).toMatchObject({ how: 'danish_spelling' });
  });

  it('one letter off, or the same sound, is similar but not exact', () => {
    expect(compareTokens('pedersen', 'petersen')).toMatchObject({ level: 'similar', similarity: 0.8, how: 'one_edit' });
    expect(compareTokens('christensen', 'kristensen')).toMatchObject({ level: 'similar', similarity: 0.8, how: 'spelling_variant' });
    expect(compareTokens('nielsen', 'nielsne')).toMatchObject({ similarity: 0.8 }); // transposition = one edit
  });

  it('short names one letter apart are weak (Ida/Ina are different names)', () => {
    expect(compareTokens('ida', 'ina').similarity).toBe(0.5);
  });

  it('different names are 0, a missing one is 0.3', () => {
    expect(compareTokens('freja', 'frida')).toMatchObject({ level: 'different', similarity: 0 });
    expect(compareTokens('emma', 'ella').similarity).toBe(0);
    expect(compareTokens(null, 'emma')).toMatchObject({ level: 'missing', similarity: 0.3 });
  });
});

describe('editDistance (optimal string alignment)', () => {
  it('counts substitutions, insertions, deletions and adjacent swaps', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('freja', 'frjea')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('stops early above max', () => {
    expect(editDistance('abcdefgh', 'stuvwxyz', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });
});

describe('phoneticKey', () => {
  it.each([
    ['Christensen', 'Kristensen'],
    ['Nielsen', 'Nilsen'],
    ['Søren', 'Soren'],
    ['Åse', 'Aase'],
    ['Jakobsen', 'Jacobsen'],
  ])('%s sounds like %s', (a, b) => {
    expect(phoneticKey(a)).toBe(phoneticKey(b));
  });

  it('keeps different names apart', () => {
    expect(phoneticKey('Freja')).not.toBe(phoneticKey('Frida'));
    expect(phoneticKey('Pedersen')).not.toBe(phoneticKey('Petersen'));
  });
});

describe('parseName and compareNames', () => {
  it('a whole name in one field is split into call name and family name', () => {
    expect(parseName('Freja Marie Nielsen', null)).toEqual({ given: ['freja', 'marie'], surnames: ['nielsen'] });
    expect(parseName(null, 'Freja Nielsen')).toEqual({ given: ['freja'], surnames: ['nielsen'] });
  });

  it('Holm-Larsen = Holm Larsen: same family name and middle name', () => {
    const c = compareNames(names('Freja', 'Holm-Larsen'), names('Freja', 'Holm Larsen'));
    expect(c).toMatchObject({ first: { level: 'exact' }, family: { level: 'exact' }, middle: 'agree', swapped: false });
  });

  it('Larsen against Holm-Larsen: the family name agrees, the missing middle name is no disagreement', () => {
    const c = compareNames(names('Freja', 'Larsen'), names('Freja', 'Holm-Larsen'));
    expect(c).toMatchObject({ family: { level: 'exact' }, middle: 'optional' });
  });

  it('Holm against Holm-Larsen: only part of the double surname agrees (partial)', () => {
    const c = compareNames(names('Freja', 'Holm'), names('Freja', 'Holm-Larsen'));
    expect(c.family.partial).toBe(true);
    expect(c.family.similarity).toBeCloseTo(0.8);
  });

  it('middle names are optional, but two different ones disagree', () => {
    expect(compareNames(names('Freja Marie', 'Nielsen'), names('Freja', 'Nielsen')).middle).toBe('optional');
    expect(compareNames(names('Freja Marie', 'Nielsen'), names('Freja Marie', 'Nielsen')).middle).toBe('agree');
    expect(compareNames(names('Freja Marie', 'Nielsen'), names('Freja Sofie', 'Nielsen')).middle).toBe('conflict');
    // A middle name in the surname field (mellemnavn) meets the same one in the given names.
    expect(compareNames(names('Freja Holm', 'Larsen'), names('Freja', 'Holm Larsen')).middle).toBe('agree');
  });

  it('name order swapped (surname given as first name) is recognised', () => {
    const c = compareNames(names('Nielsen', 'Freja'), names('Freja', 'Nielsen'));
    expect(c).toMatchObject({ first: { level: 'exact' }, family: { level: 'exact' }, swapped: true });
    expect(compareNames(names('Freja', 'Nielsen'), names('Freja', 'Nielsen')).swapped).toBe(false);
  });

  it('Søren/Soeren and Aase/Åse compare as exact names', () => {
    expect(compareNames(names('Søren', 'Østergaard'), names('Soeren', 'Oestergaard'))).toMatchObject({ first: { level: 'exact' }, family: { level: 'exact' } });
    expect(compareNames(names('Aase', 'Møller'), names('Åse', 'Moeller'))).toMatchObject({ first: { level: 'exact' }, family: { level: 'exact' } });
  });
});

describe('namePairKeys (blocking)', () => {
  it('are the same for swapped order and for hyphenated or split double surnames', () => {
    const a = namePairKeys(['freja'], ['holm', 'larsen']).sort();
    expect(namePairKeys(['holm', 'larsen'], ['freja']).sort()).toEqual(a);
    const parsed = parseName('Freja', 'Holm-Larsen');
    expect(namePairKeys(parsed.given, parsed.surnames).sort()).toEqual(a);
  });

  it('never pair two parts of the same field', () => {
    expect(namePairKeys(['freja'], ['krogh', 'madsen'])).toHaveLength(2);
  });
});

describe('birth dates', () => {
  it('compares exact, ±1 day (across month ends), day/month swapped, missing, different', () => {
    expect(compareBirthDates('2015-03-04', '2015-03-04')).toBe('exact');
    expect(compareBirthDates('2015-02-28', '2015-03-01')).toBe('one_day_off');
    expect(compareBirthDates('2015-12-31', '2016-01-01')).toBe('one_day_off');
    expect(compareBirthDates('2015-03-04', '2015-04-03')).toBe('day_month_swapped');
    expect(compareBirthDates(null, '2015-04-03')).toBe('missing');
    expect(compareBirthDates('2015-02-30', '2015-02-28')).toBe('missing'); // not a date
    expect(compareBirthDates('2015-03-04', '2015-03-09')).toBe('different');
    expect(compareBirthDates('2015-03-04', '2014-03-04')).toBe('different');
  });

  it('swapDayMonth only when the swap is another valid date', () => {
    expect(swapDayMonth('2015-03-04')).toBe('2015-04-03');
    expect(swapDayMonth('2015-05-05')).toBeNull();
    expect(swapDayMonth('2015-03-14')).toBeNull();
  });

  it('nearBirthDates is the typo neighbourhood used for blocking', () => {
    expect(nearBirthDates('2015-03-04').sort()).toEqual(['2015-03-03', '2015-03-05', '2015-04-03']);
    expect(nearBirthDates('2016-03-01').sort()).toEqual(['2016-01-03', '2016-02-29', '2016-03-02']);
  });

  it('normaliseBirthDate accepts only real ISO dates', () => {
    expect(normaliseBirthDate(' 2015-03-04 ')).toBe('2015-03-04');
    expect(normaliseBirthDate('04-03-2015')).toBeNull();
    expect(normaliseBirthDate('2015-13-01')).toBeNull();
  });
});
