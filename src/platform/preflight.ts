import { Client } from 'pg';
import { Redis } from 'ioredis';
import { describeUrl } from './config';
import { DependencyUnavailableError } from './errors';

const CONNECT_TIMEOUT_MS = 3000;

function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host not found';
  if (e?.code === 'ETIMEDOUT') return 'connection timed out';
  // Driver messages are short and name no secrets (pg never echoes the password).
  return (e?.message ?? String(err)).split('\n')[0].replace(/\.$/, '');
}

/**
 * Checks PostgreSQL answers on DATABASE_URL. With `createIfMissing` (local all-in-one
 * start and tests) a missing database is created; otherwise that is an error too.
 */
export async function checkPostgres(databaseUrl: string, opts: { createIfMissing?: boolean } = {}): Promise<void> {
  const where = describeUrl(databaseUrl);
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    if ((err as { code?: string }).code === '3D000' && opts.createIfMissing) {
      await createDatabase(databaseUrl);
      return;
    }
    throw DependencyUnavailableError.postgres(where, reasonOf(err));
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await admin.connect();
    await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code === '42P04') return; // created meanwhile
    throw DependencyUnavailableError.postgres(describeUrl(databaseUrl), `database is missing and could not be created: ${reasonOf(err)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** Checks Redis answers PING on REDIS_URL, without the client's endless reconnects. */
export async function checkRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The socket error (ECONNREFUSED…) says more than the "Connection is closed" that follows it.
  let socketError: unknown;
  redis.on('error', (err) => (socketError ??= err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw DependencyUnavailableError.redis(describeUrl(redisUrl), reasonOf(socketError ?? err));
  } finally {
    redis.disconnect();
  }
}
