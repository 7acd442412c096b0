import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import { Client } from 'pg';
import { CaseSystemSimulator } from '../connectors/case-system/simulator';
import { secretEnvName } from '../connectors/secrets';
import { createMaintenanceQueue, createSyncQueue, enqueueSync, SYNC_QUEUE } from '../jobs/queues';
import { loadConfig, type Config } from '../src/platform/config';
import { rawQuery } from '../src/platform/db/bulk';
import { projectRoot } from '../src/platform/paths';
import { createRedis } from '../src/platform/queue/redis';
import { openRuntime, type Runtime } from '../src/platform/runtime';
import { SyncMode } from '../src/sources/sync-run.entity';
import { generatePopulation } from '../src/synthetic/generator';
import { line } from './stats';

// End-to-end sync throughput: case-system simulator → BullMQ → a real worker process →
// PostgreSQL, against a raw COPY of the very rows the sync landed, loaded into the same tables.
// Each source size runs on its own database and queue prefix, with a fresh worker process, so
// the worker's peak RSS of a small and a large source can be compared (pages are streamed:
// it must not grow with the source).

const MAIN = join(projectRoot(), 'dist/src/main.js');
const MUNICIPALITY = { code: '167', name: 'Hvidovre' };
/**
 * Secrets production config insists on, made up per bench run (a signing key the config does
 * not know about is ignored by it).
 */
export const BENCH_SECRETS = {
  CPR_HMAC_KEY: 'bench-only-cpr-hmac-key-0123456789abcdef',
  TOKEN_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
/** What a case-system sync fills, in an order that satisfies the foreign keys. */
const TABLES = ['child', 'identity_link', 'custody_holder', 'placement', 'case_contact'] as const;
const MB = 1024 * 1024;

export interface SyncBenchOptions {
  adminUrl: string;
  /** Children at the source for the large run; the small run has a quarter. */
  children: number;
  pageSize: number;
  seed?: number;
  timeoutMs?: number;
}

interface SyncOutcome {
  children: number;
  records: number;
  seconds: number;
  landed: Record<(typeof TABLES)[number], number>;
  idleRssBytes: number;
  peakRssBytes: number;
  hwmBytes: number;
}

export async function admin<R extends object = Record<string, unknown>>(adminUrl: string, sql: string): Promise<R[]> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** VmRSS / VmHWM of a process, in bytes; undefined once it has exited. */
export async function procMemory(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/** Keeps the last few KB of a stream, for an error message if the worker dies. */
export function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4000);
  });
  return () => text;
}

/** The node flags `npm run worker` starts the worker with (package.json), so the bench runs it the same way. */
function workerNodeFlags(): string[] {
  const script: string = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).scripts.worker;
  return script.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/** A production-mode `worker` process on the bench runtime's database and queues, with one source credential. */
