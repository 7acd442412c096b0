import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvConfig, parseCsvSettings, type CsvConfig } from '../../../connectors/csv/config';
import { csvConnector, fullResyncWanted, type CsvState } from '../../../connectors/csv/connector';
import { streamOfName } from '../../../connectors/csv/layout';
import { fileDecoding, readFileRows, resolveDropDirectory, type FileRow } from '../../../connectors/csv/reader';
import { connectorFor } from '../../../connectors/registry';
import { collect, Drop, HEADERS } from './drop';

const CPR = '710312-1234'; // synthetic: day + 60

describe('csv reader: files, encodings, syntax', () => {
  let drop: Drop;
  beforeEach(() => (drop = new Drop()));
  afterEach(() => drop.remove());

  const rows = async (name: string, opts: Partial<{ encoding: CsvConfig['encoding']; delimiter: string }> = {}) => {
    const out: FileRow[] = [];
    for await (const r of readFileRows({ path: join(drop.dir, name), name, stream: streamOfName(name)! }, { encoding: opts.encoding ?? 'auto', delimiter: opts.delimiter ?? ';' })) out.push(r);
    return out;
  };
  // Free text the layout reads: a grade's subject, as the school names it.
  const grades = ['uni_login;fag;type;karakter;dato', 'søren01;Håndværk og design — værksted;prøve;7;2025-06-10', 'åse02;Tysk (fortsættersprog), Østerbro;års;02;20-06-2025'];
  const expected = [
    { line: 2, values: { uni_login: 'søren01', fag: 'Håndværk og design — værksted', type: 'prøve', karakter: '7', dato: '2025-06-10' } },
    { line: 3, values: { uni_login: 'åse02', fag: 'Tysk (fortsættersprog), Østerbro', type: 'års', karakter: '02', dato: '20-06-2025' } },
  ];

  it.each(['utf-8', 'utf-8-bom', 'windows-1252'] as const)('decodes æøå from a %s file with encoding auto', async (encoding) => {
    drop.write('karakterer_20250901.csv', grades, { encoding });
    expect(await rows('karakterer_20250901.csv')).toEqual(expected);
  });

  it('decodes a Windows-1252 file when told so, and UTF-8 with a BOM whatever it is told', async () => {
    drop.write('karakterer_20250901.csv', grades, { encoding: 'windows-1252' });
    expect(await fileDecoding(join(drop.dir, 'karakterer_20250901.csv'), 'auto')).toBe('windows-1252');
    expect(await rows('karakterer_20250901.csv', { encoding: 'windows-1252' })).toEqual(expected);
    drop.write('karakterer_20250902.csv', grades, { encoding: 'utf-8-bom' });
    expect(await rows('karakterer_20250902.csv', { encoding: 'windows-1252' })).toEqual(expected);
  });

  it('refuses a Windows-1252 file declared UTF-8, and UTF-16, as configuration errors', async () => {
    drop.write('karakterer_20250901.csv', grades, { encoding: 'windows-1252' });
    await expect(rows('karakterer_20250901.csv', { encoding: 'utf-8' })).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/not valid UTF-8/) });
    writeFileSync(join(drop.dir, 'karakterer_20250902.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(grades.join('\r\n'), 'utf16le')]));
    await expect(rows('karakterer_20250902.csv')).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/UTF-16/) });
  });

  it('detects Windows-1252 even when the only non-ASCII byte is far into the file', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `pupil${i};Dansk;standpunkt;7;2026-01-15`);
    drop.write('karakterer_20260120.csv', ['uni_login;fag;type;karakter;dato', ...many, 'last1;Idræt på Åbyhøj;års;4;2026-01-15'], { encoding: 'windows-1252' });
    const all = await rows('karakterer_20260120.csv');
    expect(all).toHaveLength(20_001);
    expect(all.at(-1)).toMatchObject({ values: { fag: 'Idræt på Åbyhøj' } });
  });

  it('reads ";" with quoted values, LF or CRLF, and ignores blank and ";;;;" lines', async () => {
    drop.write('karakterer_20260120.csv', ['UNI-Login ; Dato ; Type ; Karakter ; Fag', 'a0001;2026-01-15;standpunkt;7;"Fysik/kemi; ""valgfag"""', '', ';;;;', 'a0002;2026-01-15;standpunkt;10;Dansk "skriftlig"'], { eol: '\n' });
    expect(await rows('karakterer_20260120.csv')).toEqual([
      { line: 2, values: { uni_login: 'a0001', dato: '2026-01-15', type: 'standpunkt', karakter: '7', fag: 'Fysik/kemi; "valgfag"' } },
      { line: 5, values: { uni_login: 'a0002', dato: '2026-01-15', type: 'standpunkt', karakter: '10', fag: 'Dansk "skriftlig"' } },
    ]);
    // æøå in a header may be written as such or as ae/oe/aa.
    drop.write('trivsel_20250401.csv', ['UNI-Login;Indikator;Score;År', 'a0001;støtte og inspiration;3,5;2025']);
    expect(await rows('trivsel_20250401.csv')).toEqual([{ line: 2, values: { uni_login: 'a0001', indikator: 'støtte og inspiration', score: '3,5', aar: '2025' } }]);
  });

  it('honours another delimiter when configured', async () => {
    drop.write('fravaer_20250901.csv', ['uni_login,dato,kategori', 'a0001,2025-09-01,syg']);
    expect(await rows('fravaer_20250901.csv', { delimiter: ',' })).toEqual([{ line: 2, values: { uni_login: 'a0001', dato: '2025-09-01', kategori: 'syg' } }]);
    await expect(rows('fravaer_20250901.csv')).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/header .*is the delimiter ";"/) });
  });

  it('keeps only the layout columns: others, the free-text bemaerkning among them, are never read', async () => {
    drop.write('fravaer_20250901.csv', [
      'fornavn;uni_login;efternavn;dato;kategori;Bemærkning;klasse',
      `Søren;a0001;Hansen;2025-09-01;syg;"Mor ringede — hovedpine; cpr ${CPR}";7.b`,
      'Åse;a0002;Østergaard;2025-09-02;lovligt;Går til psykolog;7.b',
    ]);
    const read = await rows('fravaer_20250901.csv');
    expect(read).toEqual([
      { line: 2, values: { uni_login: 'a0001', dato: '2025-09-01', kategori: 'syg' } },
      { line: 3, values: { uni_login: 'a0002', dato: '2025-09-02', kategori: 'lovligt' } },
    ]);
    const parsed = JSON.stringify(read);
    for (const text of ['Søren', 'Hansen', 'Østergaard', 'hovedpine', 'psykolog', '7.b', CPR.slice(0, 6)]) expect(parsed).not.toContain(text);
  });

  it('turns a row with the wrong number of fields into an error in its place, and goes on', async () => {
    drop.write('fravaer_20250901.csv', ['uni_login;dato;kategori', 'a0001;2025-09-01;syg', 'a0002;2025-09-01;syg;extra;more', 'a0003;2025-09-01', 'a0004;2025-09-01;lovligt']);
    expect(await rows('fravaer_20250901.csv')).toEqual([
      { line: 2, values: { uni_login: 'a0001', dato: '2025-09-01', kategori: 'syg' } },
      { line: 3, error: expect.stringMatching(/^row: 5 fields where the header has 3/) },
      { line: 4, error: expect.stringMatching(/^row: 2 fields where the header has 3/) },
      { line: 5, values: { uni_login: 'a0004', dato: '2025-09-01', kategori: 'lovligt' } },
    ]);
  });

  it('accepts a header without rows, refuses a file without a header', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer]);
    expect(await rows('fravaer_20250901.csv')).toEqual([]);
    writeFileSync(join(drop.dir, 'fravaer_20250902.csv'), '');
    await expect(rows('fravaer_20250902.csv')).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/empty file/) });
  });

  it('refuses a file whose header lacks what the stream needs', async () => {
    drop.write('fravaer_20250901.csv', ['dato;kategori', '2025-09-01;syg']);
    await expect(rows('fravaer_20250901.csv')).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/needs a uni_login or a cpr column/) });
    drop.write('fravaer_20250902.csv', ['cpr;dato;dato', `${CPR};2025-09-01;2025-09-02`]);
    await expect(rows('fravaer_20250902.csv')).rejects.toMatchObject({ message: expect.stringMatching(/dato appears more than once; missing column kategori/) });
  });

  it('refuses a file with an unclosed quote, short or long, without reading it into memory', async () => {
    drop.write('karakterer_20260121.csv', ['uni_login;type;karakter;dato;fag', 'a0001;standpunkt;7;2026-01-15;"never closed', 'a0002;standpunkt;7;2026-01-15;Dansk']);
    await expect(rows('karakterer_20260121.csv')).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/karakterer_20260121.csv/) });
    drop.write('karakterer_20260120.csv', ['uni_login;type;karakter;dato;fag', 'a0001;standpunkt;7;2026-01-15;"never closed', ...Array.from({ length: 5000 }, () => 'x'.repeat(30))]);
    await expect(rows('karakterer_20260120.csv')).rejects.toMatchObject({ failure: 'config_error' });
  });
});

