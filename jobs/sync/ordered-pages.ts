import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../../src/platform/db/bulk';
import { isLockContention } from '../../src/platform/db/lock-wait';
import type { Orm } from '../../src/platform/db/orm';

/** A page's write: `rows` may run beside the page before it; `ordered` runs once that page has committed. */
export interface PageSteps<T> {
  /** Whether this page may be written while the page before it is still open (both must allow it). */
  overlaps: boolean;
  rows(tx: EntityManager): Promise<T>;
  ordered(tx: EntityManager, rows: T): Promise<void>;
}

interface Attempt {
  /** Advisory lock key the attempt's transaction holds until it ends. */
  key: number;
  /** Settles once the attempt holds its key (or will never take it). */
  keyed: Promise<void>;
  /** Settles when the attempt's transaction has ended: true if it committed. */
  committed: Promise<boolean>;
  /** The same, readable at once: whether it has ended, and whether it committed. */
  outcome: { ended: boolean; committed: boolean };
  result: Promise<void>;
}

interface PageWrite {
  overlaps: boolean;
  first: Attempt;
  /** Settles when the page has committed (after any retries), or rejects with why it never will. */
  done: Promise<void>;
  /** Set as soon as `done` has rejected. */
  failed: boolean;
}

class PreviousPageNotCommitted extends Error {}

/** Retries of a page written alone that lost a lock race (deadlock, serialisation). */
const MAX_ALONE_RETRIES = 3;

/**
 * Commits pages strictly in order, each in its own transaction with the cursor after it, while
 * letting two pages of bulk rows be written at once (PostgreSQL then uses both cores: one
 * backend per page). At most two transactions are open.
 *
 * Order is kept by the second page waiting for the first to commit before its ordered part (the
 * cursor, counts, queues). It waits inside PostgreSQL, on an advisory lock the first page's
 * transaction holds until it ends, so a lock cycle between the two pages (the same row in both)
 * is a deadlock PostgreSQL detects and breaks. Whichever page loses is written again alone once
 * the page before it has committed; a page whose predecessor rolled back never commits before it.
 */
export class OrderedPages {
  private older?: PageWrite;
  private last?: PageWrite;
  private seq = 0;

  constructor(
    private readonly orm: Orm,
    /** First half of the advisory lock keys: one space per sync run. */
    private readonly lockSpace: number,
  ) {}

  /** Starts writing a page; waits first while two pages are open. Throws if an earlier page failed. */
  async add<T>(steps: PageSteps<T>): Promise<void> {
    await this.older?.done;
    if (this.last?.failed) await this.last.done; // no page is started after one that failed
    const previous = this.last;
    const write = this.start(steps, previous);
    this.older = previous;
    this.last = write;
    write.done.catch(() => void (write.failed = true)); // surfaced by the next add() or drain()
  }

  /** Waits until every page has committed; throws the first failure. */
  async drain(): Promise<void> {
    await this.older?.done;
    await this.last?.done;
  }

  /** Waits until every page has committed or failed, whatever happened. */
  async settle(): Promise<void> {
    await Promise.allSettled([this.older?.done, this.last?.done]);
  }

  private start<T>(steps: PageSteps<T>, previous: PageWrite | undefined): PageWrite {
    const beside = previous && steps.overlaps && previous.overlaps ? previous : undefined;
    const first = this.attempt(steps, previous, beside);
    const done = first.result.catch(async (err: unknown) => {
      if (!(err instanceof PreviousPageNotCommitted) && !isLockContention(err)) throw err;
      await previous?.done; // a predecessor that failed for good fails this page too
      for (let retry = 1; ; retry++) {
        try {
          return await this.attempt(steps, undefined, undefined).result;
        } catch (again) {
          if (!isLockContention(again) || retry >= MAX_ALONE_RETRIES) throw again;
        }
      }
    });
    return { overlaps: steps.overlaps, first, done, failed: false };
  }

  /**
   * One transaction for the page. With `beside`, it starts once that page holds its key and
   * waits for it to commit only before the ordered part; otherwise it starts after `previous`.
   */
  private attempt<T>(steps: PageSteps<T>, previous: PageWrite | undefined, beside: PageWrite | undefined): Attempt {
    const key = (this.seq = (this.seq + 1) | 0);
    let markKeyed!: () => void;
    let markEnded!: (committed: boolean) => void;
    const keyed = new Promise<void>((resolve) => (markKeyed = resolve));
    const committed = new Promise<boolean>((resolve) => (markEnded = resolve));
    const outcome = { ended: false, committed: false };
    const end = (ok: boolean) => {
      Object.assign(outcome, { ended: true, committed: ok });
      markEnded(ok);
    };
    const result = (async () => {
      try {
        if (beside) await beside.first.keyed;
        else await previous?.done;
        // The page beside has already rolled back: this one is written alone, after it, instead.
        if (beside?.first.outcome.ended && !beside.first.outcome.committed) throw new PreviousPageNotCommitted('the page before was not committed');
        await this.orm.em.fork().transactional(async (tx) => {
          await rawQuery(tx, 'select pg_advisory_xact_lock(?::int, ?::int)', [this.lockSpace, key]);
          markKeyed();
          const rows = await steps.rows(tx);
          if (beside) {
            await rawQuery(tx, 'select pg_advisory_xact_lock(?::int, ?::int)', [this.lockSpace, beside.first.key]);
            if (!(await beside.first.committed)) throw new PreviousPageNotCommitted('the page before was not committed');
          }
          await steps.ordered(tx, rows);
        });
        end(true);
      } catch (err) {
        end(false);
        throw err;
      } finally {
        markKeyed();
      }
    })();
    return { key, keyed, committed, outcome, result };
  }
}

/** An advisory lock space for a run: 32 bits of its uuid. */
export function lockSpaceOf(runId: string): number {
  return Number.parseInt(runId.replace(/-/g, '').slice(0, 8), 16) | 0;
}
