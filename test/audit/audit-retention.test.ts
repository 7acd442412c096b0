import { QueueEvents } from 'bullmq';
import { createMaintenanceQueue, JobName, MAINTENANCE_QUEUE } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { AUDIT_RETENTION_ACTOR, purgeExpiredAuditEvents } from '../../src/audit/audit-retention.service';
import { createRedis } from '../../src/platform/queue/redis';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** Access logs are kept 6 months by default (DOMAIN.md), then deleted — and the deletion is logged. */
describe('access-log retention', () => {
  let rt: TestRuntime;
  let worker: RunningWorker;
  const sql = <T = Record<string, unknown>>(text: string, values: unknown[] = []) => rt.orm.em.getConnection().execute<T[]>(text, values);
  /** `n` read events of the given age, by a partner app. */
  const logged = (n: number, age: string, actor: string) =>
    sql(
      `insert into audit_event (occurred_at, actor, action, categories, decision, request_id)
       select now() - ?::interval, ?, 'read', '{attendance}', 'permit', 'req-' || g from generate_series(1, ?) g`,
      [age, actor, n],
    );
  const count = async (where: string) => Number((await sql<{ n: string }>(`select count(*) as n from audit_event where ${where}`))[0].n);

  beforeAll(async () => {
    rt = await createTestRuntime();
    worker = await startWorker(rt);
  });
  afterAll(async () => {
    await worker?.close();
    await rt?.dispose();
  });
  beforeEach(async () => {
    // The log is append-only for updates; deleting (retention) is allowed.
    await sql(`delete from audit_event`);
  });

  it('deletes events older than the retention period in batches, keeps the rest, and logs the deletion', async () => {
    await logged(25, '7 months', 'old-app');
    await logged(3, '6 months - 1 day', 'recent-app');
    await logged(2, '0 seconds', 'today-app');

    const result = await purgeExpiredAuditEvents(rt.orm.em.fork(), 6, 10);
    expect(result).toMatchObject({ deleted: 25, batches: 3 });
    expect(await count(`actor = 'old-app'`)).toBe(0);
    expect(await count(`actor in ('recent-app', 'today-app')`)).toBe(5);
    const [entry] = await sql<{ action: string; target: string; search_criterion: { deleted: number; retentionMonths: number } }>(
      `select action, target, search_criterion from audit_event where actor = ?`,
      [AUDIT_RETENTION_ACTOR],
    );
    expect(entry).toMatchObject({ action: 'delete', target: 'audit_event', search_criterion: { deleted: 25, retentionMonths: 6 } });

    // Nothing expired: nothing deleted, nothing logged.
    expect(await purgeExpiredAuditEvents(rt.orm.em.fork(), 6, 10)).toMatchObject({ deleted: 0, batches: 0 });
    expect(await count(`actor = '${AUDIT_RETENTION_ACTOR}'`)).toBe(1);
  });

  it('runs as a maintenance job with the configured retention (AUDIT_RETENTION_MONTHS, default 6)', async () => {
    expect(rt.config.AUDIT_RETENTION_MONTHS).toBe(6);
    await logged(4, '13 months', 'old-app');
    await logged(1, '1 month', 'recent-app');
    const queue = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    const eventsConnection = createRedis(rt.config.REDIS_URL, 'worker');
    const events = new QueueEvents(MAINTENANCE_QUEUE, { connection: eventsConnection, prefix: rt.config.QUEUE_PREFIX });
    try {
      await events.waitUntilReady();
      const job = await queue.add(JobName.AuditRetention, {});
      expect(await job.waitUntilFinished(events, 30_000)).toMatchObject({ deleted: 4, batches: 1 });
      expect(await count(`actor = 'old-app'`)).toBe(0);
      expect(await count(`actor = 'recent-app'`)).toBe(1);
    } finally {
      await events.close();
      eventsConnection.disconnect();
      await queue.close();
    }
  });
});
