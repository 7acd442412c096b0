import { CaseSystemSimulator } from '../../connectors/case-system/simulator';
import { EdFiSimulator } from '../../connectors/edfi/simulator';
import { OneRosterSimulator } from '../../connectors/oneroster/simulator';
import { secretEnvName } from '../../connectors/secrets';
import { createSyncQueue, enqueueSync } from '../../jobs/queues';
import { Child } from '../children/child.entity';
import { Municipality } from '../municipalities/municipality.entity';
import { rawQuery } from '../platform/db/bulk';
import { SyncMode } from '../sources/sync-run.entity';
import type { Runtime } from '../platform/runtime';
import { LOCAL_OPERATOR } from '../partners/actor';
import { PartnerApp } from '../partners/partner-app.entity';
import { PartnerAppsService } from '../partners/partner-apps.service';
import { PartnerRole } from '../partners/partner-role';
import { seedSchoolCalendars } from './calendar-seed';
import { grantSyntheticConsents } from './consents';
import { generatePopulation } from './generator';
import { seedPopulation } from './seed';

export const DEMO_SEED = 2026;

export async function seedCommand(rt: Runtime, children: number, seed: number): Promise<void> {
  const r = await seedPopulation(rt.orm.em.fork(), generatePopulation({ seed, children }), rt.config.CPR_HMAC_KEY);
  console.log(`seeded ${r.children} children, ${r.attendanceDays} attendance days, ${r.schools} schools in ${r.seconds.toFixed(1)} s`);
}

/** `npm start` on an empty database fills it with synthetic demo data (never real people). */
export async function seedDemoIfEmpty(rt: Runtime): Promise<void> {
  const em = rt.orm.em.fork();
  if ((await em.count(Child, {})) > 0) {
    // A demo database seeded before municipal calendars existed gets the seeded municipalities' one.
    const { options } = generatePopulation({ seed: DEMO_SEED, children: 0 });
    const seeded = await em.find(Municipality, { code: { $in: options.municipalities.map((m) => m.code) } });
    await seedSchoolCalendars(em, seeded.map((m) => m.id), options.schoolYearStart);
    return;
  }
  console.log(`Empty database: generating ${rt.config.DEMO_CHILDREN} synthetic children (seed ${DEMO_SEED})…`);
  await seedCommand(rt, rt.config.DEMO_CHILDREN, DEMO_SEED);
}

export const DEMO_CASE_SYSTEM = { name: 'Demo case system (simulator)', credentialRef: 'demo_case_system', municipalityCode: '167', children: 50 };

/**
 * `npm start` runs the case-system simulator on a loopback port and registers it as a source
 * of the demo municipality (credential in this process's environment, as production would
 * keep it), scheduled every 10 minutes, and queues a first full sync.
 */
