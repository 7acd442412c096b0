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
  /** Columns to return for every written row. */
  returning?: string[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
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
  const onConflict = spec.update?.length
    ? `do update set ${spec.update.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}`
    : 'do nothing';
  const returning = spec.returning?.length ? ` returning ${spec.returning.map(ident).join(', ')}` : '';
  const sql =
    `insert into ${ident(spec.table)} (${cols}) select ${cols} from jsonb_to_recordset(?::jsonb) as x(${recordType}) ` +
    `on conflict (${spec.conflict.map(ident).join(', ')}) ${onConflict}${returning}`;
  const method = returning ? 'all' : 'run';
  const result = await em.getConnection().execute(sql, [JSON.stringify(rows)], method, em.getTransactionContext());
  return (returning ? result : []) as R[];
}