describe('csv connector: config and drop directory', () => {
  it('parses config with defaults, ignoring what the runner adds', () => {
    expect(parseCsvConfig({ dropDirectory: '/srv/drop', baseUrl: undefined, auth: {} })).toEqual({ dropDirectory: '/srv/drop', encoding: 'auto', delimiter: ';', pageSize: 5000, settleSeconds: 60 });
    expect(() => parseCsvConfig({ dropDirectory: 'relative/dir' })).toThrow(/dropDirectory must be an absolute path/);
    expect(() => parseCsvConfig({ dropDirectory: '/x', encoding: 'latin1' })).toThrow(/encoding/);
    expect(() => parseCsvConfig({ dropDirectory: '/x', delimiter: '"' })).toThrow(/delimiter/);
    expect(() => parseCsvConfig({ dropDirectory: '/x', pageSize: 20_000 })).toThrow(/pageSize/);
  });

  it('checks settings as an admin saves them', () => {
    expect(() => parseCsvSettings({ dropDirectory: '/srv/drop', encoding: 'windows-1252', baseUrl: undefined })).not.toThrow();
    expect(() => parseCsvSettings({ dropDirectory: '/srv/drop', baseUrl: 'https://x' })).toThrow(/no base URL/);
    expect(() => parseCsvSettings({ dropDirectory: '/srv/drop', password: 'x' })).toThrow(/password|Unrecognized/i);
  });

  it('is registered under kind csv', () => {
    expect(connectorFor('csv')).toBe(csvConnector);
  });

  it('check: a missing directory is a configuration error; a directory outside the drop root is refused', async () => {
    const drop = new Drop();
    try {
      expect(await csvConnector.check(parseCsvConfig({ dropDirectory: drop.dir }))).toEqual({ ok: true });
      expect(await csvConnector.check(parseCsvConfig({ dropDirectory: join(drop.dir, 'nope') }))).toMatchObject({ ok: false, failure: 'config_error' });
      await expect(resolveDropDirectory({ dropDirectory: drop.dir }, { SKOLEBRO_DROP_ROOT: '/srv/skolebro-drops' })).rejects.toMatchObject({ failure: 'config_error', message: expect.stringMatching(/outside/) });
      await expect(resolveDropDirectory({ dropDirectory: drop.dir }, { SKOLEBRO_DROP_ROOT: join(drop.dir, '..') })).resolves.toBeTruthy();
    } finally {
      drop.remove();
    }
  });
});