export async function startDemoCaseSystem(rt: Runtime): Promise<{ url: string; close(): Promise<void> }> {
  const population = generatePopulation({ seed: DEMO_SEED + 1, children: DEMO_CASE_SYSTEM.children, municipalities: [{ code: '167', name: 'Hvidovre' }] });
  const sim = CaseSystemSimulator.fromPopulation(population, DEMO_CASE_SYSTEM.municipalityCode);
  // A few broken records (bad CPR, impossible dates), so the quarantine has something to show.
  sim.faults.malformedRate = 0.03;
  const url = await sim.start();
  process.env[secretEnvName(DEMO_CASE_SYSTEM.credentialRef)] = JSON.stringify({ type: 'oauth2', clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
  const em = rt.orm.em.fork();
  const { rows } = await rawQuery<{ id: string }>(
    em,
    `insert into source_system (municipality_id, name, kind, base_url, credential_ref, schedule, full_resync_schedule, config)
     select m.id, ?, 'case_system', ?, ?, '*/10 * * * *', '0 4 * * 0', '{"pageSize": 100}'::jsonb from municipality m where m.code = ?
     on conflict (municipality_id, name) do update set base_url = excluded.base_url, updated_at = now()
     returning id`,
    [DEMO_CASE_SYSTEM.name, url, DEMO_CASE_SYSTEM.credentialRef, DEMO_CASE_SYSTEM.municipalityCode],
  );
  const queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
  if (rows[0]) await enqueueSync(queue, { sourceSystemId: rows[0].id, mode: SyncMode.Full });
  return {
    url,
    async close() {
      await queue.close();
      await sim.stop();
    },
  };
}

export const DEMO_PARTNERS = [
  { name: 'Demo school app', role: PartnerRole.School, purposes: ['school_support'] },
  { name: 'Demo admin app', role: PartnerRole.Admin, purposes: ['administration'] },
] as const;

export interface DemoCredentials {
  name: string;
  role: PartnerRole;
  clientId: string;
  clientSecret: string;
}

/**
 * `npm start` registers a school app and an admin app for the demo municipality and gives the
 * school role a synthetic legal basis for its demo children, so the example query shows data.
 * Secrets are shown once, so a restart rotates them (demo only) to print working credentials.
 */
export async function setUpDemoPartners(rt: Runtime): Promise<DemoCredentials[]> {
  const em = rt.orm.em.fork();
  const service = new PartnerAppsService(em, LOCAL_OPERATOR);
  const credentials: DemoCredentials[] = [];
  for (const demo of DEMO_PARTNERS) {
    const existing = await em.findOne(PartnerApp, { name: demo.name, municipality: { code: DEMO_CASE_SYSTEM.municipalityCode } });
    const { app, clientSecret } = existing
      ? await service.rotateSecret(existing.id)
      : await service.register({ name: demo.name, municipalityCode: DEMO_CASE_SYSTEM.municipalityCode, role: demo.role, purposes: [...demo.purposes] });
    credentials.push({ name: demo.name, role: demo.role, clientId: app.clientId, clientSecret });
  }
  await grantSyntheticConsents(em, { municipalityCode: DEMO_CASE_SYSTEM.municipalityCode, role: PartnerRole.School, purposes: ['school_support'] });
  return credentials;
}

/**
 * The demo's school systems, one per demo municipality: Hvidovre's Ed-Fi ODS serves the pupils
 * of the case-system simulator's children (so their school data arrives only through Ed-Fi),
 * Svendborg's OneRoster service serves Svendborg's seeded demo children. Each also serves pupils
 * who are not children in the hub, to show minimisation.
 */
export const DEMO_SCHOOL_SYSTEMS = [
  { name: 'Demo Ed-Fi ODS (simulator)', kind: 'edfi', credentialRef: 'demo_edfi', municipalityCode: '167' },
  { name: 'Demo OneRoster (simulator)', kind: 'oneroster', credentialRef: 'demo_oneroster', municipalityCode: '479' },
] as const;

/**
 * `npm start` runs the school simulators on loopback ports, registers them as sources with a
 * nightly sync and a weekly full resync, and queues a first full sync of each.
 */
export async function startDemoSchoolSystems(rt: Runtime): Promise<{ urls: Record<string, string>; close(): Promise<void> }> {
  const caseChildren = generatePopulation({ seed: DEMO_SEED + 1, children: DEMO_CASE_SYSTEM.children, municipalities: [{ code: '167', name: 'Hvidovre' }] });
  const seeded = generatePopulation({ seed: DEMO_SEED, children: rt.config.DEMO_CHILDREN });
  const servers = {
    // A tenth of the Ed-Fi pupils come without CPR: the matching job links them on names, birth
    // date and school, and proposes those whose first name the school misspelt for review.
    edfi: EdFiSimulator.fromPopulation(caseChildren, '167', { extraPupils: 20, omitCprRate: 0.1, misspellRate: 0.4 }),
    oneroster: OneRosterSimulator.fromPopulation(seeded, '479', { extraPupils: 20 }),
  } as const;
  const urls: Record<string, string> = {};
  const queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
  const em = rt.orm.em.fork();
  for (const system of DEMO_SCHOOL_SYSTEMS) {
    const sim = servers[system.kind];
    const url = await sim.start();
    urls[system.kind] = url;
    process.env[secretEnvName(system.credentialRef)] = JSON.stringify({ clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
    const { rows } = await rawQuery<{ id: string }>(
      em,
      `insert into source_system (municipality_id, name, kind, base_url, credential_ref, schedule, full_resync_schedule, config)
       select m.id, ?, ?, ?, ?, '30 2 * * *', '0 5 * * 0', ?::jsonb from municipality m where m.code = ?
       on conflict (municipality_id, name) do update set base_url = excluded.base_url, updated_at = now()
       returning id`,
      [system.name, system.kind, url, system.credentialRef, JSON.stringify(system.kind === 'edfi' ? { pageSize: 500 } : { mode: 'rest', pageSize: 500 }), system.municipalityCode],
    );
    if (rows[0]) await enqueueSync(queue, { sourceSystemId: rows[0].id, mode: SyncMode.Full });
  }
  return {
    urls,
    async close() {
      await queue.close();
      await Promise.all([servers.edfi.stop(), servers.oneroster.stop()]);
    },
  };
}
