import type { Redis } from 'ioredis';
import type { Config } from './config';
import { migrate, openOrm, type Orm, type OrmOverrides } from './db/orm';
import { createLogger, type Logger } from './logger';
import { checkPostgres, checkRedis } from './preflight';
import { createRedis } from './queue/redis';

/** What every process role shares: validated config, the ORM, a Redis client and a logger. */
export interface Runtime {
  config: Config;
  orm: Orm;
  redis: Redis;
  logger: Logger;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Create the database if the server answers but the database is missing (local start, tests). */
  createDatabase?: boolean;
  /** Apply pending migrations before returning. */
  migrate?: boolean;
  name?: string;
  /** Extra ORM options (tests use them to observe queries). */
  orm?: OrmOverrides;
}

export async function openRuntime(config: Config, opts: OpenOptions = {}): Promise<Runtime> {
  // Both checks first, so a missing service is one clear line rather than a driver stack.
  await checkPostgres(config.DATABASE_URL, { createIfMissing: opts.createDatabase });
  await checkRedis(config.REDIS_URL);
  const logger = createLogger(config, opts.name ?? 'skolebro');
  const orm = await openOrm(config.DATABASE_URL, opts.orm);
  if (opts.migrate) {
    const applied = await migrate(orm);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const redis = createRedis(config.REDIS_URL, 'producer');
  return {
    config,
    orm,
    redis,
    logger,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await orm.close(true);
    },
  };
}