describe('csv connector: reading a drop directory', () => {
  let drop: Drop;
  beforeEach(() => (drop = new Drop()));
  afterEach(() => drop.remove());

  const config = (over: Partial<CsvConfig> = {}) => parseCsvConfig({ dropDirectory: drop.dir, settleSeconds: 0, pageSize: 3, ...over });
  const read = (mode: 'full_refresh' | 'incremental', state?: CsvState, cfg = config(), signal = new AbortController().signal) =>
    collect(csvConnector.read(cfg, [{ name: 'fravaer', syncMode: mode }], { signal, state: new Map(state ? [['fravaer', state]] : []) }));
  const days = (n: number, from = 1, who = 'a0001') => Array.from({ length: n }, (_, i) => `${who};;2025-09-${String(from + i).padStart(2, '0')};syg;;`);

  it('pages a file with a state after every pageSize rows and at its end', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(7)]);
    const { all, states } = await read('incremental');
    expect(all.map((m) => m.type)).toEqual(['record', 'record', 'record', 'state', 'record', 'record', 'record', 'state', 'record', 'state', 'state']);
    expect(states.slice(0, 2)).toEqual([
      expect.objectContaining({ file: 'fravaer_20250901.csv', row: 3 }),
      expect.objectContaining({ file: 'fravaer_20250901.csv', row: 6 }),
    ]);
    expect(states.at(-1)).toEqual({ lastFile: 'fravaer_20250901.csv', listedAt: expect.any(Number) });
  });

  it('starts a new page when a row repeats a key already in the page (rows apply in file order)', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, 'a0001;;2025-09-01;syg;;', 'a0001;;2025-09-02;syg;;', 'A0001;;01-09-2025;;;ja']);
    const { all } = await read('incremental', undefined, config({ pageSize: 100 }));
    expect(all.map((m) => m.type)).toEqual(['record', 'record', 'state', 'record', 'state', 'state']);
    expect(all[2]).toMatchObject({ state: { file: 'fravaer_20250901.csv', row: 2 } });
  });

  it('marks the first valid row of each pupil in a page to carry the pupil record', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, 'a0001;;2025-09-01;ferie;;', 'a0001;;2025-09-02;syg;;', `a0001;${CPR};2025-09-03;syg;;`, 'a0001;;2025-09-04;syg;;', 'b0002;;2025-09-01;syg;;', 'a0001;;2025-09-05;syg;;']);
    const { records } = await read('incremental');
    expect(records.map((r) => r.pupil ?? false)).toEqual([false, true, true, true, true, false]);
    // Row 3 again, as it adds the CPR number; page two (rows 4–6) starts afresh: its first rows of a0001 and b0002 carry the pupil.
    expect(records.map((r) => r.error ? 'error' : 'ok')).toEqual(['error', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('resumes mid-file from a saved state without re-reading committed rows', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(7)]);
    drop.write('fravaer_20250902.csv', [HEADERS.fravaer, ...days(2, 10)]);
    const first = await read('incremental');
    const mid = first.states[0]; // after row 3 of the first file
    const resumed = await read('incremental', mid);
    expect(resumed.records.map((r) => `${r.file}:${r.line}`)).toEqual([
      ...[5, 6, 7, 8].map((l) => `fravaer_20250901.csv:${l}`),
      'fravaer_20250902.csv:2',
      'fravaer_20250902.csv:3',
    ]);
    // A file rewritten since is read again from its first row.
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(7), ...days(1, 20)]);
    expect((await read('incremental', mid)).records.filter((r) => r.file === 'fravaer_20250901.csv')).toHaveLength(8);
  });

  it('applies each file once, in name order; an incremental read continues after the last', async () => {
    drop.write('fravaer_20250902.csv', [HEADERS.fravaer, ...days(1, 2)]);
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...days(1, 1)]);
    drop.write('fravaer_20250901_1200.csv', [HEADERS.fravaer, ...days(1, 3)]);
    const first = await read('incremental');
    expect([...new Set(first.records.map((r) => r.file))]).toEqual(['fravaer_20250901_fuld.csv', 'fravaer_20250901_1200.csv', 'fravaer_20250902.csv']);
    const again = await read('incremental', first.states.at(-1));
    expect(again.records).toEqual([]);
    drop.write('fravaer_20250903.csv', [HEADERS.fravaer, ...days(1, 4)]);
    const next = await read('incremental', again.states.at(-1));
    expect(next.records.map((r) => r.file)).toEqual(['fravaer_20250903.csv']);
  });

  it('remembers a full export applied incrementally until a full read settles it', async () => {
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...days(1)]);
    const inc = await read('incremental');
    expect(inc.states.at(-1)).toMatchObject({ sweepPending: 'fravaer_20250901_fuld.csv' });
    expect(fullResyncWanted(new Map([['fravaer', inc.states.at(-1)], ['karakterer', { lastFile: 'x' }]]))).toEqual(['fravaer']);
    drop.write('fravaer_20250902.csv', [HEADERS.fravaer, ...days(1, 2)]);
    const next = await read('incremental', inc.states.at(-1));
    expect(next.states.at(-1)).toMatchObject({ lastFile: 'fravaer_20250902.csv', sweepPending: 'fravaer_20250901_fuld.csv' });
    const full = await read('full_refresh', next.states.at(-1));
    expect(full.states.at(-1)).toEqual({ lastFile: 'fravaer_20250902.csv', listedAt: expect.any(Number) });
  });

  it('a full read starts at the newest full export and covers every file after it', async () => {
    drop.write('fravaer_20250801_fuld.csv', [HEADERS.fravaer, ...days(1, 1)]);
    drop.write('fravaer_20250815.csv', [HEADERS.fravaer, ...days(1, 2)]);
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...days(1, 3)]);
    drop.write('fravaer_20250902.csv', [HEADERS.fravaer, ...days(1, 4)]);
    const incremental = await read('incremental');
    const full = await read('full_refresh', incremental.states.at(-1));
    expect([...new Set(full.records.map((r) => r.file))]).toEqual(['fravaer_20250901_fuld.csv', 'fravaer_20250902.csv']);
    expect(full.states[0]).toMatchObject({ fullPass: true, fullFrom: 'fravaer_20250901_fuld.csv' });
    expect(full.states.at(-1)).toEqual({ lastFile: 'fravaer_20250902.csv', listedAt: expect.any(Number) });
    // streams(): the target (and so the sweep) only where a full export exists.
    const specs = await csvConnector.streams(config());
    expect(specs.map((s) => [s.name, s.target])).toEqual([
      ['fravaer', 'attendance_day'],
      ['karakterer', undefined],
      ['trivsel', undefined],
    ]);
  });

  it('a fresh full read does not skip the rows an interrupted incremental read had committed', async () => {
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...days(5)]);
    const { states } = await read('incremental');
    expect(states[0]).toMatchObject({ file: 'fravaer_20250901_fuld.csv', row: 3 });
    expect((await read('full_refresh', states[0])).records.map((r) => r.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('an interrupted full read resumes as a full read even when the next job is incremental', async () => {
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...days(5)]);
    const { states } = await read('full_refresh');
    const resumed = await read('incremental', states[0]);
    expect(resumed.records.map((r) => r.line)).toEqual([5, 6]);
    expect(resumed.states[0]).toMatchObject({ fullPass: true, fullFrom: 'fravaer_20250901_fuld.csv', lastFile: 'fravaer_20250901_fuld.csv' });
    expect(resumed.states.at(-1)).toEqual({ lastFile: 'fravaer_20250901_fuld.csv', listedAt: expect.any(Number) });
  });

  it('leaves a file that may still be written for the next run; postpones a full read', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(1)]);
    drop.write('fravaer_20250902.csv', [HEADERS.fravaer, ...days(1, 2)], { mtime: Date.now() });
    drop.write('fravaer_20250903.csv', [HEADERS.fravaer, ...days(1, 3)]);
    const cfg = config({ settleSeconds: 60 });
    const inc = await read('incremental', undefined, cfg);
    expect(inc.records.map((r) => r.file)).toEqual(['fravaer_20250901.csv']);
    expect(inc.states.at(-1)).toMatchObject({ lastFile: 'fravaer_20250901.csv' });
    await expect(read('full_refresh', undefined, cfg)).rejects.toMatchObject({ failure: 'transient_error', message: expect.stringMatching(/fravaer_20250902.csv/) });
  });

  it('reports once a misnamed file and a file that arrived after a newer one was applied', async () => {
    // A file stamped in the very millisecond of the last listing is neither before nor after it.
    const afterLastListing = () => new Promise((r) => setTimeout(r, 5));
    drop.write('fravaer_20250905.csv', [HEADERS.fravaer, ...days(1)]);
    drop.write('fravaer_2025-09-06.csv', [HEADERS.fravaer, ...days(1)]);
    const first = await read('incremental');
    expect(first.records.filter((r) => r.line === 0)).toEqual([{ file: 'fravaer_2025-09-06.csv', line: 0, values: {}, error: expect.stringMatching(/name does not follow/) }]);
    await afterLastListing();
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(1)], { mtime: Date.now() });
    const second = await read('incremental', first.states.at(-1));
    expect(second.records).toEqual([{ file: 'fravaer_20250901.csv', line: 0, values: {}, error: expect.stringMatching(/arrived after the newer fravaer_20250905.csv/) }]);
    expect((await read('incremental', second.states.at(-1))).records).toEqual([]);
    // A misnamed file's name is the vendor's free text: a CPR number in it is masked.
    await afterLastListing();
    drop.write('fravaer_7103121234.csv', [HEADERS.fravaer], { mtime: Date.now() });
    expect((await read('incremental', second.states.at(-1))).records).toEqual([expect.objectContaining({ file: 'fravaer_••••••-••••.csv' })]);
  });

  it('stops at once when the job is aborted', async () => {
    drop.write('fravaer_20250901.csv', [HEADERS.fravaer, ...days(7)]);
    const ac = new AbortController();
    const seen: unknown[] = [];
    const run = async () => {
      for await (const m of csvConnector.read(config(), [{ name: 'fravaer', syncMode: 'incremental' }], { signal: ac.signal, state: new Map() })) {
        seen.push(m);
        if (m.type === 'state') ac.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(4);
  });

  it('streams a large file in bounded pages', async () => {
    const n = 60_000;
    drop.write('fravaer_20250901_fuld.csv', [HEADERS.fravaer, ...Array.from({ length: n }, (_, i) => `p${i % 3000};;2025-${String(8 + Math.floor(i / 3000 / 28) % 4).padStart(2, '0')}-${String(1 + (Math.floor(i / 3000) % 28)).padStart(2, '0')};syg;;`)]);
    let records = 0;
    let maxPage = 0;
    let page = 0;
    for await (const m of csvConnector.read(config({ pageSize: 5000 }), [{ name: 'fravaer', syncMode: 'full_refresh' }], { signal: new AbortController().signal, state: new Map() })) {
      if (m.type === 'record') (records++, page++);
      else (maxPage = Math.max(maxPage, page), (page = 0));
    }
    expect(records).toBe(n);
    expect(maxPage).toBe(5000);
  });
});
