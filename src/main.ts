import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { startScheduler } from '../jobs/scheduler';
import { startWorker } from '../jobs/worker';
import { ConfigError, loadConfig, type Config } from './platform/config';
import { emitSchemaFile } from './platform/graphql/schema';
import { DependencyUnavailableError } from './platform/errors';
import { startHttpServer } from './platform/http/server';
import { openRuntime, type Runtime } from './platform/runtime';
import { seedCommand, seedDemoIfEmpty, setUpDemoPartners, startDemoCaseSystem, startDemoSchoolSystems, type DemoCredentials } from './synthetic/demo';

type Stoppable = { close(): Promise<void> };

const USAGE = `usage: skolebro <start|serve|worker|scheduler|migrate|seed|emit-schema>
  start        migrate, seed demo data if empty, run API + worker + scheduler in one process
  serve        GraphQL API only           worker     queue consumers only
  scheduler    job schedulers only        migrate    apply pending migrations and exit
  seed [--children N] [--seed S]          emit-schema  write schema/schema.graphql`;

/** Refuse to serve an unmigrated database rather than fail on the first query. */
async function requireMigrated(rt: Runtime): Promise<void> {
  const pending = await rt.orm.getMigrator().getPendingMigrations();
  if (pending.length) {
    throw new DependencyUnavailableError(`The database has ${pending.length} pending migration(s). Run \`npm run migrate\` first.`);
  }
}

/** SIGTERM/SIGINT: stop taking work, finish what is running, close connections, exit 0. */
function onShutdown(rt: Runtime, parts: Stoppable[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1); // a second signal forces the exit
    stopping = true;
    rt.logger.info({ signal }, 'shutting down');
    for (const part of parts) await part.close().catch((err) => rt.logger.error({ err: (err as Error).message }, 'close failed'));
    await rt.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function run(command: string, args: string[], config: Config): Promise<void> {
  switch (command) {
    case 'emit-schema':
      console.log(`wrote ${await emitSchemaFile()}`);
      return;
    case 'migrate': {
      const rt = await openRuntime(config, { createDatabase: true, migrate: true, name: 'migrate' });
      console.log('migrations up to date');
      return rt.close();
    }
    case 'seed': {
      const { children, seed } = seedArgs(args, config.DEMO_CHILDREN);
      const rt = await openRuntime(config, { createDatabase: true, migrate: true, name: 'seed' });
      await seedCommand(rt, children, seed);
      return rt.close();
    }
    case 'start': {
      const rt = await openRuntime(config, { createDatabase: true, migrate: true, name: 'start' });
      await seedDemoIfEmpty(rt);
      const partners = await setUpDemoPartners(rt);
      const caseSystem = await startDemoCaseSystem(rt);
      const schools = await startDemoSchoolSystems(rt);
      const worker = await startWorker(rt);
      const scheduler = await startScheduler(rt);
      const http = await startHttpServer(rt);
      onShutdown(rt, [http, worker, scheduler, caseSystem, schools]);
      printWelcome(http.url, caseSystem.url, schools.urls, partners);
      return;
    }
    case 'serve': {
      const rt = await openRuntime(config, { name: 'serve' });
      await requireMigrated(rt);
      const http = await startHttpServer(rt);
      onShutdown(rt, [http]);
      console.log(`Skolebro GraphQL API at ${http.url}`);
      return;
    }
    case 'worker': {
      const rt = await openRuntime(config, { name: 'worker' });
      await requireMigrated(rt);
      onShutdown(rt, [await startWorker(rt)]);
      return;
    }
    case 'scheduler': {
      const rt = await openRuntime(config, { name: 'scheduler' });
      await requireMigrated(rt);
      onShutdown(rt, [await startScheduler(rt)]);
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

function printWelcome(url: string, caseSystemUrl: string, schoolUrls: Record<string, string>, partners: DemoCredentials[]): void {
  const origin = new URL(url).origin;
  const school = partners.find((p) => p.role === 'school')!;
  const apps = partners.map((p) => `  ${p.name.padEnd(18)} role ${p.role.padEnd(7)} client_id ${p.clientId}  client_secret ${p.clientSecret}`).join('\n');
  console.log(`
Skolebro is running: ${url}
Health: ${origin}/healthz   Ready: ${origin}/readyz   JWKS: ${origin}/.well-known/jwks.json
Case-system simulator: ${caseSystemUrl}  (registered as a source of Hvidovre; first full sync queued)
School systems: Ed-Fi ${schoolUrls.edfi} (a source of Hvidovre)  OneRoster ${schoolUrls.oneroster} (a source of Svendborg)  (nightly; first full syncs queued)

Demo partner apps of Hvidovre (secrets rotate at every start; synthetic data only):
${apps}

Try:
  TOKEN=$(curl -s -u '${school.clientId}:${school.clientSecret}' -d grant_type=client_credentials ${origin}/oauth/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')
  curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"{ children(first: 2) { edges { node { id firstName lastName placements { type placeName current } currentEnrollment { gradeLevel school { name } } attendanceSummaries(periodKind: SCHOOL_YEAR) { absencePercent unauthorisedPercent } grades { subject display } alerts { level periodStart } } } } }"}'
`);
}

/** `seed --children N --seed S`: a wrong argument is a one-line usage error, not a stack trace. */
function seedArgs(args: string[], defaultChildren: number): { children: number; seed: number } {
  let values: { children?: string; seed?: string };
  try {
    ({ values } = parseArgs({ args, options: { children: { type: 'string' }, seed: { type: 'string' } } }));
  } catch (err) {
    throw new ConfigError(`seed: ${(err as Error).message} (usage: seed [--children N] [--seed S])`);
  }
  const whole = (name: string, raw: string | undefined, fallback: number, min: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`seed: --${name} must be a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  return { children: whole('children', values.children, defaultChildren, 1), seed: whole('seed', values.seed, 2026, 0) };
}

async function main(): Promise<void> {
  const [command = 'start', ...args] = process.argv.slice(2);
  try {
    await run(command, args, loadConfig());
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DependencyUnavailableError) {
      // One actionable line, no stack trace.
      console.error(`skolebro: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

void main();
