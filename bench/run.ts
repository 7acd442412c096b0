import 'reflect-metadata';
import { Client } from 'pg';
import { runAttendanceSummaryJob } from '../jobs/attendance-summary.job';
import { loadConfig } from '../src/platform/config';
import { startHttpServer } from '../src/platform/http/server';
import { openRuntime } from '../src/platform/runtime';
import { generatePopulation } from '../src/synthetic/generator';
import { seedPopulation } from '../src/synthetic/seed';
import { benchChildView, compareThroughput } from './child-view.bench';
import { LOCAL_OPERATOR, type Actor } from '../src/partners/actor';
import { PartnerAppsService } from '../src/partners/partner-apps.service';
import { PartnerRole } from '../src/partners/partner-role';
import { grantSyntheticConsents } from '../src/synthetic/consents';
import { line, timed } from './stats';
import { BENCH_SECRETS, benchSync } from './sync.bench';
import { benchEdFi } from './edfi.bench';
import { benchIdentity } from './identity.bench';

// `npm run bench` — figures for the foundation: seeding, the summary job and child-view latency,
// then the case-system sync against a raw COPY (sync.bench.ts). BENCH_ONLY=foundation|sync|edfi|identity
// runs one part. Runs on its own databases (dropped afterwards), never on the demo data.
const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 5000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SYNC_CHILDREN = Number(process.env.BENCH_SYNC_CHILDREN ?? 12000);
const SYNC_PAGE_SIZE = Number(process.env.BENCH_SYNC_PAGE_SIZE ?? 500);
/** `foundation` or `sync` runs only that part; unset runs everything. */
const ONLY = process.env.BENCH_ONLY;
const EDFI_CHILDREN = Number(process.env.BENCH_EDFI_CHILDREN ?? 12000);
const EDFI_PAGE_SIZE = Number(process.env.BENCH_EDFI_PAGE_SIZE ?? 5000);
const IDENTITY_CHILDREN = Number(process.env.BENCH_IDENTITY_CHILDREN ?? 12000);
const IDENTITY_PUPILS = Number(process.env.BENCH_IDENTITY_PUPILS ?? 50000);
const DB = `skolebro_bench_${process.pid}`;

