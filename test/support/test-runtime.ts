import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig, type Config } from '../../src/platform/config';
import { openRuntime, type OpenOptions, type Runtime } from '../../src/platform/runtime';
import { ADMIN_URL, databasePrefix, databaseUrl, REDIS_URL, redisPrefix, templateDatabase } from './run-id';

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a clone of the run's migrated template (or empty). */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${databasePrefix()}_${randomBytes(4).toString('hex')}`;
  await admin(async (c) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(opts.empty ? `create database "${name}"` : `create database "${name}" template "${templateDatabase()}"`);
        return;
      } catch (err) {
        // Two files cloning the template at the same instant: "source database is being accessed".
        if ((err as { code?: string }).code !== '55006' || attempt > 20) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    REDIS_URL,
    PORT: '0',
    QUEUE_PREFIX: `${redisPrefix()}-${randomBytes(3).toString('hex')}`,
    CPR_HMAC_KEY: 'test-cpr-hmac-key-0123456789abcdef0123456789',
    ...overrides,
  });
}

export interface TestRuntime extends Runtime {
  /** Closes the runtime and drops its database. */
  dispose(): Promise<void>;
}

/** A runtime on its own migrated database and its own queue prefix. */
export async function createTestRuntime(opts: OpenOptions = {}): Promise<TestRuntime> {
  const db = await createTestDatabase();
  const rt = await openRuntime(testConfig({ DATABASE_URL: db.url }), opts);
  return Object.assign(rt, {
    async dispose() {
      await rt.close();
      await db.drop();
    },
  });
}
