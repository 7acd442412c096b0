import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { QueueEvents } from 'bullmq';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Client } from 'pg';
import { EdFiSimulator } from '../connectors/edfi/simulator';
import { createSyncQueue, enqueueSync, SYNC_QUEUE } from '../jobs/queues';
import { cprHmac } from '../src/identity/cpr';
import { rawQuery } from '../src/platform/db/bulk';
import { createRedis } from '../src/platform/queue/redis';
import type { Runtime } from '../src/platform/runtime';
import { SyncMode } from '../src/sources/sync-run.entity';
import { generatePopulation } from '../src/synthetic/generator';
import { line } from './stats';
import { spawnBenchWorker, tail, tearDownBenchQueues, waitForBenchWorker, withDatabase } from './sync.bench';

const HVIDOVRE = { code: '167', name: 'Hvidovre' };
const ATTENDANCE_STREAM = 'studentSchoolAttendanceEvents';
const COLUMNS = ['source_system_id', 'external_id', 'source_updated_at', 'synced_at', 'child_id', 'date', 'status', 'note'];

export interface EdFiBenchOptions {
  adminUrl: string;
  children: number;
  pageSize: number;
}


/** The hub's children (the case system's side), so every pupil can link by CPR hash. */
async function seedHubChildren(rt: Runtime, population: ReturnType<typeof generatePopulation>): Promise<string> {
  const em = rt.orm.em.fork();
  const { rows } = await rawQuery<{ id: string }>(em, `insert into municipality (code, name) values (?, ?) returning id`, [HVIDOVRE.code, HVIDOVRE.name]);
  const children = [...population.children()].map((c) => ({ cpr_hmac: cprHmac(c.cpr, rt.config.CPR_HMAC_KEY), first_name: c.firstName, last_name: c.lastName, birth_date: c.birthDate }));
  await rawQuery(
    em,
    `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date)
     select ?::uuid, x.cpr_hmac, x.first_name, x.last_name, x.birth_date
     from jsonb_to_recordset(?::jsonb) as x(cpr_hmac text, first_name text, last_name text, birth_date date)`,
    [rows[0].id, JSON.stringify(children)],
  );
  return rows[0].id;
}

/** The rows the sync landed, as COPY text, then loaded again by a raw COPY into the emptied table. */
async function copyBaseline(rt: Runtime): Promise<{ rows: number; seconds: number }> {
  const knex = rt.orm.em.getConnection().getKnex();
  const client = (await knex.client.acquireConnection()) as Client;
  try {
    const chunks: Buffer[] = [];
    await pipeline(
      client.query(copyTo(`copy attendance_day (${COLUMNS.join(', ')}) to stdout`)),
      new Writable({ write: (chunk: Buffer, _enc, done) => (chunks.push(chunk), done()) }),
    );
    const rows = Number((await client.query('select count(*) as n from attendance_day')).rows[0].n);
    await client.query('truncate attendance_day');
    const start = process.hrtime.bigint();
    await client.query('begin');
    await pipeline(Readable.from(chunks), client.query(copyFrom(`copy attendance_day (${COLUMNS.join(', ')}) from stdin`)));
    await client.query('commit');
    return { rows, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  } finally {
    await knex.client.releaseConnection(client);
  }
}

/**
 * Attendance end to end through the Ed-Fi connector: simulator (HTTP) → queue → a worker
 * process → PostgreSQL, for `children` children × a school year of days, against a raw COPY of
 * the same rows into the same table in the same run.
 */
export async function benchEdFi(opts: EdFiBenchOptions): Promise<void> {
  await withDatabase(opts.adminUrl, 'edfi', async (rt) => {
    const population = generatePopulation({ seed: 23, children: opts.children, municipalities: [HVIDOVRE] });
    const municipalityId = await seedHubChildren(rt, population);
    const sim = EdFiSimulator.fromPopulation(population, HVIDOVRE.code, { maxPageSize: opts.pageSize });
    const baseUrl = await sim.start();
    const credentialRef = `bench_edfi_${randomBytes(4).toString('hex')}`;
    const { rows } = await rawQuery<{ id: string }>(
      rt.orm.em.fork(),
      `insert into source_system (municipality_id, name, kind, base_url, credential_ref, config) values (?, 'Bench Ed-Fi', 'edfi', ?, ?, ?::jsonb) returning id`,
      [municipalityId, baseUrl, credentialRef, JSON.stringify({ pageSize: opts.pageSize })],
    );
    await rawQuery(rt.orm.em.fork(), 'analyze', []);
    const queue = createSyncQueue(rt.redis, rt.config.QUEUE_PREFIX);
    const eventsRedis = createRedis(rt.config.REDIS_URL, 'worker');
    const events = new QueueEvents(SYNC_QUEUE, { connection: eventsRedis, prefix: rt.config.QUEUE_PREFIX });
    let worker: ChildProcess | undefined;
    try {
      worker = spawnBenchWorker(rt, credentialRef, { clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret });
      const err = tail(worker.stderr);
      await events.waitUntilReady();
      await waitForBenchWorker(worker, queue, err);
      const start = process.hrtime.bigint();
      const job = await enqueueSync(queue, { sourceSystemId: rows[0].id, mode: SyncMode.Full });
      await job.waitUntilFinished(events, 30 * 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${err()}`);
      });
      const total = Number(process.hrtime.bigint() - start) / 1e9;
      const { rows: runs } = await rawQuery<{ stream: string; status: string; read_count: number; skipped_unlinked_count: number; seconds: number }>(
        rt.orm.em.fork(),
        `select stream, status, read_count, skipped_unlinked_count, extract(epoch from finished_at - started_at)::float as seconds from sync_run where job_id = ?`,
        [job.id],
      );
      if (runs.some((r) => r.status !== 'succeeded')) throw new Error(`Ed-Fi sync failed: ${JSON.stringify(runs)}`);
      const attendance = runs.find((r) => r.stream === ATTENDANCE_STREAM)!;
      const landed = Number((await rawQuery<{ n: string }>(rt.orm.em.fork(), 'select count(*) as n from attendance_day', [])).rows[0].n);
      if (landed !== Number(attendance.read_count)) throw new Error(`read ${attendance.read_count} attendance events, landed ${landed}`);
      const perSecond = landed / attendance.seconds;
      line(
        `Ed-Fi attendance, ${opts.children} children (page ${opts.pageSize})`,
        `${landed} events in ${attendance.seconds.toFixed(1)} s = ${perSecond.toFixed(0)} records/s end to end (whole sync incl. summaries ${total.toFixed(1)} s)`,
      );
      line('  other streams', runs.filter((r) => r !== attendance).map((r) => `${r.stream} ${r.read_count} in ${Number(r.seconds).toFixed(1)} s`).join(', '));

      const copy = await copyBaseline(rt);
      const copyRate = copy.rows / copy.seconds;
      line(`raw COPY of the same ${copy.rows} rows`, `${copy.seconds.toFixed(1)} s = ${copyRate.toFixed(0)} rows/s (indexes and reference checks in place)`);
      line(
        'Ed-Fi attendance / COPY',
        `${((perSecond / copyRate) * 100).toFixed(0)} % of COPY (goal ≥ 25 %); ${perSecond >= 50_000 ? 'meets' : 'misses'} the 50,000 records/s goal`,
      );
    } finally {
      await tearDownBenchQueues(rt, { worker, queue, events, eventsRedis });
      await sim.stop();
    }
  });
}
