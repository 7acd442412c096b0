import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { createMaintenanceQueue, enqueueAttendanceSummary, MAINTENANCE_QUEUE } from '../../jobs/queues';
import { projectRoot } from '../../src/platform/paths';
import { DEMO_CASE_SYSTEM } from '../../src/synthetic/demo';
import { createRedis } from '../../src/platform/queue/redis';
import { post } from '../support/graphql-client';
import { createTestDatabase, testConfig } from '../support/test-runtime';

const MAIN = join(projectRoot(), 'dist/src/main.js');

/** Runs a role of the built CLI and collects its output. */
function launch(role: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN, role], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = output.match(pattern);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

function stop(child: ChildProcess) {
  if (child.exitCode === null) child.kill('SIGKILL');
}

describe('process roles', () => {
  it('`start` migrates an empty database, seeds demo data, serves it, and stops cleanly on SIGTERM', async () => {
    const db = await createTestDatabase({ empty: true });
    const config = testConfig({ DATABASE_URL: db.url });
    const p = launch('start', {
      DATABASE_URL: db.url,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      PORT: '0',
      DEMO_CHILDREN: '12',
    });
    try {
      const [, url] = await p.waitFor(/Skolebro is running: (http:\/\/127\.0\.0\.1:\d+\/graphql)/);
      type Page = { children: { edges: { node: { placements: unknown[] } }[] } };
      const children = async () =>
        (await post<Page>(url, { query: '{ children(first: 100) { edges { node { id placements { type } } } } }' })).data!.children.edges;
      expect((await children()).length).toBeGreaterThanOrEqual(12);
      // The demo case-system simulator is registered and its first full sync lands its children
      // (streams commit one after another: children first, then their placements).
      const synced = (edges: Page['children']['edges']) =>
        edges.length === 12 + DEMO_CASE_SYSTEM.children && edges.every((e) => e.node.placements.length > 0);
      const deadline = Date.now() + 30_000;
      while (!synced(await children()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const all = await children();
      expect(all).toHaveLength(12 + DEMO_CASE_SYSTEM.children);
      expect(all.every((e) => e.node.placements.length > 0)).toBe(true);

      p.child.kill('SIGTERM');
      const code = await p.exited;
      expect({ code, output: p.output().slice(-2000) }).toMatchObject({ code: 0, output: expect.stringMatching(/shutting down/) });
    } finally {
      stop(p.child);
      await db.drop();
    }
  });

  it('`worker` processes queued jobs and exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: db.url });
    const redis = createRedis(config.REDIS_URL, 'worker');
    const queue = createMaintenanceQueue(redis, config.QUEUE_PREFIX);
    const events = new QueueEvents(MAINTENANCE_QUEUE, { connection: createRedis(config.REDIS_URL, 'worker'), prefix: config.QUEUE_PREFIX });
    const p = launch('worker', { DATABASE_URL: db.url, REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    try {
      await p.waitFor(/worker started/);
      // An unknown municipality fails without retries: proof the job reached the processor.
      const job = await enqueueAttendanceSummary(queue, { municipalityCode: '000' });
      await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/unknown municipality 000/);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      stop(p.child);
      await events.close();
      await queue.close();
      redis.disconnect();
      await db.drop();
    }
  });

  it('`serve` refuses a database with pending migrations', async () => {
    const db = await createTestDatabase({ empty: true });
    const config = testConfig({ DATABASE_URL: db.url });
    const p = launch('serve', { DATABASE_URL: db.url, REDIS_URL: config.REDIS_URL });
    try {
      expect(await p.exited).toBe(1);
      expect(p.output().trim()).toMatch(/^skolebro: The database has \d+ pending migration\(s\)\. Run `npm run migrate` first\.$/m);
    } finally {
      stop(p.child);
      await db.drop();
    }
  });
});
