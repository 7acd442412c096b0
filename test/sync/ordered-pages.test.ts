import type { EntityManager } from '@mikro-orm/postgresql';
import { OrderedPages, type PageSteps } from '../../jobs/sync/ordered-pages';
import { rawQuery } from '../../src/platform/db/bulk';
import { openOrm, type Orm } from '../../src/platform/db/orm';
import { createTestDatabase } from '../support/test-runtime';

/**
 * The sync runner's page pipeline: two pages of bulk rows written at once, committed strictly in
 * order, and a lock cycle between them resolved without losing or reordering anything.
 */
describe('ordered pages', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: Orm;
  let space = 0;
  /** Attempts per page: a page that lost a lock race is written again. */
  let attempts: Record<string, number> = {};

  const sql = async <T = Record<string, unknown>>(text: string, values: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, values);
  const exec = (tx: EntityManager, text: string, values: unknown[] = []) => rawQuery(tx, text, values);
  /** A page that upserts `rows` (key → value) and then, in order, appends its name to the commit log. */
  const page = (name: string, rows: Record<string, string>, hooks: { overlaps?: boolean; beforeRows?: (tx: EntityManager) => Promise<void>; afterRows?: () => void; failOrdered?: Error } = {}): PageSteps<number> => ({
    overlaps: hooks.overlaps ?? true,
    rows: async (tx) => {
      attempts[name] = (attempts[name] ?? 0) + 1;
      await hooks.beforeRows?.(tx);
      let n = 0;
      for (const [k, v] of Object.entries(rows)) {
        await exec(tx, `insert into kv (k, v) values (?, ?) on conflict (k) do update set v = excluded.v`, [k, v]);
        n++;
      }
      hooks.afterRows?.();
      return n;
    },
    ordered: async (tx, n) => {
      if (hooks.failOrdered) throw hooks.failOrdered;
      await exec(tx, `insert into commit_log (page, rows) values (?, ?)`, [name, n]);
    },
  });
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    orm = await openOrm(db.url);
  });
  beforeEach(async () => {
    await sql(`drop table if exists kv, commit_log`);
    await sql(`create table kv (k text primary key, v text not null)`);
    await sql(`create table commit_log (seq bigserial primary key, page text not null, rows int not null)`);
    space++;
    attempts = {};
  });
  afterAll(async () => {
    await orm.close(true);
    await db.drop();
  });

  it('writes two pages at once and commits them in order', async () => {
    const pages = new OrderedPages(orm, space);
    const secondWrote = deferred();
    // The first page's rows wait until the second page has written its own: only possible when
    // both transactions are open at once (written one after the other, this would never end).
    await pages.add(page('first', { a: '1', b: '1' }, { beforeRows: () => secondWrote.promise }));
    await pages.add(page('second', { c: '2' }, { afterRows: secondWrote.resolve }));
    await pages.drain();
    expect(await sql(`select page, rows from commit_log order by seq`)).toEqual([{ page: 'first', rows: 2 }, { page: 'second', rows: 1 }]);
    expect(await sql(`select k, v from kv order by k`)).toEqual([{ k: 'a', v: '1' }, { k: 'b', v: '1' }, { k: 'c', v: '2' }]);
  });

  // PostgreSQL aborts the transaction whose deadlock check runs first (its wait passed
  // deadlock_timeout first); each case makes the other page lose.
  it.each([
    ['first', 'second'],
    ['second', 'first'],
  ])('breaks a lock cycle between the two pages (the %s page loses) and keeps the serial outcome', async (loser) => {
    const pages = new OrderedPages(orm, space);
    const secondWrote = deferred();
    const patient = (who: string) => async (tx: EntityManager) => {
      if (who !== loser) await exec(tx, `set local deadlock_timeout = '5s'`);
    };
    // The second page takes key "x" first; the first page then needs it too: a cycle (first waits
    // for the second's row, the second waits for the first to commit) that only PostgreSQL can see.
    await pages.add(page('first', { x: 'from first', y: '1' }, { beforeRows: async (tx) => (await patient('first')(tx), await secondWrote.promise) }));
    await pages.add(page('second', { x: 'from second' }, { beforeRows: patient('second'), afterRows: secondWrote.resolve }));
    await pages.drain();
    expect(await sql(`select page, rows from commit_log order by seq`)).toEqual([{ page: 'first', rows: 2 }, { page: 'second', rows: 1 }]);
    expect(await sql(`select k, v from kv order by k`)).toEqual([{ k: 'x', v: 'from second' }, { k: 'y', v: '1' }]);
    expect(attempts).toEqual(loser === 'first' ? { first: 2, second: 2 } : { first: 1, second: 2 });
  });

  it('never commits a page whose predecessor failed', async () => {
    const pages = new OrderedPages(orm, space);
    await pages.add(page('first', { a: '1' }, { failOrdered: new Error('cursor could not be saved') }));
    const second = pages.add(page('second', { b: '2' })).then(() => pages.drain());
    await expect(second).rejects.toThrow('cursor could not be saved');
    await pages.settle();
    expect(await sql(`select count(*)::int as n from commit_log`)).toEqual([{ n: 0 }]);
    expect(await sql(`select count(*)::int as n from kv`)).toEqual([{ n: 0 }]);
  });

  it('starts a page that may not overlap only after the page before it committed', async () => {
    const pages = new OrderedPages(orm, space);
    let seenByAlone: unknown;
    await pages.add(page('first', { a: '1' }));
    await pages.add(
      page('alone', { b: '2' }, { overlaps: false, beforeRows: async (tx) => void (seenByAlone = (await exec(tx, `select page from commit_log`)).rows) }),
    );
    await pages.drain();
    expect(seenByAlone).toEqual([{ page: 'first' }]);
    expect(await sql(`select page from commit_log order by seq`)).toEqual([{ page: 'first' }, { page: 'alone' }]);
  });
});
