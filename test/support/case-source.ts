import { randomBytes } from 'node:crypto';
import { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { secretEnvName } from '../../connectors/secrets';
import { rawQuery } from '../../src/platform/db/bulk';
import type { Runtime } from '../../src/platform/runtime';
import { generatePopulation } from '../../src/synthetic/generator';

export const MUNICIPALITY = { code: '167', name: 'Hvidovre' };

/** A case-system simulator over `children` synthetic children, all in one municipality. */
export async function startSimulator(children: number, seed = 5): Promise<{ sim: CaseSystemSimulator; url: string }> {
  const population = generatePopulation({ seed, children, municipalities: [MUNICIPALITY] });
  const sim = CaseSystemSimulator.fromPopulation(population, MUNICIPALITY.code);
  return { sim, url: await sim.start() };
}

/**
 * Registers the simulator as a source system of the test municipality. The credential goes
 * where production keeps it: an environment variable named by the source's credential_ref.
 */
export async function registerSource(
  rt: Runtime,
  sim: CaseSystemSimulator,
  url: string,
  opts: { pageSize?: number; schedule?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ sourceId: string; credentialRef: string; secretEnv: Record<string, string> }> {
  const em = rt.orm.em.fork();
  const { rows: m } = await rawQuery<{ id: string }>(
    em,
    `insert into municipality (code, name) values (?, ?) on conflict (code) do update set name = excluded.name returning id`,
    [MUNICIPALITY.code, MUNICIPALITY.name],
  );
  const credentialRef = `test_case_${randomBytes(4).toString('hex')}`;
  const config = { pageSize: opts.pageSize ?? 25, http: { backoffMs: 5, timeoutMs: 2000, attempts: 4 } };
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `insert into source_system (municipality_id, name, kind, base_url, credential_ref, schedule, config)
     values (?, ?, 'case_system', ?, ?, ?, ?::jsonb) returning id`,
    [m[0].id, `Case system ${credentialRef}`, url, credentialRef, opts.schedule ?? null, JSON.stringify(config)],
  );
  const secretEnv = {
    [secretEnvName(credentialRef)]: JSON.stringify({ type: 'oauth2', clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret }),
  };
  Object.assign(opts.env ?? process.env, secretEnv);
  return { sourceId: rows[0].id, credentialRef, secretEnv };
}
