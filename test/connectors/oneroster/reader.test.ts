import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yazl from 'yazl';
import type { ReadMessage } from '../../../connectors/connector';
import { Bundle, CSV_FILES, fromCsvRow, toCsvRow, writeBundle, type CsvFile } from '../../../connectors/oneroster/bundle';
import { oneRosterConnector, type OneRosterState } from '../../../connectors/oneroster/connector';
import { parseFilter, OneRosterSimulator } from '../../../connectors/oneroster/simulator';
import type { Envelope } from '../../../connectors/oneroster/wire';
import { generatePopulation } from '../../../src/synthetic/generator';
import { MUNICIPALITY } from './support';

const population = generatePopulation({ seed: 11, children: 30, municipalities: [MUNICIPALITY] });

async function readAll(config: unknown, stream: string, state?: OneRosterState, mode: 'incremental' | 'full_refresh' = 'incremental') {
  const messages: ReadMessage<OneRosterState>[] = [];
  const parsed = oneRosterConnector.parseConfig(config);
  for await (const m of oneRosterConnector.read(parsed, [{ name: stream, syncMode: mode }], { signal: new AbortController().signal, state: new Map(state ? [[stream, state]] : []) })) {
    messages.push(m);
  }
  const records = messages.filter((m) => m.type === 'record').map((m) => (m as { data: Envelope }).data);
  const states = messages.filter((m) => m.type === 'state').map((m) => (m as { state: OneRosterState }).state);
  return { messages, records, states };
}

