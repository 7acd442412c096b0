/** Runs a query on the test's database and returns its rows. */
export type RowsQuery = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/**
 * Whether some session of the test's database waits for a lock (of `kind`, e.g. 'advisory')
 * within `ms`: a race test asserts it before releasing, so it cannot pass without the race.
 */
export async function someoneWaits(query: RowsQuery, kind?: string, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const [{ n }] = (await query(
      `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where not l.granted and a.datname = current_database() ${kind ? 'and l.locktype = ?' : ''}`,
      kind ? [kind] : [],
    )) as { n: number }[];
    if (n > 0) return true;
  }
  return false;
}