export function spawnBenchWorker(rt: Runtime, credentialRef: string, credential: Record<string, string>): ChildProcess {
  // e.g. BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the worker.
  const nodeArgs = [...workerNodeFlags(), ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  return spawn(process.execPath, [...nodeArgs, MAIN, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: rt.config.DATABASE_URL,
      REDIS_URL: rt.config.REDIS_URL,
      QUEUE_PREFIX: rt.config.QUEUE_PREFIX,
      ...BENCH_SECRETS,
      LOG_LEVEL: 'warn',
      [secretEnvName(credentialRef)]: JSON.stringify(credential),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Waits (up to 30 s) until a spawned bench worker consumes the sync queue. Returns `died`, which
 * rejects if the worker exits later, to race against the run being measured (wrapped: an async
 * function returning a promise would wait for it).
 */
export async function waitForBenchWorker(worker: ChildProcess, queue: Queue, output: () => string): Promise<{ died: Promise<never> }> {
  const died = new Promise<never>((_, reject) => worker.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}):\n${output()}`))));
  died.catch(() => undefined);
  const readyBy = Date.now() + 30_000;
  while ((await queue.getWorkersCount()) === 0) {
    if (Date.now() > readyBy) throw new Error(`worker did not come up:\n${output()}`);
    await Promise.race([sleep(50), died]);
  }
  return { died };
}

export async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.kill('SIGTERM');
  const timer = setTimeout(() => worker.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function withDatabase<T>(adminUrl: string, label: string, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const name = `skolebro_bench_sync_${label}_${process.pid}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const config: Config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    ...BENCH_SECRETS,
    DATABASE_URL: url.toString(),
    PORT: '0',
    QUEUE_PREFIX: `skolebro-bench-sync-${label}-${process.pid}-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'silent',
  });
  const rt = await openRuntime(config, { createDatabase: true, migrate: true, name: 'bench-sync' });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
    await admin(adminUrl, `drop database if exists "${name}" with (force)`);
  }
}

/** One full sync of `children` children through a fresh worker process; measures time and memory. */
async function syncOnce(rt: Runtime, children: number, opts: SyncBenchOptions): Promise<SyncOutcome> {
  const population = generatePopulation({ seed: opts.seed ?? 11, children, municipalities: [MUNICIPALITY] });
  const sim = CaseSystemSimulator.fromPopulation(population, MUNICIPALITY.code);
  const baseUrl = await sim.start();
  const queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
  // BullMQ does not close a connection it was handed; this one is closed below.
  const eventsRedis = createRedis(rt.config.REDIS_URL, 'worker');
  const events = new QueueEvents(SYNC_QUEUE, { connection: eventsRedis, prefix: rt.config.QUEUE_PREFIX });
  let worker: ChildProcess | undefined;
  try {
    const em = rt.orm.em.fork();
    const { rows: m } = await rawQuery<{ id: string }>(em, `insert into municipality (code, name) values (?, ?) on conflict (code) do update set name = excluded.name returning id`, [
      MUNICIPALITY.code,
      MUNICIPALITY.name,
    ]);
    const credentialRef = `bench_case_${randomBytes(4).toString('hex')}`;
    const { rows } = await rawQuery<{ id: string }>(
      em,
      `insert into source_system (municipality_id, name, kind, base_url, credential_ref, config)
       values (?, ?, 'case_system', ?, ?, ?::jsonb) returning id`,
      [m[0].id, `Bench case system ${credentialRef}`, baseUrl, credentialRef, JSON.stringify({ pageSize: opts.pageSize })],
    );
    const sourceSystemId = rows[0].id;

    worker = spawnBenchWorker(rt, credentialRef, { type: 'oauth2', clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
    const out = tail(worker.stdout);
    const err = tail(worker.stderr);
    const pid = worker.pid!;
    // Wait until the worker consumes the sync queue, so the timing does not include its boot.
    await events.waitUntilReady();
    const { died } = await waitForBenchWorker(worker, queue, () => `${out()}\n${err()}`);
    await sleep(200); // let it settle before the idle sample
    const idle = (await procMemory(pid))?.rss ?? NaN;

    let peakRss = idle;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const mem = await procMemory(pid);
        if (mem && mem.rss > peakRss) peakRss = mem.rss;
        await sleep(50);
      }
    })();

    const start = process.hrtime.bigint();
    const job = await enqueueSync(queue, { sourceSystemId, mode: SyncMode.Full });
    try {
      await Promise.race([job.waitUntilFinished(events, opts.timeoutMs ?? 10 * 60_000), died]);
    } finally {
      sampling = false;
      await sampler;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const hwm = (await procMemory(pid))?.hwm ?? NaN;

    const runs = (
      await rawQuery<{ stream: string; status: string; read_count: number; quarantined_count: number; error: string | null }>(
        rt.orm.em.fork(),
        `select stream, status, read_count, quarantined_count, error from sync_run where job_id = ?`,
        [job.id],
      )
    ).rows;
    const bad = runs.filter((r) => r.status !== 'succeeded' || r.quarantined_count > 0);
    if (!runs.length || bad.length) throw new Error(`sync did not land cleanly: ${JSON.stringify(runs)}`);
    const records = runs.reduce((n, r) => n + Number(r.read_count), 0);
    const expected = (['children', 'placements', 'case-contacts', 'custody-holders'] as const).reduce((n, r) => n + sim.records(r).length, 0);
    if (records < expected) throw new Error(`sync read ${records} records, the source has ${expected}`);

    const landed = {} as SyncOutcome['landed'];
    for (const t of TABLES) landed[t] = Number((await rawQuery<{ n: string }>(rt.orm.em.fork(), `select count(*) as n from ${t}`, [])).rows[0].n);
    if (landed.child !== children) throw new Error(`sync landed ${landed.child} children, the source has ${children}`);

    return { children, records, seconds, landed, idleRssBytes: idle, peakRssBytes: peakRss, hwmBytes: hwm };
  } finally {
    await tearDownBenchQueues(rt, { worker, queue, events, eventsRedis });
    await sim.stop();
  }
}

/** After a queue benchmark: the worker stopped, both queues emptied, the event listener closed. */
export async function tearDownBenchQueues(
  rt: Runtime,
  used: { worker?: ChildProcess; queue: Queue; events: QueueEvents; eventsRedis: { quit(): Promise<unknown>; disconnect(): void } },
): Promise<void> {
  if (used.worker) await stopWorker(used.worker);
  await used.queue.obliterate({ force: true }).catch(() => undefined);
  await used.queue.close();
  // The worker also consumes the maintenance queue, which leaves its meta key behind.
  const maintenance = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
  await maintenance.obliterate({ force: true }).catch(() => undefined);
  await maintenance.close();
  await used.events.close();
  await used.eventsRedis.quit().catch(() => used.eventsRedis.disconnect());
}

/** Runs psql on `url` with the given arguments; resolves with its standard output. */
function psql(url: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const err = tail(p.stderr);
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err()}`))));
  });
}

