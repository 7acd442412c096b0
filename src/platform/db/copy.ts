import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value in PostgreSQL's COPY text format (tab-separated; `\N` is null). */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Streams rows into a table with `COPY … FROM STDIN` on the caller's transaction connection —
 * the fastest way into PostgreSQL, used to stage high-volume pages before one set-based upsert.
 */
export async function copyRows(em: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const trx = em.getTransactionContext<{ client: { acquireConnection(): Promise<Client> } }>();
  if (!trx) throw new Error('copyRows runs inside a transaction');
  const connection = await trx.client.acquireConnection();
  const lines = function* () {
    // Chunks of lines: fewer, larger writes than one per row.
    for (let i = 0; i < rows.length; i += 500) {
      let chunk = '';
      for (const row of rows.slice(i, i + 500)) chunk += `${row.map(copyText).join('\t')}\n`;
      yield chunk;
    }
  };
  await pipeline(Readable.from(lines()), connection.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
}