describe('OneRoster CSV binding', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oneroster-reader-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('converts rows both ways: references, lists, userIds, scoreScaleValue, numbers; bulk leaves status blank', () => {
    const user = {
      sourcedId: 'stu-1',
      status: 'active',
      dateLastModified: '2026-01-05T10:00:00.000Z',
      username: 'fre12345',
      userIds: [
        { type: 'UNI-Login', identifier: 'fre12345' },
        { type: 'CPR', identifier: '710113-1234' },
      ],
      givenName: 'Freja, "Fie"',
      familyName: 'Holm',
      grades: ['09'],
      primaryOrg: { sourcedId: 'school-1' },
      agents: [{ sourcedId: 'p1' }, { sourcedId: 'p2' }],
    };
    const header = CSV_FILES.users.map(([c]) => c);
    const delta = Object.fromEntries(header.map((h, i) => [h, toCsvRow('users', user, 'delta')[i]]));
    expect(delta).toMatchObject({ userIds: '{UNI-Login:fre12345},{CPR:710113-1234}', grades: '09', primaryOrgSourcedId: 'school-1', agentSourcedIds: 'p1,p2', status: 'active' });
    expect(fromCsvRow('users', delta)).toEqual(user);
    const bulk = Object.fromEntries(header.map((h, i) => [h, toCsvRow('users', user, 'bulk')[i]]));
    expect(bulk).toMatchObject({ status: '', dateLastModified: '' });
    expect(fromCsvRow('users', bulk)).toMatchObject({ status: 'active' });
    expect(fromCsvRow('users', bulk)).not.toHaveProperty('dateLastModified');

    const scale = { sourcedId: 'ss', status: 'active', title: '7-trin', type: 'x', scoreScaleValue: [{ itemValueLHS: '02', itemValueRHS: '2' }, { itemValueLHS: '-3', itemValueRHS: '-3' }] };
    const sh = CSV_FILES.scoreScales.map(([c]) => c);
    const row = Object.fromEntries(sh.map((h, i) => [h, toCsvRow('scoreScales', scale, 'delta')[i]]));
    expect(row.scoreScaleValue).toBe('{02:2},{-3:-3}');
    expect(fromCsvRow('scoreScales', row)).toEqual(scale);
    expect(fromCsvRow('results', { sourcedId: 'r', score: '7', textScore: '7' })).toMatchObject({ score: 7, textScore: '7' });
    expect(fromCsvRow('results', { sourcedId: 'r', score: 'syv' })).toMatchObject({ score: 'syv' }); // the mapper refuses it
    expect(fromCsvRow('users', { sourcedId: 'u', userIds: 'CPR=123' })).toMatchObject({ userIds: 'CPR=123' });
    expect(fromCsvRow('lineItems', { sourcedId: 'l', academicSessionSourcedId: 'as-h1', classSourcedId: 'c' })).toMatchObject({ gradingPeriod: { sourcedId: 'as-h1' }, class: { sourcedId: 'c' } });
  });

  it('reads manifest and rows (quoted fields, a folder in the zip); a short row is a quarantinable error, not a lost record', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\nfile.users,absent\n'), 'export/manifest.csv');
    zip.addBuffer(Buffer.from('\ufeffsourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\ns1,,,"Eng, skolen",school,916701,\ns2,,,Bakkeskolen\n'), 'export/orgs.csv');
    zip.end();
    const path = join(dir, 'a.zip');
    await new Promise<void>((resolve) => zip.outputStream.pipe(require('node:fs').createWriteStream(path)).on('close', () => resolve()));
    const b = await Bundle.open(path);
    try {
      expect(b.modeOf('orgs')).toBe('bulk');
      expect(b.modeOf('users')).toBe('absent');
      expect(b.modeOf('results')).toBe('absent');
      const rows = [];
      for await (const r of b.rows('orgs')) rows.push(r);
      expect(rows[0]).toEqual({ line: 2, values: { sourcedId: 's1', status: '', dateLastModified: '', name: 'Eng, skolen', type: 'school', identifier: '916701', parentSourcedId: '' } });
      expect(rows[1]).toMatchObject({ line: 3, values: { sourcedId: 's2' }, error: 'orgs.csv line 3: 4 fields, the header has 7' });
    } finally {
      b.close();
    }
  });

  it('refuses bundles that break the binding, with the reason (config errors)', async () => {
    const bad = async (name: string, entries: Record<string, string>) => {
      const zip = new yazl.ZipFile();
      for (const [n, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), n);
      zip.end();
      const path = join(dir, name);
      await new Promise<void>((resolve) => zip.outputStream.pipe(require('node:fs').createWriteStream(path)).on('close', () => resolve()));
      try {
        const b = await Bundle.open(path, 1000);
        try {
          b.modeOf('orgs');
          return 'opened';
        } finally {
          b.close();
        }
      } catch (err) {
        return `${(err as { failure?: string }).failure}: ${(err as Error).message}`;
      }
    };
    expect(await bad('a.zip', { 'orgs.csv': 'sourcedId\n' })).toBe('config_error: a.zip: no manifest.csv');
    expect(await bad('b.zip', { 'manifest.csv': 'propertyName,value\noneroster.version,1.1\n' })).toMatch(/config_error: b.zip\/manifest.csv: oneroster.version is "1.1", expected 1.2/);
    expect(await bad('c.zip', { 'manifest.csv': 'propertyName,value\noneroster.version,1.2\nfile.orgs,bulk\n' })).toMatch(/manifest lists orgs.csv as bulk but the zip has no orgs.csv/);
    expect(await bad('d.zip', { 'manifest.csv': 'propertyName,value\noneroster.version,1.2\nfile.orgs,sometimes\n', 'orgs.csv': 'sourcedId\n' })).toMatch(/file.orgs is "sometimes"/);
    expect(await bad('e.zip', { 'manifest.csv': `propertyName,value\noneroster.version,1.2\n${'x,y\n'.repeat(400)}` })).toMatch(/more than the 1000 allowed/);
    writeFileSync(join(dir, 'f.zip'), 'PK but not really');
    expect(await Bundle.open(join(dir, 'f.zip')).catch((e: Error) => e.message)).toMatch(/f.zip: not a readable zip/);
  });

  it('resumes a bundle mid-file from the committed row, reads each bundle once, and waits for a file to settle', async () => {
    const sim = OneRosterSimulator.fromPopulation(population, MUNICIPALITY.code);
    await sim.writeBundle(join(dir, '001.zip'), { mode: 'bulk' });
    const config = { mode: 'csv_bundle', dropDirectory: dir, settleMs: 0, pageSize: 10 };
    const all = await readAll(config, 'results');
    const n = sim.records('results').length;
    expect(all.records.map((r) => r.id)).toEqual(sim.records('results').map((r) => r.sourcedId).sort());
    expect(all.states.at(-1)).toEqual({ done: '001.zip' });
    const mid = all.states[2];
    expect(mid).toEqual({ done: undefined, file: '001.zip', row: 30 });
    const resumed = await readAll(config, 'results', mid);
    expect(resumed.records.map((r) => r.id)).toEqual(all.records.slice(30).map((r) => r.id));
    expect(resumed.records.length).toBe(n - 30);
    expect((await readAll(config, 'results', { done: '001.zip' })).records).toEqual([]);

    // A zip still being written (recent mtime) waits; an old one is read.
    const fresh = join(dir, '002.zip');
    await sim.writeBundle(fresh, { mode: 'delta', since: sim.lastModified() });
    expect((await readAll({ ...config, settleMs: 60_000 }, 'results', { done: '001.zip' })).states).toEqual([{ done: '001.zip' }]);
    utimesSync(fresh, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect((await readAll({ ...config, settleMs: 60_000 }, 'results', { done: '001.zip' })).states).toEqual([{ done: '002.zip' }]);
  });

  it('reads only pupils: users known by roles.csv as teachers or guardians are not even passed on', async () => {
    await writeBundle(join(dir, '001.zip'), {
      mode: 'bulk',
      files: {
        users: [
          { sourcedId: 'u-pupil', givenName: 'A', familyName: 'B', userIds: [{ type: 'UNI-Login', identifier: 'abc12345' }], email: 'a@b.dk', password: 'secret' },
          { sourcedId: 'u-teacher', givenName: 'C', familyName: 'D' },
          { sourcedId: 'u-unknown', givenName: 'E', familyName: 'F' },
        ],
        roles: [
          { sourcedId: 'r1', user: { sourcedId: 'u-pupil' }, roleType: 'primary', role: 'student', org: { sourcedId: 's' } },
          { sourcedId: 'r2', user: { sourcedId: 'u-teacher' }, roleType: 'primary', role: 'teacher', org: { sourcedId: 's' } },
        ],
        demographics: [{ sourcedId: 'u-pupil', birthDate: '2012-05-01', sex: 'female' }],
      },
    });
    const { records } = await readAll({ mode: 'csv_bundle', dropDirectory: dir, settleMs: 0 }, 'students');
    expect(records.map((r) => r.id)).toEqual(['u-pupil', 'u-unknown']);
    // Minimisation at the edge: no e-mail, password or sex is held or passed on; the birth date comes with the user's demographics.
    expect(records[0].record).toEqual({ sourcedId: 'u-pupil', status: 'active', givenName: 'A', familyName: 'B', userIds: [{ type: 'UNI-Login', identifier: 'abc12345' }] });
    expect(records[0].refs).toEqual({ demographics: { sourcedId: 'u-pupil', status: 'active', birthDate: '2012-05-01' } });
    expect(records[1].refs).toBeUndefined();
  });

  it('check(): a drop directory that exists is ok; a missing one is a config error', async () => {
    expect(await oneRosterConnector.check(oneRosterConnector.parseConfig({ mode: 'csv_bundle', dropDirectory: dir }))).toEqual({ ok: true });
    expect(await oneRosterConnector.check(oneRosterConnector.parseConfig({ mode: 'csv_bundle', dropDirectory: join(dir, 'nope') }))).toMatchObject({
      ok: false,
      failure: 'config_error',
      message: expect.stringMatching(/ENOENT/),
    });
    // The runner passes the source's (empty) base URL and resolved credential to a file source too.
    expect(oneRosterConnector.parseConfig({ mode: 'csv_bundle', dropDirectory: dir, baseUrl: null, auth: {} })).toMatchObject({ mode: 'csv_bundle', settleMs: 5000, pageSize: 1000 });
  });

  it('a full refresh starts at the newest bulk of the stream’s file and reads the deltas after it', async () => {
    const sim = OneRosterSimulator.fromPopulation(population, MUNICIPALITY.code);
    await sim.writeBundle(join(dir, '001.zip'), { mode: 'bulk' });
    let since = sim.lastModified();
    const [a, b] = sim.records('results');
    sim.update('results', a.sourcedId, { textScore: '12', score: 12 });
    await sim.writeBundle(join(dir, '002.zip'), { mode: 'delta', since });
    await sim.writeBundle(join(dir, '003.zip'), { mode: 'bulk' });
    since = sim.lastModified();
    sim.markToBeDeleted('results', b.sourcedId);
    await sim.writeBundle(join(dir, '004.zip'), { mode: 'delta', since });
    const config = { mode: 'csv_bundle', dropDirectory: dir, settleMs: 0, pageSize: 1000 };
    const full = await readAll(config, 'results', { done: '004.zip' }, 'full_refresh');
    const n = sim.records('results').length;
    expect(full.records.length).toBe(n + 1); // 003 holds every result (b still active then), 004 b as tobedeleted
    expect(full.states.at(-1)).toEqual({ done: '004.zip' });
    expect(full.states.slice(0, -1).every((s) => s.fullFrom === '003.zip')).toBe(true);
    // Incremental from the start: a bulk after other bundles also deletes what it lacks (here: nothing).
    const inc = await readAll(config, 'results');
    expect(inc.records.filter((r) => (r.record as { status: string }).status === 'tobedeleted').map((r) => r.id)).toEqual([b.sourcedId]);
  });
});

