import type { Runtime } from '../runtime';

export interface Readiness {
  ready: boolean;
  postgres: 'up' | 'down';
  redis: 'up' | 'down';
}

const PROBE_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref()),
  ]);
}

/** Ready when both PostgreSQL and Redis answer. Says which one is down, nothing more. */
export async function readiness(rt: Runtime): Promise<Readiness> {
  const [pg, redis] = await Promise.allSettled([
    within(rt.orm.em.getConnection().execute('select 1')),
    within(rt.redis.ping()),
  ]);
  const postgres = pg.status === 'fulfilled' ? 'up' : 'down';
  const redisUp = redis.status === 'fulfilled' ? 'up' : 'down';
  return { ready: postgres === 'up' && redisUp === 'up', postgres, redis: redisUp };
}
