import { randomUUID } from 'node:crypto';
import type { ReadMessage } from '../../../connectors/connector';
import { csvConnector, type CsvState } from '../../../connectors/csv/connector';
import { cprHmac } from '../../../src/identity/cpr';
import { rawQuery } from '../../../src/platform/db/bulk';
import { SyncMode } from '../../../src/sources/sync-run.entity';
import { of, syncer, total, type SyncRunOptions } from '../../support/sync';
import { createTestRuntime, type TestRuntime } from '../../support/test-runtime';
import { addHubChildren, CPR_A, CPR_B, Drop, HEADERS } from './drop';

// Synthetic CPR number: day of month + 60 (never a real person).
const CPR_STRANGER = '800909-1111';

describe('csv file drop sync (real PostgreSQL)', () => {
  let rt: TestRuntime;
  let drop: Drop;
  let municipalityId: string;
  const child: Record<string, string> = {};

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) => Number((await q<{ n: string }>(sql, params))[0].n);
  const hmac = (cpr: string) => cprHmac(cpr, rt.config.CPR_HMAC_KEY);

  beforeEach(async () => {
    rt = await createTestRuntime();
    drop = new Drop();
    const added = await addHubChildren(rt);
    municipalityId = added.municipalityId;
    Object.assign(child, added.child);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    drop?.remove();
    await rt?.dispose();
  });

  async function registerSource(config: Record<string, unknown> = {}): Promise<string> {
    const [row] = await q<{ id: string }>(`insert into source_system (municipality_id, name, kind, config) values (?, ?, 'csv', ?::jsonb) returning id`, [
      municipalityId,
      `Elevadministration ${randomUUID().slice(0, 8)}`,
      JSON.stringify({ dropDirectory: drop.dir, settleSeconds: 0, pageSize: 4, ...config }),
    ]);
    return row.id;
  }
  const sync = (sourceId: string, mode = SyncMode.Incremental, opts: SyncRunOptions = {}) => syncer(rt)(sourceId, mode, opts);
  const days = (sourceId: string) =>
    q<{ child: string; date: string; status: string; note: string | null }>(
      `select c.first_name as child, to_char(a.date, 'YYYY-MM-DD') as date, a.status, a.note
       from attendance_day a join child c on c.id = a.child_id where a.source_system_id = ? order by 1, 2`,
      [sourceId],
    );

  /** Every row of every table of this test's database, as text (to prove a value is stored nowhere). */
  async function databaseText(): Promise<string> {
    const tables = await q<{ t: string }>(
      `select quote_ident(table_schema) || '.' || quote_ident(table_name) as t from information_schema.tables
       where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['public.attendance_day', 'public.quarantined_record']));
    let text = '';
    for (const { t } of tables) text += JSON.stringify(await q(`select * from ${t}`));
    return text;
  }
  /** What the free-text bemaerkning column of the exports below says: health information the hub must not keep. */
  const REMARKS = ['hovedpine', 'Tandlæge', 'Pjækkede', 'ringede (cpr', 'gemmes', 'Spanien', 'psykolog'];

  /**
   * A full export of each stream: A by UNI-Login (+ CPR on one row), B by CPR only, and a pupil the hub does not know.
   * The absence file has the free-text bemaerkning column, filled with health details and a CPR-shaped text: it is ignored.
   */
  function writeFullExports(): void {
    drop.write(
      'fravaer_20250905_fuld.csv',
      [
        HEADERS.fravaer,
        `anna0001;${CPR_A};2025-09-01;syg;Mor ringede — hovedpine;`,
        'anna0001;;2025-09-02;lovligt;Tandlæge på Ørestad;',
        'anna0001;;03-09-2025;ulovligt;;',
        `;${CPR_B};2025-09-01;sygdom;"Far ringede (cpr ${CPR_A.replace('-', '')}); går til psykolog";`,
        `;${CPR_B};2025-09-02;fravær med tilladelse;;`,
        `;${CPR_B};2025-09-03;ulovligt fravær;Pjækkede — så ved Åens bro;`,
        `xavi0009;${CPR_STRANGER};2025-09-01;syg;Må aldrig gemmes;`,
        'xavi0009;;2025-09-02;ulovligt;;',
      ],
      { encoding: 'windows-1252' },
    );
    drop.write('karakterer_20260120_fuld.csv', [
      HEADERS.karakterer,
      `anna0001;${CPR_A};Dansk;standpunkt;12;2026-01-15;`,
      'anna0001;;Matematik;standpunkt;10;2026-01-15;',
      'anna0001;;Engelsk;standpunktskarakter;7;2026-01-15;',
      'anna0001;;Historie;standpunkt;4;2026-01-15;',
      'anna0001;;Biologi;prøve;02;2025-06-10;',
      'anna0001;;Fysik/kemi;prøvekarakter;00;2025-06-12;',
      'anna0001;;Geografi;års;-3;2025-06-20;',
      `xavi0009;${CPR_STRANGER};Dansk;standpunkt;7;2026-01-15;`,
    ]);
    drop.write(
      'trivsel_20250401_fuld.csv',
      [
        HEADERS.trivsel,
        `anna0001;${CPR_A};faglig;3,75;2025;`,
        'anna0001;;social;4;2025;',
        'anna0001;;støtte og inspiration;2,5;2025;',
        'anna0001;;ro og orden;4,25;2025;',
        `xavi0009;${CPR_STRANGER};faglig;1,5;2025;`,
      ],
      { encoding: 'utf-8-bom' },
    );
  }

  it('lands every category, grade and indicator of linked pupils; nothing about other pupils is stored', async () => {
    writeFullExports();
    const sourceId = await registerSource();
    const results = await sync(sourceId, SyncMode.Full);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);

    expect(await days(sourceId)).toEqual([
      // The bemaerkning column is never read: no note, whatever the file says (GDPR art. 9 minimisation).
      { child: 'A', date: '2025-09-01', status: 'illness', note: null },
      { child: 'A', date: '2025-09-02', status: 'authorised', note: null },
      { child: 'A', date: '2025-09-03', status: 'unauthorised', note: null },
      { child: 'B', date: '2025-09-01', status: 'illness', note: null },
      { child: 'B', date: '2025-09-02', status: 'authorised', note: null },
      { child: 'B', date: '2025-09-03', status: 'unauthorised', note: null },
    ]);
    expect(await q(`select subject, kind, value, to_char(grade_date, 'YYYY-MM-DD') as date, school_year from grade where child_id = ? order by subject`, [child.A])).toEqual([
      { subject: 'Biologi', kind: 'exam', value: '02', date: '2025-06-10', school_year: '2024/25' },
      { subject: 'Dansk', kind: 'term', value: '12', date: '2026-01-15', school_year: '2025/26' },
      { subject: 'Engelsk', kind: 'term', value: '7', date: '2026-01-15', school_year: '2025/26' },
      { subject: 'Fysik/kemi', kind: 'exam', value: '00', date: '2025-06-12', school_year: '2024/25' },
      { subject: 'Geografi', kind: 'year', value: '-3', date: '2025-06-20', school_year: '2024/25' },
      { subject: 'Historie', kind: 'term', value: '4', date: '2026-01-15', school_year: '2025/26' },
      { subject: 'Matematik', kind: 'term', value: '10', date: '2026-01-15', school_year: '2025/26' },
    ]);
    expect(await q(`select indicator, score::text, survey_year from wellbeing where child_id = ? order by indicator`, [child.A])).toEqual([
      { indicator: 'academic', score: '3.75', survey_year: 2025 },
      { indicator: 'peace_and_order', score: '4.25', survey_year: 2025 },
      { indicator: 'social', score: '4.00', survey_year: 2025 },
      { indicator: 'support_and_inspiration', score: '2.50', survey_year: 2025 },
    ]);
    expect(await q(`select external_id, child_id, method from identity_link where source_system_id = ? order by external_id`, [sourceId])).toEqual([
      { external_id: `cpr:${hmac(CPR_B)}`, child_id: child.B, method: 'cpr' },
      { external_id: 'uni:anna0001', child_id: child.A, method: 'cpr' },
    ]);

    // The stranger: counted, never stored — no link, no row, no quarantine entry.
    expect(of(results, 'fravaer')).toMatchObject({ read: 8, inserted: 6 + 2, quarantined: 0 }); // 6 days + 2 pupil links
    expect(total(results, 'skippedUnlinked')).toBeGreaterThanOrEqual(2 + 1 + 1);
    expect(await count(`select count(*) as n from identity_link where external_id like '%xavi%' or uni_login_id = 'xavi0009'`)).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where external_id like '%xavi%'`)).toBe(0);
    expect(await count(`select count(*) as n from grade where external_id like '%xavi%'`)).toBe(0);
    expect(await count(`select count(*) as n from wellbeing where external_id like '%xavi%'`)).toBe(0);
    expect(await count(`select count(*) as n from quarantined_record`)).toBe(0);
    expect(await count(`select count(*) as n from attendance_day where note is not null`)).toBe(0);
    const stored = await databaseText();
    for (const remark of REMARKS) expect(stored).not.toContain(remark);

    // No clear CPR number anywhere the sync wrote.
    const dump = JSON.stringify(await q(`select * from identity_link`)) + JSON.stringify(await q(`select * from attendance_day`)) + JSON.stringify(await q(`select * from sync_state`)) + JSON.stringify(await q(`select * from sync_run`));
    for (const cpr of [CPR_A, CPR_B, CPR_STRANGER]) expect(dump).not.toContain(cpr.replace('-', '').slice(0, 6));

    // A second run finds nothing new.
    const again = await sync(sourceId);
    expect(total(again, 'read')).toBe(0);
    expect(total(again, 'inserted') + total(again, 'updated') + total(again, 'deleted')).toBe(0);
  });

  it('applies a delta: changes, new rows and deletions (slettet = ja); a full resync sweeps what the newest full export lacks', async () => {
    writeFullExports();
    const sourceId = await registerSource();
    await sync(sourceId, SyncMode.Full);

    drop.write('fravaer_20250910_0715.csv', [
      HEADERS.fravaer,
      'anna0001;;2025-09-02;syg;;', // was lovligt
      'anna0001;;2025-09-03;;;ja', // registered by mistake: withdrawn
      `;${CPR_B};2025-09-08;ulovligt;;`,
      'anna0001;;2025-09-09;syg;;slettet?', // malformed slettet: quarantined, not applied
    ]);
    drop.write('karakterer_20260125.csv', [HEADERS.karakterer, 'anna0001;;Geografi;årskarakter;;2025-06-20;ja']);
    const delta = await sync(sourceId);
    expect(of(delta, 'fravaer')).toMatchObject({ read: 4, updated: 1, inserted: 1, deleted: 1, quarantined: 1 });
    expect(of(delta, 'karakterer')).toMatchObject({ read: 1, deleted: 1 });
    expect((await days(sourceId)).map((d) => `${d.child} ${d.date} ${d.status}`)).toEqual([
      'A 2025-09-01 illness',
      'A 2025-09-02 illness',
      'B 2025-09-01 illness',
      'B 2025-09-02 authorised',
      'B 2025-09-03 unauthorised',
      'B 2025-09-08 unauthorised',
    ]);
    expect(await count(`select count(*) as n from grade where child_id = ?`, [child.A])).toBe(6);

    // A new full export without B's first three days: the full resync deletes them. The grades'
    // full pass re-reads the old full export and the delta after it: the withdrawn grade stays gone.
    drop.write('fravaer_20250915_fuld.csv', [HEADERS.fravaer, 'anna0001;;2025-09-01;syg;;', 'anna0001;;2025-09-02;syg;;', `;${CPR_B};2025-09-08;ulovligt;;`]);
    const full = await sync(sourceId, SyncMode.Full);
    expect(of(full, 'fravaer')).toMatchObject({ read: 3, deleted: 3, inserted: 0 });
    // Replayed in order: the grade comes back with the full export's page and goes again with the delta's.
    expect(of(full, 'karakterer')).toMatchObject({ read: 8 + 1, inserted: 1, deleted: 1 });
    expect((await days(sourceId)).map((d) => `${d.child} ${d.date}`)).toEqual(['A 2025-09-01', 'A 2025-09-02', 'B 2025-09-08']);
    expect(await count(`select count(*) as n from grade where child_id = ?`, [child.A])).toBe(6);
    expect(await count('select count(*) as n from sync_seen')).toBe(0);
  });

  it('quarantines malformed rows with reasons and without a CPR number, lands the rest, and resolves them when fixed', async () => {
    drop.write('karakterer_20260120.csv', [
      HEADERS.karakterer,
      `anna0001;${CPR_A};Dansk;standpunkt;12;2026-01-15;`,
      'anna0001;;Matematik;standpunkt;11;2026-01-15;',
      'anna0001;;Engelsk;standpunkt;13;2026-01-15;',
      'anna0001;;Tysk;standpunkt;"""13""";2026-01-15;',
      'anna0001;;Historie;standpunkt;2;2026-01-15;',
      'anna0001;;Biologi;prøve;0;2025-06-10;',
      'anna0001;;Fysik/kemi;prøve;;2025-06-12;',
      'anna0001;;Geografi;terminsprøve;7;2025-06-20;',
    ]);
    drop.write('fravaer_20250905.csv', [
      HEADERS.fravaer,
      `;${CPR_B};2025-09-01;syg;;`,
      `;${CPR_B};2025-09-31;syg;;`,
      `;${CPR_B};2025-09-02;ferie;Ferie i Spanien;`,
      ';;2025-09-03;syg;;',
      `;711312-1234;2025-09-04;syg;;`,
      `;${CPR_B};2025-09-05;syg;note;extra;fields`,
      `;${CPR_B};2025-09-10;syg;Mor ringede — hovedpine, går til psykolog;`,
    ]);
    drop.write('trivsel_20250401.csv', [HEADERS.trivsel, `;${CPR_B};faglig;6;2025;`, `;${CPR_B};social;3,5;2025;`]);
    const sourceId = await registerSource();
    const results = await sync(sourceId);
    expect(of(results, 'karakterer')).toMatchObject({ read: 8, quarantined: 7 });
    expect(of(results, 'fravaer')).toMatchObject({ read: 7, quarantined: 5 });
    expect(of(results, 'trivsel')).toMatchObject({ read: 2, quarantined: 1 });
    expect(await count('select count(*) as n from grade')).toBe(1);
    expect(await count('select count(*) as n from attendance_day')).toBe(2);
    expect(await count('select count(*) as n from wellbeing')).toBe(1);

    const quarantined = await q<{ stream: string; external_id: string; reason: string; redacted_payload: { file: string; line: number; values: Record<string, string> } }>(
      `select stream, external_id, reason, redacted_payload from quarantined_record where source_system_id = ? and resolved_at is null order by stream, (redacted_payload->>'line')::int`,
      [sourceId],
    );
    expect(quarantined.map((r) => [r.stream, r.redacted_payload.line, r.reason])).toEqual([
      ['fravaer', 3, expect.stringMatching(/^dato: "2025-09-31" is not a calendar date/)],
      ['fravaer', 4, expect.stringMatching(/^kategori: "ferie" is not one of syg, lovligt, ulovligt/)],
      ['fravaer', 5, expect.stringMatching(/neither is given/)],
      ['fravaer', 6, expect.stringMatching(/^cpr: not a CPR number/)],
      ['fravaer', 7, expect.stringMatching(/^row: 7 fields where the header has 6/)],
      ['karakterer', 3, expect.stringMatching(/^karakter: "11" is not on the 7-step scale/)],
      ['karakterer', 4, expect.stringMatching(/^karakter: "13" is not on/)],
      ['karakterer', 5, expect.stringMatching(/^karakter: "\\"13\\"" is not on/)],
      ['karakterer', 6, expect.stringMatching(/^karakter: "2" .*ambiguous/)],
      ['karakterer', 7, expect.stringMatching(/^karakter: "0" .*ambiguous/)],
      ['karakterer', 8, expect.stringMatching(/^karakter: missing/)],
      ['karakterer', 9, expect.stringMatching(/^type: "terminsprøve" is not one of/)],
      ['trivsel', 2, expect.stringMatching(/^score: "6" is outside/)],
    ]);
    // Keyed on the row when its pupil and key columns are readable, else on file:line.
    expect(quarantined.find((r) => r.redacted_payload.line === 3 && r.stream === 'karakterer')?.external_id).toBe('uni:anna0001:matematik:term:2026-01-15');
    expect(quarantined.find((r) => r.redacted_payload.line === 4 && r.stream === 'fravaer')?.external_id).toBe(`cpr:${hmac(CPR_B)}:2025-09-02`);
    expect(quarantined.find((r) => r.redacted_payload.line === 5 && r.stream === 'fravaer')?.external_id).toBe('fravaer_20250905.csv:5');
    // Minimal payloads: who and which row — no CPR number, no category, grade, score or note.
    const dump = JSON.stringify(quarantined);
    for (const cpr of [CPR_A, CPR_B, '711312-1234']) expect(dump).not.toContain(cpr.slice(0, 6));
    expect(dump).not.toMatch(/\b\d{6}-?\d{4}\b/);
    expect(dump).not.toContain('Spanien');
    // Nor the free-text bemaerkning of any row, malformed or landed, anywhere in the database.
    expect(await count(`select count(*) as n from attendance_day where note is not null`)).toBe(0);
    const stored = await databaseText();
    for (const remark of REMARKS) expect(stored).not.toContain(remark);
    for (const r of quarantined) expect(Object.keys(r.redacted_payload.values).every((k) => ['uni_login', 'cpr', 'dato', 'fag', 'type', 'indikator', 'aar'].includes(k))).toBe(true);

    // Fixed at the source in a later file: the rows land and their entries are resolved.
    drop.write('karakterer_20260121.csv', [HEADERS.karakterer, 'anna0001;;Matematik;standpunkt;10;2026-01-15;', 'anna0001;;Historie;standpunkt;02;2026-01-15;']);
    drop.write('fravaer_20250906.csv', [HEADERS.fravaer, `;${CPR_B};2025-09-02;lovligt;;`]);
    await sync(sourceId);
    expect(await count('select count(*) as n from grade')).toBe(3);
    expect(await count('select count(*) as n from attendance_day')).toBe(3);
    expect(await count(`select count(*) as n from quarantined_record where resolved_at is not null`)).toBe(3);
  });

  it('resumes a full sync aborted after its first page where it stopped: no duplicates, no rows swept by mistake', async () => {
    const dates = ['01', '02', '03', '04', '05', '08', '09', '10', '11', '12'].map((d) => `2025-09-${d}`);
    drop.write('fravaer_20250801_fuld.csv', [HEADERS.fravaer, `anna0001;${CPR_A};2025-08-29;syg;;`]);
    const sourceId = await registerSource();
    await sync(sourceId, SyncMode.Full);
    drop.write('fravaer_20250915_fuld.csv', [HEADERS.fravaer, ...dates.map((d, i) => `anna0001;${i === 0 ? CPR_A : ''};${d};${['syg', 'lovligt', 'ulovligt'][i % 3]};;`)]);

    // The job is aborted right after its first page (4 rows) is handed over.
    const ac = new AbortController();
    const read = csvConnector.read.bind(csvConnector);
    jest.spyOn(csvConnector, 'read').mockImplementation(async function* (config, streams, ctx): AsyncGenerator<ReadMessage<CsvState>> {
      for await (const m of read(config, streams, ctx)) {
        yield m;
        if (m.type === 'state' && streams[0].name === 'fravaer') ac.abort();
      }
    });
    const jobId = randomUUID();
    await expect(sync(sourceId, SyncMode.Full, { jobId, signal: ac.signal, finalAttempt: false })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await count(`select count(*) as n from attendance_day`)).toBe(1 + 4);
    const [saved] = await q<{ state: CsvState }>(`select state from sync_state where source_system_id = ? and stream = 'fravaer'`, [sourceId]);
    expect(saved.state).toMatchObject({ fullPass: true, fullFrom: 'fravaer_20250915_fuld.csv', file: 'fravaer_20250915_fuld.csv', row: 4 });

    // The retry of the same job continues mid-file.
    const results = await sync(sourceId, SyncMode.Full, { jobId });
    expect(of(results, 'fravaer')).toMatchObject({ status: 'succeeded', read: 10, inserted: 10, deleted: 1 }); // the pupil was linked already
    expect((await days(sourceId)).map((d) => d.date)).toEqual(dates);
    expect(await count(`select count(*) as n from sync_run where job_id = ? and stream = 'fravaer'`, [jobId])).toBe(1);
  });

  it('applies rows in file order when a file withdraws and re-registers the same day', async () => {
    drop.write('fravaer_20250905.csv', [HEADERS.fravaer, `anna0001;${CPR_A};2025-09-01;syg;;`, 'anna0001;;2025-09-01;;;ja', 'anna0001;;2025-09-01;ulovligt;;']);
    const sourceId = await registerSource({ pageSize: 100 });
    await sync(sourceId);
    expect((await days(sourceId)).map((d) => `${d.date} ${d.status}`)).toEqual(['2025-09-01 unauthorised']);
  });
});
