import { randomBytes } from 'node:crypto';
import { EdFiSimulator, type EdFiSimulatorOptions } from '../../../connectors/edfi/simulator';
import { secretEnvName } from '../../../connectors/secrets';
import { cprHmac } from '../../../src/identity/cpr';
import { rawQuery } from '../../../src/platform/db/bulk';
import { generatePopulation, type Population } from '../../../src/synthetic/generator';
import type { TestRuntime } from '../../support/test-runtime';

export const MUNICIPALITY = { code: '167', name: 'Hvidovre' };

/** An Ed-Fi simulator over `children` synthetic children of one municipality (plus extra pupils). */
export async function startEdFi(children: number, opts: EdFiSimulatorOptions = {}, seed = 5): Promise<{ sim: EdFiSimulator; url: string; population: Population }> {
  const population = generatePopulation({ seed, children, municipalities: [MUNICIPALITY] });
  const sim = EdFiSimulator.fromPopulation(population, MUNICIPALITY.code, opts);
  return { sim, url: await sim.start(), population };
}

/**
 * The hub's children, as a case-system sync would have left them: one `child` row per
 * synthetic child (CPR hashed with the test key). School data can only attach to these.
 * `uniLoginKnown`: another source has already linked each child with its UNI-Login id.
 */
export async function seedHubChildren(rt: TestRuntime, population: Population, opts: { uniLoginKnown?: boolean } = {}): Promise<string> {
  const em = rt.orm.em.fork();
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `insert into municipality (code, name) values (?, ?) on conflict (code) do update set name = excluded.name returning id`,
    [MUNICIPALITY.code, MUNICIPALITY.name],
  );
  const children = [...population.children()].map((c) => ({
    cpr_hmac: cprHmac(c.cpr, rt.config.CPR_HMAC_KEY),
    first_name: c.firstName,
    last_name: c.lastName,
    birth_date: c.birthDate,
  }));
  await rawQuery(
    em,
    `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date)
     select ?::uuid, x.cpr_hmac, x.first_name, x.last_name, x.birth_date::date
     from jsonb_to_recordset(?::jsonb) as x(cpr_hmac text, first_name text, last_name text, birth_date text)`,
    [rows[0].id, JSON.stringify(children)],
  );
  if (opts.uniLoginKnown) {
    const { rows: src } = await rawQuery<{ id: string }>(em, `insert into source_system (municipality_id, name, kind) values (?, 'Skoleadministration (UNI-Login)', 'csv') returning id`, [rows[0].id]);
    const links = [...population.children()].map((c) => ({ external_id: `uni-${c.index}`, cpr_hmac: cprHmac(c.cpr, rt.config.CPR_HMAC_KEY), uni_login_id: c.uniLoginId }));
    await rawQuery(
      em,
      `insert into identity_link (source_system_id, external_id, child_id, method, confidence, status, uni_login_id)
       select ?::uuid, x.external_id, c.id, 'cpr', 1, 'linked', x.uni_login_id
       from jsonb_to_recordset(?::jsonb) as x(external_id text, cpr_hmac text, uni_login_id text) join child c on c.cpr_hmac = x.cpr_hmac`,
      [src[0].id, JSON.stringify(links)],
    );
  }
  return rows[0].id;
}

/** Registers the simulator as an `edfi` source; the credential goes where production keeps it (the environment). */
export async function registerEdFiSource(
  rt: TestRuntime,
  sim: EdFiSimulator,
  url: string,
  opts: { pageSize?: number; http?: Record<string, number> } = {},
): Promise<{ sourceId: string; credentialRef: string }> {
  const em = rt.orm.em.fork();
  const credentialRef = `test_edfi_${randomBytes(4).toString('hex')}`;
  const config = { pageSize: opts.pageSize ?? 100, http: { backoffMs: 5, timeoutMs: 2000, attempts: 4, ...opts.http } };
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `insert into source_system (municipality_id, name, kind, base_url, credential_ref, config)
     select m.id, ?, 'edfi', ?, ?, ?::jsonb from municipality m where m.code = ? returning id`,
    [`Ed-Fi ODS ${credentialRef}`, url, credentialRef, JSON.stringify(config), MUNICIPALITY.code],
  );
  process.env[secretEnvName(credentialRef)] = JSON.stringify({ clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
  return { sourceId: rows[0].id, credentialRef };
}

export { of, syncer, total, type Counter } from '../../support/sync';
