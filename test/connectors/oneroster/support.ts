import { randomBytes, randomUUID } from 'node:crypto';
import type { OneRosterSimulator } from '../../../connectors/oneroster/simulator';
import { secretEnvName } from '../../../connectors/secrets';
import { rawQuery } from '../../../src/platform/db/bulk';
import { generatePopulation, type Population } from '../../../src/synthetic/generator';
import { seedPopulation } from '../../../src/synthetic/seed';
import type { TestRuntime } from '../../support/test-runtime';

export const MUNICIPALITY = { code: '167', name: 'Hvidovre' };

/** A population in one municipality, seeded into the hub so its pupils can link (by CPR, or the UNI-Login ids the seed links). */
export async function seedHub(rt: TestRuntime, children: number, seed = 11): Promise<Population> {
  const population = generatePopulation({ seed, children, municipalities: [MUNICIPALITY] });
  await rt.orm.em.fork().transactional((tx) => seedPopulation(tx, population, rt.config.CPR_HMAC_KEY));
  return population;
}

/** Registers a OneRoster source of the test municipality; a REST source's credential goes where production keeps it. */
export async function registerOneRoster(
  rt: TestRuntime,
  opts: { sim?: OneRosterSimulator; url?: string; config?: Record<string, unknown>; credentials?: { clientId: string; clientSecret: string } },
): Promise<{ sourceId: string; credentialRef: string | null }> {
  const em = rt.orm.em.fork();
  const [m] = (await rawQuery<{ id: string }>(em, `select id from municipality where code = ?`, [MUNICIPALITY.code])).rows;
  const credentialRef = opts.url ? `test_oneroster_${randomBytes(4).toString('hex')}` : null;
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `insert into source_system (municipality_id, name, kind, base_url, credential_ref, config) values (?, ?, 'oneroster', ?, ?, ?::jsonb) returning id`,
    [m.id, `OneRoster ${randomUUID().slice(0, 8)}`, opts.url ?? null, credentialRef, JSON.stringify(opts.config ?? {})],
  );
  if (credentialRef) {
    const credentials = opts.credentials ?? opts.sim!.credentials;
    process.env[secretEnvName(credentialRef)] = JSON.stringify({ type: 'oauth2', clientId: credentials.clientId, clientSecret: credentials.clientSecret });
  }
  return { sourceId: rows[0].id, credentialRef };
}

export { of as byStream, syncer, total } from '../../support/sync';

export function queries(rt: TestRuntime) {
  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await rawQuery<T>(rt.orm.em.fork(), sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) => Number(Object.values((await q(sql, params))[0])[0]);
  return { q, count };
}

/** What the hub should hold after syncing the simulator: the homeroom enrolments and results of pupils that link. */
export function expected(sim: OneRosterSimulator, linked: (studentId: string) => boolean) {
  const homeroom = (e: Record<string, unknown>) =>
    e.role === 'student' && e.status === 'active' && sim.get('classes', (e.class as { sourcedId: string }).sourcedId)?.classType === 'homeroom';
  const students = sim.records('students').filter((s) => s.status === 'active');
  const enrollments = sim.records('enrollments').filter(homeroom);
  const results = sim.records('results').filter((r) => r.status === 'active');
  const of = (r: Record<string, unknown>, key: 'user' | 'student') => (r[key] as { sourcedId: string }).sourcedId;
  return {
    students,
    enrollments,
    results,
    linkedStudents: students.filter((s) => linked(s.sourcedId)),
    linkedEnrollments: enrollments.filter((e) => linked(of(e, 'user'))),
    linkedResults: results.filter((r) => linked(of(r, 'student'))),
  };
}