describe('OneRoster REST reading', () => {
  let sim: OneRosterSimulator;
  let url: string;
  beforeEach(async () => {
    sim = OneRosterSimulator.fromPopulation(population, MUNICIPALITY.code);
    url = await sim.start();
  });
  afterEach(() => sim.stop());
  const config = () => ({ baseUrl: url, auth: sim.credentials, pageSize: 5, http: { backoffMs: 1, attempts: 2, timeoutMs: 2000 } });

  it('never lets the next incremental read skip a record changed behind the offset during a pass', async () => {
    const ids = sim.records('results').map((r) => r.sourcedId).sort();
    const parsed = oneRosterConnector.parseConfig(config());
    const states: OneRosterState[] = [];
    let edited = false;
    for await (const m of oneRosterConnector.read(parsed, [{ name: 'results', syncMode: 'full_refresh' }], { signal: new AbortController().signal, state: new Map() })) {
      if (m.type === 'state') states.push(m.state);
      if (m.type === 'record' && !edited && (m.data as Envelope).id === ids[7]) {
        // Mid-pass: one change behind the offset (already read), then one ahead of it.
        sim.update('results', ids[0], { comment: 'changed behind the offset' });
        await new Promise((r) => setTimeout(r, 5));
        sim.update('results', ids[ids.length - 1], { comment: 'changed ahead of the offset' });
        edited = true;
      }
    }
    const last = states.at(-1)!;
    expect(Object.keys(last)).toEqual(['since']);
    const next = await readAll(config(), 'results', last);
    const seen = next.records.map((r) => r.id);
    expect(seen).toContain(ids[0]);
    expect(seen).toContain(ids[ids.length - 1]);
  });

  it('sends the spec’s query: limit, offset, sort and filter=dateLastModified>=…; the simulator’s filter reads the grammar', async () => {
    const times = sim.records('orgs').map((o) => o.dateLastModified).sort();
    const since = times[3];
    const { records, states } = await readAll(config(), 'orgs', { since });
    expect(records.length).toBe(times.length - 3);
    expect(records.every((r) => Date.parse((r.record as { dateLastModified: string }).dateLastModified) >= Date.parse(since))).toBe(true);
    expect(states.at(-1)!.since).toBe(new Date(Math.max(...records.map((r) => Date.parse((r.record as { dateLastModified: string }).dateLastModified)))).toISOString());
    const f = parseFilter("dateLastModified>='2026-01-01T00:00:00Z' AND role='student'");
    expect(f({ dateLastModified: '2026-02-01T00:00:00Z', role: 'student' })).toBe(true);
    expect(f({ dateLastModified: '2026-02-01T00:00:00Z', role: 'teacher' })).toBe(false);
    expect(() => parseFilter('role=student')).toThrow(/cannot read/);
  });

  it('check(): ok with the right credentials; a config error with wrong ones', async () => {
    expect(await oneRosterConnector.check(oneRosterConnector.parseConfig(config()))).toEqual({ ok: true });
    const wrong = oneRosterConnector.parseConfig({ ...config(), auth: { clientId: sim.credentials.clientId, clientSecret: 'nope' } });
    expect(await oneRosterConnector.check(wrong)).toMatchObject({ ok: false, failure: 'config_error', message: expect.stringMatching(/HTTP 401/) });
  });

  it('validates settings per mode and never echoes a credential', () => {
    expect(() => oneRosterConnector.parseSettings({ baseUrl: url, pageSize: 100, scope: 'https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly' })).not.toThrow();
    expect(() => oneRosterConnector.parseSettings({ mode: 'csv_bundle', dropDirectory: '/srv/drop/hvidovre', baseUrl: undefined })).not.toThrow();
    expect(() => oneRosterConnector.parseSettings({ mode: 'csv_bundle', dropDirectory: 'relative/dir' })).toThrow(/dropDirectory must be an absolute path/);
    expect(() => oneRosterConnector.parseSettings({ baseUrl: url, clientSecret: 'x' })).toThrow(/clientSecret/);
    expect(() => oneRosterConnector.parseConfig({ baseUrl: url, auth: { clientId: 'a', clientSecret: '' } })).toThrow(/auth.clientSecret/);
    try {
      oneRosterConnector.parseConfig({ baseUrl: 'ftp://x', auth: { clientId: 'a', clientSecret: 'super-secret-value' } });
    } catch (err) {
      expect((err as Error).message).not.toContain('super-secret-value');
    }
    const prev = process.env.SKOLEBRO_DROP_ROOT;
    process.env.SKOLEBRO_DROP_ROOT = '/srv/drop';
    try {
      expect(() => oneRosterConnector.parseSettings({ mode: 'csv_bundle', dropDirectory: '/etc' })).toThrow(/inside SKOLEBRO_DROP_ROOT/);
      expect(() => oneRosterConnector.parseSettings({ mode: 'csv_bundle', dropDirectory: '/srv/drop/../../etc' })).toThrow(/inside SKOLEBRO_DROP_ROOT/);
      expect(() => oneRosterConnector.parseSettings({ mode: 'csv_bundle', dropDirectory: '/srv/drop/hvidovre' })).not.toThrow();
    } finally {
      if (prev === undefined) delete process.env.SKOLEBRO_DROP_ROOT;
      else process.env.SKOLEBRO_DROP_ROOT = prev;
    }
  });
});

// Every CSV file the writer knows has the spec's sourcedId/status/dateLastModified first.
test.each(Object.keys(CSV_FILES) as CsvFile[])('%s.csv starts with sourcedId,status,dateLastModified', (file) => {
  expect(CSV_FILES[file].slice(0, 3).map(([c]) => c)).toEqual(['sourcedId', 'status', 'dateLastModified']);
});
