import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from './bulk';

/**
 * How long an admin decision (identity review, merge) waits for rows or a source's matching lock
 * held by someone else — a running matching job, a sync page, another admin — before it gives up
 * with `BUSY` instead of holding the request open without bound.
 */
export const ADMIN_LOCK_TIMEOUT_MS = 10_000;

/** lock_not_available (lock_timeout), deadlock_detected, serialization_failure. */
const CONTENTION_SQLSTATES = new Set(['55P03', '40P01', '40001']);

/** Bounds every lock wait of the caller's transaction (reset when it ends). */
async function boundLockWaits(em: EntityManager, ms: number): Promise<void> {
  await rawQuery(em, `select set_config('lock_timeout', ?, true)`, [`${Math.max(1, Math.round(ms))}ms`]);
}

/** A transaction whose every lock wait is bounded: `BUSY` rather than an endless request. */
export function lockBoundedTransaction<T>(em: EntityManager, ms: number, body: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await boundLockWaits(tx, ms);
    return body(tx);
  });
}

/**
 * Whether an error is PostgreSQL giving up a transaction that lost a race for locks: the
 * transaction rolled back whole, and the same request can simply be made again.
 */
export function isLockContention(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && CONTENTION_SQLSTATES.has(e.code)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
