import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { rawQuery } from './bulk';

// ── Stage tables ──────────────────────────────────────────────────────────────────────────
// High-volume pages are COPYed into a per-session temp table (emptied at commit) and upserted
// from there. Each pooled connection creates the declared stages once, outside any transaction
// (the pool's afterCreate hook): a stage created inside a page transaction would vanish with a
// rollback, and asking for it on every page costs a round trip the page waits for.

const STAGE_DDL = new Map<string, string>();
const READY = Symbol('skolebro.stages');
type StagedClient = Client & { [READY]?: ReadonlySet<string> };
/** Stages used so far by each open transaction: a second use in one transaction empties it first. */
const USED = new WeakMap<object, Set<string>>();

/** Declares a stage table (at module load); returns its name. */
export function declareStage(name: string, columns: readonly (readonly [string, string])[]): string {
  STAGE_DDL.set(name, `create temp table if not exists ${name} (${columns.map(([n, t]) => `${n} ${t}`).join(', ')}) on commit delete rows`);
  return name;
}

/** The pool's afterCreate hook: creates every declared stage on a new connection. */
export function createStages(connection: StagedClient, done: (err: Error | null, connection: StagedClient) => void): void {
  const names = [...STAGE_DDL.keys()];
  if (!names.length) return done(null, connection);
  connection.query(names.map((n) => STAGE_DDL.get(n)).join(';\n'), (err: Error | null) => {
    // Not fatal: a connection without them creates a stage on first use (useStage).
    if (!err) connection[READY] = new Set(names);
    done(null, connection);
  });
}

/** Makes a declared stage ready and empty on the caller's transaction. */
export async function useStage(em: EntityManager, name: string): Promise<void> {
  const ddl = STAGE_DDL.get(name);
  if (!ddl) throw new Error(`stage ${name} is not declared`);
  const trx = em.getTransactionContext<{ client: { acquireConnection(): Promise<StagedClient> } }>();
  if (!trx) throw new Error('useStage runs inside a transaction');
  const connection = await trx.client.acquireConnection();
  if (!connection[READY]?.has(name)) await rawQuery(em, ddl, []);
  const used = USED.get(trx) ?? new Set<string>();
  USED.set(trx, used);
  if (used.has(name)) await rawQuery(em, `truncate ${name}`, []);
  used.add(name);
}

/** A value in PostgreSQL's COPY text format (tab-separated; `\N` is null). */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;

/**
 * Streams rows into a table with `COPY … FROM STDIN` on the caller's transaction connection —
 * the fastest way into PostgreSQL, used to stage high-volume pages before one set-based upsert.
 */
export async function copyRows(em: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const trx = em.getTransactionContext<{ client: { acquireConnection(): Promise<Client> } }>();
  if (!trx) throw new Error('copyRows runs inside a transaction');
  const connection = await trx.client.acquireConnection();
  // Chunks of lines (fewer, larger writes than one per row), all built before the COPY starts:
  // the server then never waits inside the COPY for JavaScript busy with something else.
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    let chunk = '';
    for (let r = i; r < Math.min(i + 500, rows.length); r++) {
      const row = rows[r];
      for (let c = 0; c < row.length; c++) chunk += (c ? '\t' : '') + copyText(row[c]);
      chunk += '\n';
    }
    chunks.push(chunk);
  }
  await pipeline(Readable.from(chunks), connection.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
}