/** A partner token from POST /oauth/token, as a partner app gets it. */
async function fetchToken(graphqlUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(new URL('/oauth/token', graphqlUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${res.status}`);
  return body.access_token;
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const parts = ['foundation', 'sync', 'edfi', 'identity'];
  if (ONLY && !parts.includes(ONLY)) throw new Error(`BENCH_ONLY must be one of ${parts.join(', ')}, not ${ONLY}`);
  const wanted = (part: string) => !ONLY || ONLY === part;
  // A failing part does not hide the others' figures; the run still fails at the end.
  let failed = false;
  const run = (name: string, fn: () => Promise<void>) =>
    fn().catch((err) => {
      console.error(`${name} benchmarks failed:`, err);
      failed = true;
    });
  if (ONLY && ONLY !== 'foundation') console.log(`Skolebro benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  if (wanted('foundation')) await run('foundation', benchFoundation);
  if (wanted('sync')) await run('sync', () => benchSync({ adminUrl: ADMIN_URL, children: SYNC_CHILDREN, pageSize: SYNC_PAGE_SIZE }));
  if (wanted('edfi')) await run('edfi', () => benchEdFi({ adminUrl: ADMIN_URL, children: EDFI_CHILDREN, pageSize: EDFI_PAGE_SIZE }));
  if (wanted('identity')) await run('identity', () => benchIdentity({ adminUrl: ADMIN_URL, children: IDENTITY_CHILDREN, pupils: IDENTITY_PUPILS }));
  if (failed) process.exitCode = 1;
}

async function benchFoundation(): Promise<void> {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB}`;
  const config = loadConfig({ ...process.env, NODE_ENV: 'production', ...BENCH_SECRETS, DATABASE_URL: url.toString(), PORT: '0', QUEUE_PREFIX: `skolebro-bench-${process.pid}`, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000000' });
  const rt = await openRuntime(config, { createDatabase: true, migrate: true, name: 'bench' });
  try {
    console.log(`Skolebro benchmarks — ${CHILDREN} children, node ${process.version}, ${new Date().toISOString()}`);
    const population = generatePopulation({ seed: 7, children: CHILDREN });
    const seeded = await seedPopulation(rt.orm.em.fork(), population, config.CPR_HMAC_KEY);
    line('seed (generate + bulk upsert + summaries)', `${seeded.seconds.toFixed(1)} s, ${seeded.attendanceDays} attendance days, ${(seeded.attendanceDays / seeded.seconds).toFixed(0)} days/s`);

    const runs = await timed(async () => {
      let summaries = 0;
      for (const m of population.municipalities) {
        summaries += (await runAttendanceSummaryJob(rt.orm.em.fork(), { data: { municipalityCode: m.code } })).summaries;
      }
      return summaries;
    });
    line(`summary job, all municipalities (${CHILDREN} children)`, `${(runs.ms / 1000).toFixed(2)} s, ${runs.value} summary rows, ${((seeded.attendanceDays / runs.ms) * 1000).toFixed(0)} days/s`);

    // One school app per municipality with a synthetic legal basis for its children.
    const tokens = new Map<string, { headers: Record<string, string>; actor: Actor }>();
    const protectedHttp = await startHttpServer(rt);
    try {
      for (const m of population.municipalities) {
        await grantSyntheticConsents(rt.orm.em.fork(), { municipalityCode: m.code, role: PartnerRole.School, purposes: ['school_support'] });
        const { app, clientSecret } = await new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR).register({
          name: `Bench school app ${m.code}`,
          municipalityCode: m.code,
          role: PartnerRole.School,
          purposes: ['school_support'],
        });
        const token = await fetchToken(protectedHttp.url, app.clientId, clientSecret);
        tokens.set(m.code, {
          headers: { authorization: `Bearer ${token}` },
          actor: { role: PartnerRole.School, partnerAppId: app.id, clientId: app.clientId, municipalityId: app.municipality.id, purposes: ['school_support'], purpose: 'school_support' },
        });
      }
      // Production runs autovacuum; this machine's PostgreSQL has it off, so give the planner the
      // statistics it would have (a first sync or seed is otherwise planned on empty-table guesses).
      await rt.orm.em.getConnection().execute('analyze');
      const rows = await rt.orm.em.getConnection().execute<{ id: string; code: string }[]>(
        'select c.id, m.code from child c join municipality m on m.id = c.municipality_id order by c.id',
      );
      const targets = rows.map((r) => ({ id: r.id, headers: tokens.get(r.code)!.headers }));
      await benchChildView('(auth + consent + audit + RLS, every municipality)', protectedHttp.url, targets, REQUESTS, CONCURRENCY);

      // The comparison reads the same children both ways: one municipality's, through its school
      // app (token, consent, audit, RLS) and with protection off (no token, no consent, no audit).
      const [code, first] = [...tokens.entries()][0];
      const mine = rows.filter((r) => r.code === code);
      const guarded = mine.map((r) => ({ id: r.id, headers: first.headers }));
      const on = await benchChildView(`(auth + consent + audit + RLS, ${code})`, protectedHttp.url, guarded, REQUESTS, CONCURRENCY);
      const offHttp = await startHttpServer(rt, { unprotectedBenchmarkActor: first.actor });
      try {
        const own = mine.map((r) => ({ id: r.id, headers: {} }));
        const off = await benchChildView(`(protection off, ${code})`, offHttp.url, own, REQUESTS, CONCURRENCY);
        line('consented view, one run after the other', `throughput ${((on.throughput / off.throughput) * 100).toFixed(0)} % of unprotected, p99 ${on.burstP99.toFixed(1)} vs ${off.burstP99.toFixed(1)} ms`);
        // The overhead figure: both servers in alternating rounds, so host drift cancels out.
        const cmp = await compareThroughput({ url: protectedHttp.url, targets: guarded }, { url: offHttp.url, targets: own }, REQUESTS, CONCURRENCY);
        line(
          'consented view overhead (alternating rounds)',
          `throughput ${(cmp.median * 100).toFixed(0)} % of unprotected (cost ${((1 - cmp.median) * 100).toFixed(0)} %; rounds ${(cmp.min * 100).toFixed(0)}–${(cmp.max * 100).toFixed(0)} %), p99 ${cmp.p99a.toFixed(1)} vs ${cmp.p99b.toFixed(1)} ms`,
        );
      } finally {
        await offHttp.close();
      }
    } finally {
      await protectedHttp.close().catch(() => undefined);
    }
  } finally {
    await rt.close();
    await admin(`drop database if exists "${DB}" with (force)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
