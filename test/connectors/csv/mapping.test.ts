import { mapCsvRecord, type CsvRecord } from '../../../connectors/csv/mapper';
import { exportedAt, parseFileName, parseRow, schoolYearOf } from '../../../connectors/csv/layout';
import { cprHmac } from '../../../src/identity/cpr';
import type { CanonicalRecord, MapContext, MapResult } from '../../../src/sources/canonical';
import { redactPayload } from '../../../src/sources/redact';

// Synthetic CPR numbers: day of month + 60 (never a real person).
const CPR = '710312-1234';
const KEY = 'unit-test-key';
const ctx: MapContext = { municipalityCode: '167', hashCpr: (cpr) => cprHmac(cpr, KEY) };
const HASH = cprHmac(CPR, KEY);

const rec = (values: Record<string, string>, extra: Partial<CsvRecord> = {}): CsvRecord => ({ file: 'fravaer_20250901.csv', line: 2, values, pupil: true, ...extra });
const ok = (r: MapResult): CanonicalRecord[] => {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r.records;
};
const fail = (r: MapResult): { reason: string; externalId?: string } => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.records)}`);
  return r;
};

describe('csv layout: absence (fravær)', () => {
  it.each([
    ['syg', 'illness'],
    ['Syg', 'illness'],
    ['sygdom', 'illness'],
    ['sygefravær', 'illness'],
    ['lovligt', 'authorised'],
    ['lovligt fravær', 'authorised'],
    ['fravær med tilladelse', 'authorised'],
    ['Ekstraordinær frihed', 'authorised'],
    ['ulovligt', 'unauthorised'],
    ['ULOVLIGT  fravær', 'unauthorised'],
  ])('maps kategori %j to %s', (kategori, status) => {
    const [pupil, day] = ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori }), ctx));
    expect(pupil).toMatchObject({ target: 'pupil', externalId: 'uni:abc12345', uniLoginId: 'abc12345', cprHmac: null });
    expect(day).toEqual({
      target: 'attendance_day',
      externalId: 'uni:abc12345:2025-09-01',
      childExternalId: 'uni:abc12345',
      date: '2025-09-01',
      status,
      note: null,
      sourceUpdatedAt: '2025-08-31T22:00:00.000Z',
    });
  });

  it.each(['ferie', 'fravær', 'syg?', 'present', ''])('refuses kategori %j with a reason', (kategori) => {
    const r = fail(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori }), ctx));
    expect(r.reason).toMatch(/^kategori: /);
    expect(r.externalId).toBe('uni:abc12345:2025-09-01'); // a corrected row resolves the entry
  });

  it('accepts DD-MM-YYYY, refuses other and impossible dates', () => {
    expect(ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '03-02-2025', kategori: 'syg' }), ctx))[1]).toMatchObject({ date: '2025-02-03' });
    for (const dato of ['2025-02-30', '31-04-2025', '2025/09/01', '1.9.2025', '20250901', '']) {
      const r = fail(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato, kategori: 'syg' }), ctx));
      expect(r.reason).toMatch(/^dato: /);
      expect(r.externalId).toBe('fravaer_20250901.csv:2');
    }
  });

  it('keys a CPR-only pupil on the keyed hash, never the number', () => {
    const records = ok(mapCsvRecord('fravaer', rec({ cpr: CPR, dato: '2025-09-01', kategori: 'syg', bemaerkning: 'ringede' }), ctx));
    expect(records).toEqual([
      expect.objectContaining({ target: 'pupil', externalId: `cpr:${HASH}`, cprHmac: HASH, uniLoginId: null }),
      expect.objectContaining({ target: 'attendance_day', externalId: `cpr:${HASH}:2025-09-01`, childExternalId: `cpr:${HASH}`, note: null }),
    ]);
    expect(JSON.stringify(records)).not.toMatch(/710312|1234/);
    // Without the hyphen it is the same pupil.
    expect(ok(mapCsvRecord('fravaer', rec({ cpr: '7103121234', dato: '2025-09-01', kategori: 'syg' }), ctx))[0]).toMatchObject({ externalId: `cpr:${HASH}` });
  });

  it('prefers the UNI-Login id as key and carries the CPR hash for linking', () => {
    const [pupil] = ok(mapCsvRecord('fravaer', rec({ uni_login: 'ABC12345', cpr: CPR, dato: '2025-09-01', kategori: 'syg' }), ctx));
    expect(pupil).toMatchObject({ externalId: 'uni:abc12345', uniLoginId: 'abc12345', cprHmac: HASH });
  });

  it('emits the pupil record only on the row that carries it', () => {
    const records = ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori: 'syg' }, { pupil: undefined }), ctx));
    expect(records.map((r) => r.target)).toEqual(['attendance_day']);
  });

  it('refuses rows without a usable pupil identifier; reasons never echo a CPR number', () => {
    const cases: [Record<string, string>, RegExp, string?][] = [
      [{ dato: '2025-09-01', kategori: 'syg' }, /neither is given/],
      [{ cpr: '711312-1234', dato: '2025-09-01', kategori: 'syg' }, /^cpr: not a CPR number/],
      [{ cpr: '10312-1234', dato: '2025-09-01', kategori: 'syg' }, /leading 0/],
      [{ cpr: '71031212345', dato: '2025-09-01', kategori: 'syg' }, /^cpr: /],
      [{ uni_login: '710312-1234', dato: '2025-09-01', kategori: 'syg' }, /belongs in the cpr column/],
      [{ uni_login: 'a b', dato: '2025-09-01', kategori: 'syg' }, /not a UNI-Login/],
      // The UNI-Login id is fine, so the entry is keyed on the row (a corrected row resolves it).
      [{ uni_login: 'abc12345', cpr: 'xx', dato: '2025-09-01', kategori: 'syg' }, /^cpr: /, 'uni:abc12345:2025-09-01'],
    ];
    for (const [values, reason, id = 'fravaer_20250901.csv:2'] of cases) {
      const r = fail(mapCsvRecord('fravaer', rec(values), ctx));
      expect(r.reason).toMatch(reason);
      expect(r.reason).not.toMatch(/\d{5,6}-?\d{4}/);
      expect(r.externalId).toBe(id);
    }
  });

  it('never maps the free-text bemaerkning (health information): the note is null and the text goes nowhere', () => {
    // The reader drops the column at the parser; should a remark reach the mapper anyway, it is still not used.
    const remark = `Mor ringede — hovedpine, går til læge (cpr ${CPR}, tlf 36394000)`;
    expect(parseRow('fravaer', { uni_login: 'abc12345', dato: '2025-09-01', kategori: 'syg', bemaerkning: remark })).toEqual({
      ok: true,
      row: { stream: 'fravaer', pupil: { uniLogin: 'abc12345', cpr: null }, deleted: false, date: '2025-09-01', status: 'illness' },
    });
    const records = ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori: 'syg', bemaerkning: remark }), ctx));
    expect(records[1]).toMatchObject({ target: 'attendance_day', note: null });
    const broken = fail(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori: 'ferie', bemaerkning: remark }), ctx));
    for (const text of [JSON.stringify(records), JSON.stringify(broken)]) {
      expect(text).not.toMatch(/hovedpine|læge|36394000/);
      expect(text).not.toContain(CPR.slice(0, 6));
    }
  });

  it('maps slettet = ja to a deletion of the same row id, needing only the key columns', () => {
    expect(ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', slettet: 'JA' }), ctx))).toEqual([
      { target: 'deletion', of: 'attendance_day', externalId: 'uni:abc12345:2025-09-01' },
    ]);
    expect(ok(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori: 'syg', slettet: 'nej' }), ctx))).toHaveLength(2);
    expect(fail(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-09-01', kategori: 'syg', slettet: 'x' }), ctx)).reason).toMatch(/^slettet: /);
  });

  it('reports every problem of a row at once', () => {
    const r = fail(mapCsvRecord('fravaer', rec({ uni_login: 'abc12345', dato: '2025-13-01', kategori: 'ferie' }), ctx));
    expect(r.reason).toMatch(/dato: .*; kategori: /);
  });
});

describe('csv layout: grades (karakterer)', () => {
  const grade = (karakter: string, type = 'standpunkt') => mapCsvRecord('karakterer', rec({ uni_login: 'abc12345', fag: 'Dansk', type, karakter, dato: '2026-01-15' }, { file: 'karakterer_20260120.csv' }), ctx);

  it.each(['12', '10', '7', '4', '02', '00', '-3'])('keeps 7-step grade %s exactly as written', (karakter) => {
    expect(ok(grade(karakter))[1]).toEqual({
      target: 'grade',
      externalId: 'uni:abc12345:dansk:term:2026-01-15',
      childExternalId: 'uni:abc12345',
      subject: 'Dansk',
      kind: 'term',
      value: karakter,
      gradeDate: '2026-01-15',
      schoolYear: '2025/26',
      sourceUpdatedAt: '2026-01-19T23:00:00.000Z',
    });
  });

  it('accepts a typographic minus in −3', () => {
    expect(ok(grade('−3'))[1]).toMatchObject({ value: '-3' });
  });

  it.each(['11', '13', '"13"', '2', '0', '', '3', '07', '7.0', '12,0', '+12', '-03', 'B'])('refuses %j as off the scale', (karakter) => {
    const r = fail(grade(karakter));
    expect(r.reason).toMatch(/^karakter: /);
    expect(r.externalId).toBe('uni:abc12345:dansk:term:2026-01-15');
  });

  it('says why 2 and 0 are refused (a spreadsheet dropped the leading zero)', () => {
    expect(fail(grade('2')).reason).toMatch(/ambiguous.*02/);
    expect(fail(grade('0')).reason).toMatch(/ambiguous.*00/);
  });

  it.each([
    ['standpunkt', 'term'],
    ['Standpunktskarakter', 'term'],
    ['prøve', 'exam'],
    ['proeve', 'exam'],
    ['prøvekarakter', 'exam'],
    ['års', 'year'],
    ['aars', 'year'],
    ['Årskarakter', 'year'],
  ])('maps type %j to %s', (type, kind) => {
    expect(ok(grade('7', type))[1]).toMatchObject({ kind, externalId: `uni:abc12345:dansk:${kind}:2026-01-15` });
  });

  it('refuses an unknown type and a missing subject', () => {
    expect(fail(grade('7', 'terminsprøve')).reason).toMatch(/^type: /);
    expect(fail(mapCsvRecord('karakterer', rec({ uni_login: 'abc12345', type: 'prøve', karakter: '7', dato: '2026-06-20' }), ctx)).reason).toMatch(/^fag: missing/);
  });

  it('derives the school year from the date (school years start 1 August)', () => {
    expect(schoolYearOf('2025-07-31')).toBe('2024/25');
    expect(schoolYearOf('2025-08-01')).toBe('2025/26');
    expect(schoolYearOf('2099-12-01')).toBe('2099/00');
  });

  it('a grade deletion needs fag, type and dato', () => {
    expect(ok(mapCsvRecord('karakterer', rec({ uni_login: 'abc12345', fag: 'dansk', type: 'Prøve', dato: '2026-06-20', slettet: 'ja' }), ctx))).toEqual([
      { target: 'deletion', of: 'grade', externalId: 'uni:abc12345:dansk:exam:2026-06-20' },
    ]);
  });
});

describe('csv layout: wellbeing (trivsel)', () => {
  const wb = (indikator: string, score: string, aar = '2025') => mapCsvRecord('trivsel', rec({ uni_login: 'abc12345', indikator, score, aar }, { file: 'trivsel_20250401.csv' }), ctx);

  it.each([
    ['faglig', 'academic'],
    ['Faglig trivsel', 'academic'],
    ['social', 'social'],
    ['social trivsel', 'social'],
    ['støtte og inspiration', 'support_and_inspiration'],
    ['Stoette og inspiration', 'support_and_inspiration'],
    ['ro og orden', 'peace_and_order'],
  ])('maps indikator %j to %s', (indikator, indicator) => {
    expect(ok(wb(indikator, '3,75'))[1]).toEqual({
      target: 'wellbeing',
      externalId: `uni:abc12345:${indicator}:2025`,
      childExternalId: 'uni:abc12345',
      indicator,
      score: 3.75,
      surveyYear: 2025,
      sourceUpdatedAt: '2025-03-31T22:00:00.000Z',
    });
  });

  it('reads decimal comma and point, rounds to two decimals, keeps 1–5', () => {
    expect(ok(wb('faglig', '4'))[1]).toMatchObject({ score: 4 });
    expect(ok(wb('faglig', '1,0'))[1]).toMatchObject({ score: 1 });
    expect(ok(wb('faglig', '3.5'))[1]).toMatchObject({ score: 3.5 });
    expect(ok(wb('faglig', '3,3333'))[1]).toMatchObject({ score: 3.33 });
    for (const score of ['0,99', '5,01', '6', '3,7,5', 'høj', '', '-1']) expect(fail(wb('faglig', score)).reason).toMatch(/^score: /);
  });

  it('refuses an unknown indicator and an impossible survey year', () => {
    expect(fail(wb('trivsel', '3')).reason).toMatch(/^indikator: /);
    expect(fail(wb('faglig', '3', '2014')).reason).toMatch(/^aar: /);
    expect(fail(wb('faglig', '3', String(new Date().getUTCFullYear() + 1))).reason).toMatch(/^aar: /);
    expect(fail(wb('faglig', '3', '25')).reason).toMatch(/^aar: /);
  });
});

describe('csv layout: files and records', () => {
  it('parses file names and orders full exports before deltas of the same minute', () => {
    expect(parseFileName('fravaer_20250901.csv')).toMatchObject({ stream: 'fravaer', stamp: '202509010000', full: false });
    expect(parseFileName('KARAKTERER_20250901_1430_fuld.CSV')).toMatchObject({ stream: 'karakterer', stamp: '202509011430', full: true });
    for (const bad of ['fravaer_2025091.csv', 'fravaer_20250231.csv', 'fravaer_20250901_2460.csv', 'fravaer_20250901.txt', 'elever_20250901.csv', 'fravaer_20250901_delta.csv']) {
      expect(parseFileName(bad)).toBeUndefined();
    }
    const names = ['fravaer_20250902.csv', 'fravaer_20250901_1200.csv', 'fravaer_20250901_fuld.csv', 'fravaer_20250901.csv'];
    expect(names.map((n) => parseFileName(n)!).sort((a, b) => (a.key < b.key ? -1 : 1)).map((f) => f.name)).toEqual([
      'fravaer_20250901_fuld.csv',
      'fravaer_20250901.csv',
      'fravaer_20250901_1200.csv',
      'fravaer_20250902.csv',
    ]);
  });

  it('stamps records with the export time of the file name in Danish time (summer and winter)', () => {
    expect(exportedAt(parseFileName('fravaer_20250701_0800.csv')!)).toBe('2025-07-01T06:00:00.000Z');
    expect(exportedAt(parseFileName('fravaer_20250115_0800.csv')!)).toBe('2025-01-15T07:00:00.000Z');
  });

  it('quarantines a reader-flagged row with its reason under its row id when the key columns are valid', () => {
    const r = fail(mapCsvRecord('karakterer', { file: 'karakterer_20260120.csv', line: 7, values: { cpr: CPR, fag: 'Matematik', type: 'prøve', dato: '2026-06-20' }, error: 'karakter: "11" is not on the 7-step scale' }, ctx));
    expect(r).toEqual({
      ok: false,
      reason: 'karakter: "11" is not on the 7-step scale',
      externalId: `cpr:${HASH}:matematik:exam:2026-06-20`,
      pupil: { externalId: `cpr:${HASH}`, cprHmac: HASH, uniLoginId: null },
    });
    const notice = fail(mapCsvRecord('fravaer', { file: 'fravaer_2025.csv', line: 0, values: {}, error: 'file: name does not follow' }, ctx));
    expect(notice.externalId).toBe('fravaer_2025.csv');
    expect(fail(mapCsvRecord('fravaer', { nonsense: true }, ctx)).reason).toMatch(/not a row/);
    expect(fail(mapCsvRecord('elever', rec({}), ctx)).reason).toMatch(/unknown stream/);
  });

  it('a record is stored in quarantine without its CPR number', () => {
    const stored = JSON.stringify(redactPayload(rec({ cpr: CPR, dato: '2025-09-01' }, { error: 'kategori: missing' })));
    expect(stored).not.toContain('710312');
    expect(stored).toContain('[redacted]');
  });

  it('parseRow is strict about the vocabularies but not about case and spacing', () => {
    expect(parseRow('fravaer', { uni_login: ' ABC12345 ', dato: ' 2025-09-01 ', kategori: ' Fravær  med  tilladelse ' })).toMatchObject({ ok: true, row: { status: 'authorised' } });
  });
});