/**
 * The raw baseline: the rows the sync landed, dumped with COPY TO, the tables truncated, then
 * loaded back with COPY FROM STDIN (psql's \copy) in one transaction, indexes and FKs in place.
 * Only the load is timed (one psql process for all tables, its start-up included).
 */
async function copyBaseline(rt: Runtime, landed: SyncOutcome['landed']): Promise<{ rows: number; seconds: number; perTable: string }> {
  const url = rt.config.DATABASE_URL;
  const dir = await mkdtemp(join(tmpdir(), 'skolebro-bench-copy-'));
  try {
    const file = (t: string) => join(dir, `${t}.csv`);
    // \copy ... 'file' streams through the client: COPY TO STDOUT / FROM STDIN on the wire.
    await psql(url, TABLES.flatMap((t) => ['-c', `\\copy ${t} to '${file(t)}' with (format csv)`]));
    await psql(url, ['-c', `truncate ${TABLES.join(', ')} cascade`]);
    const start = process.hrtime.bigint();
    const out = await psql(url, ['-1', '-c', '\\timing on', ...TABLES.flatMap((t) => ['-c', `\\copy ${t} from '${file(t)}' with (format csv)`])]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // psql's \timing: one "Time: … ms" per \copy, in order.
    const times = [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]) / 1000);
    const perTable = TABLES.map((t, i) => `${t} ${times[i]?.toFixed(2) ?? '?'} s`).join(', ');
    let rows = 0;
    for (const t of TABLES) {
      const n = Number((await rawQuery<{ n: string }>(rt.orm.em.fork(), `select count(*) as n from ${t}`, [])).rows[0].n);
      if (n !== landed[t]) throw new Error(`COPY loaded ${n} rows into ${t}, the sync landed ${landed[t]}`);
      rows += n;
    }
    return { rows, seconds, perTable };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSync(opts: SyncBenchOptions): Promise<void> {
  const small = Math.max(1, Math.round(opts.children / 4));
  // Plans of the sync's statements depend on table statistics; say whether autovacuum keeps them.
  const [server] = await admin<{ version: string; autovacuum: string }>(opts.adminUrl, `select current_setting('server_version') as version, current_setting('autovacuum') as autovacuum`);
  line('sync: PostgreSQL', `${server.version}, autovacuum ${server.autovacuum}`);
  const outcomes: SyncOutcome[] = [];
  for (const children of [small, opts.children]) {
    const label = children === opts.children ? 'large' : 'small';
    const outcome = await withDatabase(opts.adminUrl, label, async (rt) => {
      const o = await syncOnce(rt, children, opts);
      const landedRows = TABLES.reduce((n, t) => n + o.landed[t], 0);
      line(
        `sync, full, ${children} children (page ${opts.pageSize})`,
        `${o.seconds.toFixed(2)} s, ${o.records} records, ${(o.records / o.seconds).toFixed(0)} records/s, ${(landedRows / o.seconds).toFixed(0)} rows landed/s`,
      );
      line(`  rows landed`, TABLES.map((t) => `${t} ${o.landed[t]}`).join(', '));
      line(`  worker RSS`, `idle ${mb(o.idleRssBytes)}, peak sampled ${mb(o.peakRssBytes)}, VmHWM ${mb(o.hwmBytes)}`);
      if (label === 'large') {
        const copy = await copyBaseline(rt, o.landed);
        const syncRate = landedRows / o.seconds;
        const copyRate = copy.rows / copy.seconds;
        line(`raw COPY of the same ${copy.rows} rows`, `${copy.seconds.toFixed(2)} s, ${copyRate.toFixed(0)} rows/s (one transaction, indexes and FKs in place)`);
        line(`  COPY per table`, copy.perTable);
        line(`  sync / COPY (same rows, same tables)`, `${(syncRate / copyRate).toFixed(3)} (COPY ${(copyRate / syncRate).toFixed(1)}× faster)`);
      }
      return o;
    });
    outcomes.push(outcome);
  }
  const [s, l] = outcomes;
  line(
    `worker peak RSS, ${l.children} vs ${s.children} children`,
    `VmHWM ${mb(l.hwmBytes)} vs ${mb(s.hwmBytes)} = ${(l.hwmBytes / s.hwmBytes).toFixed(2)}×, sampled ${(l.peakRssBytes / s.peakRssBytes).toFixed(2)}× (source ${(l.records / s.records).toFixed(1)}× larger)`,
  );
}
