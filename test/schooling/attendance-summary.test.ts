import { QueueEvents } from 'bullmq';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { createMaintenanceQueue, enqueueAttendanceSummary, MAINTENANCE_QUEUE } from '../../jobs/queues';
import { runAttendanceSummaryJob } from '../../jobs/attendance-summary.job';
import { bulkUpsert } from '../../src/platform/db/bulk';
import { createRedis } from '../../src/platform/queue/redis';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** Hand-made data: known days per category, so every figure can be checked by hand. */
describe('attendance summary job', () => {
  let rt: TestRuntime;
  let worker: RunningWorker;
  let childId: string;
  let otherChildId: string;
  let sourceId: string;

  beforeAll(async () => {
    rt = await createTestRuntime();
    const conn = rt.orm.em.getConnection();
    const [m] = await conn.execute(`insert into municipality (code, name) values ('167', 'Hvidovre') returning id`);
    const [other] = await conn.execute(`insert into municipality (code, name) values ('479', 'Svendborg') returning id`);
    const [s] = await conn.execute(`insert into source_system (municipality_id, name, kind) values (?, 'test', 'synthetic') returning id`, [m.id]);
    const [s2] = await conn.execute(`insert into source_system (municipality_id, name, kind) values (?, 'test', 'synthetic') returning id`, [other.id]);
    sourceId = s.id;
    const [c] = await conn.execute(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, repeat('a', 64), 'Freja', 'Test', '2012-03-04') returning id`,
      [m.id],
    );
    const [c2] = await conn.execute(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, repeat('b', 64), 'Oscar', 'Test', '2012-05-06') returning id`,
      [other.id],
    );
    childId = c.id;
    otherChildId = c2.id;
    // January 2026, 20 school days: 14 present, 1 partial, 2 illness, 1 authorised, 2 unauthorised.
    // February 2026, 10 days: 7 present, 3 unauthorised. December 2025 (previous quarter), 5 present.
    const jan = ['present', 'present', 'present', 'present', 'present', 'present', 'present', 'present', 'present', 'present',
      'present', 'present', 'present', 'present', 'partial', 'illness', 'illness', 'authorised', 'unauthorised', 'unauthorised'];
    const feb = ['present', 'present', 'present', 'present', 'present', 'present', 'present', 'unauthorised', 'unauthorised', 'unauthorised'];
    const days = [
      ...jan.map((status, i) => ({ date: `2026-01-${String(i + 5).padStart(2, '0')}`, status })),
      ...feb.map((status, i) => ({ date: `2026-02-${String(i + 2).padStart(2, '0')}`, status })),
      ...[1, 2, 3, 4, 5].map((d) => ({ date: `2025-12-0${d}`, status: 'present' })),
    ];
    await bulkUpsert(
      rt.orm.em.fork(),
      {
        table: 'attendance_day',
        columns: [{ name: 'source_system_id', type: 'uuid' }, { name: 'external_id', type: 'text' }, { name: 'child_id', type: 'uuid' }, { name: 'date', type: 'date' }, { name: 'status', type: 'text' }],
        conflict: ['source_system_id', 'external_id'],
      },
      [
        ...days.map((d) => ({ source_system_id: s.id, external_id: `a-${d.date}`, child_id: childId, ...d })),
        { source_system_id: s2.id, external_id: 'b-1', child_id: otherChildId, date: '2026-01-05', status: 'illness' },
      ],
    );
    worker = await startWorker(rt);
  });

  afterAll(async () => {
    await worker?.close();
    await rt?.dispose();
  });

  type SummaryRow = { period_kind: string; period_start: string } & Record<string, unknown>;
  const summaries = (child: string) =>
    rt.orm.em.getConnection().execute<SummaryRow[]>(
      `select period_kind, period_start::text, period_end::text, school_days, present_days, partial_days, illness_days,
              authorised_days, unauthorised_days, absence_pct::float, illness_pct::float, authorised_pct::float, unauthorised_pct::float
       from attendance_summary where child_id = ? order by period_kind, period_start`,
      [child],
    );

  it('computes absence per category per month, quarter and school year through the queue', async () => {
    const queue = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    const eventsConnection = createRedis(rt.config.REDIS_URL, 'worker');
    const events = new QueueEvents(MAINTENANCE_QUEUE, { connection: eventsConnection, prefix: rt.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const job = await enqueueAttendanceSummary(queue, { municipalityCode: '167' });
      const result = await job.waitUntilFinished(events, 30_000);
      expect(result).toMatchObject({ children: 1, batches: 1 });
    } finally {
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
    }

    const rows = await summaries(childId);
    const byKey = Object.fromEntries(rows.map((r: SummaryRow) => [`${r.period_kind}:${r.period_start}`, r]));
    expect(byKey['month:2026-01-01']).toEqual({
      period_kind: 'month', period_start: '2026-01-01', period_end: '2026-01-31',
      school_days: 20, present_days: 15, partial_days: 1, illness_days: 2, authorised_days: 1, unauthorised_days: 2,
      absence_pct: 25, illness_pct: 10, authorised_pct: 5, unauthorised_pct: 10,
    });
    // Q1 2026: 30 days, 5 unauthorised = 16.67 % (above the 15 % notification threshold).
    expect(byKey['quarter:2026-01-01']).toMatchObject({
      period_end: '2026-03-31', school_days: 30, unauthorised_days: 5, unauthorised_pct: 16.67, absence_pct: 26.67,
    });
    expect(byKey['quarter:2025-10-01']).toMatchObject({ school_days: 5, absence_pct: 0 });
    // December and January fall in the same school year (1 August – 31 July).
    expect(byKey['school_year:2025-08-01']).toMatchObject({ period_end: '2026-07-31', school_days: 35, illness_days: 2, unauthorised_days: 5 });
    expect(rows).toHaveLength(3 + 2 + 1);
    // Another municipality's children are not touched.
    expect(await summaries(otherChildId)).toHaveLength(0);
  });

  it('updates changed periods and removes periods whose days were deleted', async () => {
    const conn = rt.orm.em.getConnection();
    await conn.execute(`delete from attendance_day where child_id = ? and date < '2026-01-01'`, [childId]);
    await conn.execute(`update attendance_day set status = 'present' where child_id = ? and date = '2026-02-11'`, [childId]);
    await runAttendanceSummaryJob(rt.orm.em.fork(), { data: { municipalityCode: '167' } });

    const rows = await summaries(childId);
    expect(rows.map((r: SummaryRow) => `${r.period_kind}:${r.period_start}`)).toEqual([
      'month:2026-01-01', 'month:2026-02-01', 'quarter:2026-01-01', 'school_year:2025-08-01',
    ]);
    expect(rows.find((r: SummaryRow) => r.period_kind === 'month' && r.period_start === '2026-02-01'))
      .toMatchObject({ school_days: 10, unauthorised_days: 2, unauthorised_pct: 20 });
  });

  it('refuses an unknown municipality without retrying', async () => {
    await expect(runAttendanceSummaryJob(rt.orm.em.fork(), { data: { municipalityCode: '999' } })).rejects.toThrow(
      /unknown municipality 999/,
    );
    expect(sourceId).toBeDefined();
  });
});
