import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { createMaintenanceQueue, enqueueAttendanceSummary, MAINTENANCE_QUEUE } from '../../jobs/queues';
import { projectRoot } from '../../src/platform/paths';
import { DEMO_CASE_SYSTEM } from '../../src/synthetic/demo';
import { createRedis } from '../../src/platform/queue/redis';
import { post } from '../support/graphql-client';
import { fetchToken } from '../support/partners';
import { createTestDatabase, testConfig } from '../support/test-runtime';

const MAIN = join(projectRoot(), 'dist/src/main.js');

/** Runs a role of the built CLI (or, `viaNpm`, its npm script) and collects its output. */
function launch(role: string, env: Record<string, string>, viaNpm = false) {
  const [command, args] = viaNpm ? ['npm', ['run', '--silent', role]] : [process.execPath, [MAIN, role]];
  const child = spawn(command, args, {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
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
      const credentials = (name: string) => {
        const m = p.output().match(new RegExp(`${name}\\s+role \\w+\\s+client_id (\\S+)\\s+client_secret (\\S+)`));
        if (!m) throw new Error(`no credentials for ${name} in output`);
        return { clientId: m[1], clientSecret: m[2] };
      };
      const token = async (name: string) => {
        const c = credentials(name);
        return { authorization: `Bearer ${await fetchToken(url, c.clientId, c.clientSecret)}` };
      };
      const school = await token('Demo school app');
      const admin = await token('Demo admin app');

      // The demo school app has a synthetic legal basis for Hvidovre's demo children.
      type Page = { children: { edges: { node: { id: string; placements: unknown[] | null } }[] } };
      const page = await post<Page>(url, { query: '{ children(first: 100) { edges { node { id placements { type } } } } }' }, school);
      expect(page.errors).toBeUndefined();
      expect(page.data!.children.edges.length).toBeGreaterThan(0);
      expect(page.data!.children.edges.every((e) => Array.isArray(e.node.placements))).toBe(true);
      expect((await post(url, { query: '{ children(first: 1) { edges { node { id } } } }' })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

      // The demo case-system simulator is registered and its first full sync completes.
      type Runs = { sourceSystems: { id: string; name: string; kind: string }[] };
      const sources = await post<Runs>(url, { query: '{ sourceSystems(municipalityCode: "167") { id name kind } }' }, admin);
      // The demo school system of Hvidovre is registered too.
      expect(sources.data!.sourceSystems.map((s) => s.kind)).toEqual(expect.arrayContaining(['CASE_SYSTEM', 'ED_FI']));
      const sourceId = sources.data!.sourceSystems.find((s) => s.name === DEMO_CASE_SYSTEM.name)!.id;
      type RunPage = { syncRuns: { edges: { node: { stream: string; status: string; inserted: number; quarantined: number } }[] } };
      const runs = async () =>
        (await post<RunPage>(url, { query: `{ syncRuns(sourceId: "${sourceId}", first: 20) { edges { node { stream status inserted quarantined } } } }` }, admin)).data!.syncRuns.edges.map(
          (e) => e.node,
        );
      const deadline = Date.now() + 30_000;
      while (!((await runs()).filter((r) => r.status === 'SUCCEEDED').length >= 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const done = await runs();
      expect(done.every((r) => r.status === 'SUCCEEDED')).toBe(true);
      // Every child landed or, broken on purpose in the demo, waits in quarantine.
      const children = done.find((r) => r.stream === 'children')!;
      expect(children.inserted + children.quarantined).toBe(DEMO_CASE_SYSTEM.children);
      expect(done.reduce((n, r) => n + r.quarantined, 0)).toBeGreaterThan(0);
      expect(done.find((r) => r.stream === 'placements')!.inserted).toBeGreaterThan(0);

      p.child.kill('SIGTERM');
      const code = await p.exited;
      expect({ code, output: p.output().slice(-2000) }).toMatchObject({ code: 0, output: expect.stringMatching(/shutting down/) });
    } finally {
      stop(p.child);
      await db.drop();
    }
  });

  it('`npm run worker` passes SIGTERM on to the worker, which shuts down cleanly', async () => {
    const db = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: db.url });
    const p = launch('worker', { DATABASE_URL: db.url, REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: config.QUEUE_PREFIX }, true);
    try {
      await p.waitFor(/worker started/);
      p.child.kill('SIGTERM'); // npm's process, as a supervisor or a terminal would signal it
      await p.waitFor(/shutting down/, 15_000);
      expect(await p.exited).toBe(0);
    } finally {
      stop(p.child);
      // A worker the signal never reached would outlive npm: end it by the pid it logged.
      for (const pid of new Set([...p.output().matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1])))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await db.drop();
    }
  });

  it('`worker` processes queued jobs and exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: db.url });
    const redis = createRedis(config.REDIS_URL, 'worker');
    const queue = createMaintenanceQueue(redis, config.QUEUE_PREFIX);
    // QueueEvents leaves a connection it was given open: this test closes it.
    const eventsConnection = createRedis(config.REDIS_URL, 'worker');
    const events = new QueueEvents(MAINTENANCE_QUEUE, { connection: eventsConnection, prefix: config.QUEUE_PREFIX });
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
      eventsConnection.disconnect();
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
