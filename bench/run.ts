import 'reflect-metadata';
import { Client } from 'pg';
import { runAttendanceSummaryJob } from '../jobs/attendance-summary.job';
import { loadConfig } from '../src/platform/config';
import { startHttpServer } from '../src/platform/http/server';
import { openRuntime } from '../src/platform/runtime';
import { generatePopulation } from '../src/synthetic/generator';
import { seedPopulation } from '../src/synthetic/seed';
import { benchChildView } from './child-view.bench';
import { line, timed } from './stats';
import { BENCH_SECRETS, benchSync } from './sync.bench';

// `npm run bench` — figures for the foundation: seeding, the summary job and child-view latency,
// then the case-system sync against a raw COPY (sync.bench.ts). BENCH_ONLY=foundation|sync runs
// one part. Runs on its own databases (dropped afterwards), never on the demo data.
const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 5000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SYNC_CHILDREN = Number(process.env.BENCH_SYNC_CHILDREN ?? 12000);
const SYNC_PAGE_SIZE = Number(process.env.BENCH_SYNC_PAGE_SIZE ?? 500);
/** `foundation` or `sync` runs only that part; unset runs everything. */
const ONLY = process.env.BENCH_ONLY;
const DB = `skolebro_bench_${process.pid}`;

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
  if (ONLY && ONLY !== 'foundation' && ONLY !== 'sync') throw new Error(`BENCH_ONLY must be foundation or sync, not ${ONLY}`);
  // A failing part does not hide the other's figures; the run still fails at the end.
  let failed = false;
  if (ONLY !== 'sync') {
    await benchFoundation().catch((err) => {
      console.error('foundation benchmarks failed:', err);
      failed = true;
    });
  }
  if (ONLY !== 'foundation') {
    if (ONLY === 'sync') console.log(`Skolebro benchmarks — node ${process.version}, ${new Date().toISOString()}`);
    await benchSync({ adminUrl: ADMIN_URL, children: SYNC_CHILDREN, pageSize: SYNC_PAGE_SIZE });
  }
  if (failed) process.exitCode = 1;
}

async function benchFoundation(): Promise<void> {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB}`;
  const config = loadConfig({ ...process.env, NODE_ENV: 'production', ...BENCH_SECRETS, DATABASE_URL: url.toString(), PORT: '0', QUEUE_PREFIX: `skolebro-bench-${process.pid}`, LOG_LEVEL: 'silent' });
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

    const rows = await rt.orm.em.getConnection().execute<{ id: string }[]>('select id from child order by id');
    const http = await startHttpServer(rt);
    try {
      await benchChildView(http.url, rows.map((r) => r.id), REQUESTS, CONCURRENCY);
    } finally {
      await http.close();
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
