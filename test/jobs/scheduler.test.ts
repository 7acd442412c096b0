import { createMaintenanceQueue } from '../../jobs/queues';
import { reconcileSchedules } from '../../jobs/scheduler';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

describe('scheduler', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime();
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('keeps one nightly summary scheduler per municipality in step with the table, and one access-log retention run', async () => {
    const conn = rt.orm.em.getConnection();
    await conn.execute(`insert into municipality (code, name) values ('167', 'Hvidovre'), ('479', 'Svendborg')`);
    const queue = createMaintenanceQueue(rt.redis, rt.config.QUEUE_PREFIX);
    try {
      await reconcileSchedules(rt, queue);
      await reconcileSchedules(rt, queue); // idempotent: stable ids
      let schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
        ['attendance-summary:167', '0 3 * * *', 'Europe/Copenhagen'],
        ['attendance-summary:479', '0 3 * * *', 'Europe/Copenhagen'],
        ['audit-retention', '30 3 * * *', 'Europe/Copenhagen'],
      ]);

      await conn.execute(`delete from municipality where code = '479'`);
      const result = await reconcileSchedules(rt, queue);
      expect(result.removed).toEqual(['attendance-summary:479']);
      schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['attendance-summary:167', 'audit-retention']);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
