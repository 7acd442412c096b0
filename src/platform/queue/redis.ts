import { Redis } from 'ioredis';

/**
 * BullMQ wants different failure behaviour per connection: producers should fail fast,
 * workers must retry forever (maxRetriesPerRequest: null) so a Redis blip does not kill them.
 */
export function createRedis(url: string, role: 'producer' | 'worker' | 'probe'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role !== 'probe',
    connectTimeout: 3000,
    lazyConnect: false,
  });
  redis.on('error', () => undefined); // surfaced by the command that failed and by /readyz
  return redis;
}
