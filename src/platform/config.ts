import { z } from 'zod';

// Development-only key so `npm start` works out of the box. Production refuses it.
const DEV_CPR_HMAC_KEY = 'skolebro-dev-only-cpr-hmac-key-do-not-use-in-production';

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
      .default('postgres://postgres@127.0.0.1:5432/skolebro'),
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' })
      .default('redis://127.0.0.1:6379'),
    // Until partner auth exists the API binds to loopback only (see README).
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    CPR_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    // BullMQ key prefix; tests use one per run so they never touch the demo queues.
    QUEUE_PREFIX: z.string().min(1).default('skolebro'),
    // Nightly recomputation of attendance summaries (cron, Europe/Copenhagen).
    SUMMARY_CRON: z.string().min(9).default('0 3 * * *'),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** Sources synced in parallel by one worker (one run per source at a time, always). */
    SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** A sync job whose worker stops renewing its lock this long is taken over by another worker. */
    SYNC_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    SYNC_STALLED_CHECK_MS: z.coerce.number().int().min(500).default(30_000),
    DEMO_CHILDREN: z.coerce.number().int().min(0).default(300),
    /** Defaults: info, or silent under NODE_ENV=test. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.CPR_HMAC_KEY) {
      ctx.addIssue({ code: 'custom', path: ['CPR_HMAC_KEY'], message: 'is required in production' });
    }
  });

export type Config = Omit<z.infer<typeof ConfigSchema>, 'CPR_HMAC_KEY'> & { CPR_HMAC_KEY: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment once at boot; every problem is reported on one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return { ...parsed.data, CPR_HMAC_KEY: parsed.data.CPR_HMAC_KEY ?? DEV_CPR_HMAC_KEY };
}

/** host:port/db of a connection URL, without credentials, for messages. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? '6379' : '5432')}${u.pathname === '/' ? '' : u.pathname}`;
}
