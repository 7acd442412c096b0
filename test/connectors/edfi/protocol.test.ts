import type { ReadMessage } from '../../../connectors/connector';
import { edFiConnector, type EdFiState } from '../../../connectors/edfi/connector';
import type { EdFiSimulator } from '../../../connectors/edfi/simulator';
import { RESOURCES } from '../../../connectors/edfi/wire';
import { schoolDays } from '../../../src/synthetic/school-calendar';
import { startEdFi } from './edfi-source';

type Item = Record<string, unknown>;

/** The simulated ODS speaks the protocol the client relies on; the connector's cursors follow it. */
describe('Ed-Fi simulator and connector: the ODS/API protocol', () => {
  let sim: EdFiSimulator;
  let url: string;
  let token: string;

  beforeAll(async () => {
    ({ sim, url } = await startEdFi(8, { extraPupils: 3, basePath: '/v7/api', maxPageSize: 1000 }));
    const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64');
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => sim?.stop());

  const get = (path: string, auth = true) => fetch(`${url}/${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const page = async (path: string) => (await (await get(path)).json()) as Item[];
  const config = (pageSize: number) => edFiConnector.parseConfig({ baseUrl: url, auth: { clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret }, pageSize });
  async function read(stream: string, syncMode: 'full_refresh' | 'incremental', state?: EdFiState, pageSize = 500): Promise<ReadMessage<EdFiState>[]> {
    const out: ReadMessage<EdFiState>[] = [];
    const messages = edFiConnector.read(config(pageSize), [{ name: stream, syncMode }], { signal: new AbortController().signal, state: new Map(state ? [[stream, state]] : []) });
    for await (const m of messages) out.push(m);
    return out;
  }
  const records = (messages: ReadMessage<EdFiState>[]) =>
    messages.flatMap((m) => (m.type === 'record' ? [m.data as Item] : m.type === 'records' ? (m.data as Item[]) : []));
  const states = (messages: ReadMessage<EdFiState>[]) => messages.filter((m) => m.type === 'state').map((m) => (m as { state: EdFiState }).state);

  it('refuses requests without a valid token, bad clients, and limits above its maximum', async () => {
    expect((await get('data/v3/ed-fi/students', false)).status).toBe(401);
    const bad = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` }, body: '' });
    expect(bad.status).toBe(401);
    expect((await get('data/v3/ed-fi/students?limit=1001')).status).toBe(400);
    expect((await get('data/v3/ed-fi/students?offset=-1')).status).toBe(400);
    expect((await get('data/v3/ed-fi/sections')).status).toBe(404);
  });

  it('pages a collection with offset/limit in a stable order and reports Total-Count on request', async () => {
    const all = sim.records('studentSchoolAttendanceEvents');
    expect(all).toHaveLength(11 * schoolDays(2025).length);
    const res = await get('data/v3/ed-fi/studentSchoolAttendanceEvents?offset=0&limit=1000&totalCount=true');
    expect(res.headers.get('total-count')).toBe(String(all.length));
    const pages: Item[] = [];
    for (let offset = 0; offset < all.length; offset += 1000) pages.push(...(await page(`data/v3/ed-fi/studentSchoolAttendanceEvents?offset=${offset}&limit=1000`)));
    // The JSON written directly for speed is the same as the items' object form.
    expect(pages).toEqual(all);
    expect(new Set(pages.map((p) => p.id)).size).toBe(all.length);
    for (const p of pages.slice(0, 50)) expect(p.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('serves every resource with the Ed-Fi field names, and extra pupils with their own identities', async () => {
    const students = await page('data/v3/ed-fi/students?limit=100');
    expect(students).toHaveLength(11);
    const cprs = students.map((s) => (s.studentIdentificationCodes as Item[]).find((c) => String(c.studentIdentificationSystemDescriptor).endsWith('#CPR'))!.identificationCode);
    expect(new Set(cprs).size).toBe(11);
    expect(sim.pupilList().filter((p) => !p.inHub)).toHaveLength(3);
    for (const resource of RESOURCES) {
      const [first] = await page(`data/v3/ed-fi/${resource}?limit=1`);
      expect(first).toEqual(expect.objectContaining({ id: expect.any(String), _etag: expect.any(String), _lastModifiedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) }));
      const mapped = edFiConnector.map(resource, first, { municipalityCode: '167', hashCpr: () => 'h' });
      expect(mapped.ok).toBe(true);
    }
  });

  it('answers change queries: the window is ordered by change version and holds the current representation', async () => {
    const { newestChangeVersion: before } = (await (await get('changeQueries/v1/availableChangeVersions')).json()) as { newestChangeVersion: number };
    expect(before).toBe(sim.newestChangeVersion);
    const [g1, g2] = sim.records('grades');
    sim.update('grades', g2.id as string, { letterGradeEarned: '4', numericGradeEarned: 4 });
    sim.update('grades', g1.id as string, { letterGradeEarned: '02', numericGradeEarned: 2 });
    const changed = await page(`data/v3/ed-fi/grades?minChangeVersion=${before + 1}&maxChangeVersion=${before + 2}&limit=10`);
    expect(changed.map((g) => [g.id, g.letterGradeEarned])).toEqual([
      [g2.id, '4'],
      [g1.id, '02'],
    ]);
    // The old window no longer holds the edited items (their current version is newer).
    const old = await page(`data/v3/ed-fi/grades?minChangeVersion=0&maxChangeVersion=${before}&limit=1000`);
    expect(old.map((g) => g.id)).not.toContain(g1.id);
    expect(old).toHaveLength(sim.count('grades') - 2);
    // The collection keeps its order: an edited item stays where it was.
    const collection = await page('data/v3/ed-fi/grades?limit=2');
    expect(collection.map((g) => g.id)).toEqual([g1.id, g2.id]);
  });

  it('lists deletes with their natural keys, within the window asked for', async () => {
    const before = sim.newestChangeVersion;
    const [event] = sim.records('studentSchoolAttendanceEvents');
    sim.remove('studentSchoolAttendanceEvents', event.id as string);
    const deletes = await page(`data/v3/ed-fi/studentSchoolAttendanceEvents/deletes?minChangeVersion=${before + 1}&limit=10`);
    expect(deletes).toEqual([
      {
        id: event.id,
        changeVersion: before + 1,
        keyValues: {
          attendanceEventCategoryDescriptor: event.attendanceEventCategoryDescriptor,
          eventDate: event.eventDate,
          schoolId: (event.schoolReference as Item).schoolId,
          schoolYear: 2026,
          sessionName: 'Skoleåret 2025/26',
          studentUniqueId: (event.studentReference as Item).studentUniqueId,
        },
      },
    ]);
    expect(await page(`data/v3/ed-fi/studentSchoolAttendanceEvents/deletes?maxChangeVersion=${before}`)).toEqual([]);
    expect(sim.record('studentSchoolAttendanceEvents', event.id as string)).toBeUndefined();
  });

  it('reads a resource with a state after every page; incremental reads take only the window after the cursor', async () => {
    const full = await read('students', 'full_refresh', undefined, 4);
    expect(records(full)).toHaveLength(11);
    expect(states(full)).toEqual([
      { changeVersion: undefined, pass: { min: null, max: sim.newestChangeVersion, offset: 4, full: true } },
      { changeVersion: undefined, pass: { min: null, max: sim.newestChangeVersion, offset: 8, full: true } },
      { changeVersion: sim.newestChangeVersion },
    ]);
    const cursor = sim.newestChangeVersion;
    expect(await read('students', 'incremental', { changeVersion: cursor })).toEqual([{ type: 'state', stream: 'students', state: { changeVersion: cursor } }]);

    const [student] = sim.records('students');
    sim.update('students', student.id as string, { firstName: 'Ida' });
    const incremental = await read('students', 'incremental', { changeVersion: cursor });
    expect(records(incremental)).toEqual([expect.objectContaining({ id: student.id, firstName: 'Ida' })]);
    expect(states(incremental)).toEqual([{ changeVersion: cursor + 1 }]);
    expect(sim.requests.get('/data/v3/ed-fi/students')).toBeGreaterThan(0);
  });

  it('re-reads everything when the cursor is ahead of the source (a restored ODS); an incremental read resumes an unfinished pass, a full one does not', async () => {
    const newest = sim.newestChangeVersion;
    const restored = await read('schools', 'incremental', { changeVersion: newest + 1000 });
    expect(records(restored)).toHaveLength(sim.count('schools'));
    expect(states(restored).at(-1)).toEqual({ changeVersion: newest });

    const resumed = await read('studentSchoolAttendanceEvents', 'incremental', { changeVersion: 7, pass: { min: null, max: newest, offset: sim.count('studentSchoolAttendanceEvents') - 3, full: true } });
    expect(records(resumed)).toHaveLength(3);
    expect(states(resumed)).toEqual([{ changeVersion: newest }]);
    // A full read never resumes: its sweep needs every item seen by its own job.
    const fresh = await read('schools', 'full_refresh', { changeVersion: 7, pass: { min: null, max: newest, offset: 5, full: true } });
    expect(records(fresh)).toHaveLength(sim.count('schools'));
  });

  it('reads deletes of every resource after the cursor, dependents first; a first read only sets the cursor', async () => {
    expect(await read('deletes', 'incremental')).toEqual([{ type: 'state', stream: 'deletes', state: { changeVersion: sim.newestChangeVersion } }]);
    const cursor = sim.newestChangeVersion;
    const pupil = sim.pupilList()[1];
    const student = sim.records('students').find((s) => s.studentUniqueId === pupil.studentUniqueId)!;
    sim.remove('students', student.id as string);
    const messages = await read('deletes', 'incremental', { changeVersion: cursor }, 50);
    const items = records(messages);
    expect(items.map((d) => d.resource)).toEqual([
      ...items.filter((d) => d.resource === 'grades').map(() => 'grades'),
      ...Array(schoolDays(2025).length).fill('studentSchoolAttendanceEvents'),
      ...items.filter((d) => d.resource === 'studentSchoolAssociations').map(() => 'studentSchoolAssociations'),
      'students',
    ]);
    expect(items.at(-1)).toMatchObject({ resource: 'students', keyValues: { studentUniqueId: pupil.studentUniqueId } });
    expect(states(messages).at(-1)).toEqual({ changeVersion: sim.newestChangeVersion });
    // Each page's state says where to resume: resource and offset within its /deletes.
    expect(states(messages)[0]).toMatchObject({ changeVersion: cursor, pass: { resource: expect.any(Number), offset: expect.any(Number) } });
    for (const d of items) expect(edFiConnector.map('deletes', d, { municipalityCode: '167', hashCpr: () => 'h' }).ok).toBe(true);
  });

  it('serves misspelt first names (one letter) only to pupils sent without CPR, when asked to', async () => {
    const { sim: noisy, population } = await startEdFi(40, { omitCprRate: 0.5, misspellRate: 1 }, 11);
    try {
      const truth = new Map([...population.children()].map((c) => [c.externalId, c.firstName]));
      const pupils = noisy.pupilList();
      for (const p of pupils) {
        const real = truth.get(p.child.externalId)!;
        if (!p.withoutCpr) expect(p.child.firstName).toBe(real);
        else {
          expect(p.child.firstName).toHaveLength(real.length);
          expect([...real].filter((ch, i) => ch !== p.child.firstName[i])).toHaveLength(1);
        }
      }
      expect(pupils.filter((p) => p.withoutCpr).length).toBeGreaterThan(5);
    } finally {
      await noisy.stop();
    }
  });
});
