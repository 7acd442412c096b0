import type { EntityManager } from '@mikro-orm/postgresql';

export interface BulkColumn {
  name: string;
  /** PostgreSQL type used to read the column from JSON, e.g. 'uuid', 'date', 'text'. */
  type: string;
}

export interface BulkUpsert {
  table: string;
  columns: BulkColumn[];
  /** Columns of the unique key to upsert on. */
  conflict: string[];
  /** Columns to overwrite on conflict; empty = do nothing. */
  update?: string[];
  /** Only rewrite a conflicting row when an `update` column differs (no dead tuples, true counts). */
  changedOnly?: boolean;
  /** Columns to return for every written row. */
  returning?: string[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
}

/** Counts of one upsert: rows it did not return were unchanged. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Upsert that reports what happened per row: `xmax = 0` marks a row this statement inserted. */
export async function bulkUpsertCounting(em: EntityManager, spec: BulkUpsert, rows: Record<string, unknown>[]): Promise<UpsertCounts> {
  const written = await bulkUpsert<{ inserted: boolean }>(em, { ...spec, changedOnly: true, returning: ['(xmax = 0) as inserted'] }, rows);
  const inserted = written.filter((r) => r.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.length - written.length };
}

/**
 * One statement for a whole batch: rows travel as a single JSON parameter and are
 * expanded server-side with jsonb_to_recordset, then upserted with ON CONFLICT.
 * Never row by row; identifiers are checked, values are always bound.
 */
export async function bulkUpsert<R = Record<string, unknown>>(
  em: EntityManager,
  spec: BulkUpsert,
  rows: Record<string, unknown>[],
): Promise<R[]> {
  if (rows.length === 0) return [];
  const cols = spec.columns.map((c) => ident(c.name)).join(', ');
  const recordType = spec.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
  const compared = (spec.update ?? []).filter((c) => c !== 'synced_at');
  const onlyIfChanged =
    spec.changedOnly && compared.length
      ? ` where (${compared.map((c) => `${ident(spec.table)}.${ident(c)}`).join(', ')}) is distinct from (${compared.map((c) => `excluded.${ident(c)}`).join(', ')})`
      : '';
  const onConflict = spec.update?.length
    ? `do update set ${spec.update.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}${onlyIfChanged}`
    : 'do nothing';
  const returning = spec.returning?.length ? ` returning ${spec.returning.map((c) => (c === '(xmax = 0) as inserted' ? c : ident(c))).join(', ')}` : '';
  const sql =
    `insert into ${ident(spec.table)} (${cols}) select ${cols} from jsonb_to_recordset(?::jsonb) as x(${recordType}) ` +
    `on conflict (${spec.conflict.map(ident).join(', ')}) ${onConflict}${returning}`;
  const result = await rawQuery<R>(em, sql, [JSON.stringify(rows)]);
  return returning ? result.rows : [];
}

/**
 * Runs SQL with bound parameters on the EntityManager's connection (and its transaction,
 * if any). Unlike `Connection.execute`, which inlines parameters into the SQL text, this
 * sends them as protocol parameters: a multi-megabyte JSON batch is not escaped and re-parsed.
 */
export async function rawQuery<R>(em: EntityManager, sql: string, params: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
  const query = em.getConnection().getKnex().raw(sql, params as never[]);
  const ctx = em.getTransactionContext();
  if (ctx) query.transacting(ctx);
  const res = (await query) as { rows: R[]; rowCount: number | null };
  return { rows: res.rows, rowCount: res.rowCount ?? 0 };
}
