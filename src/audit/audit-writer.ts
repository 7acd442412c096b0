import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import type { AuditRow } from './audit-trail';

interface Waiting {
  rows: AuditRow[];
  done: { resolve(): void; reject(err: unknown): void };
}

/**
 * Group commit for the access log. Each request hands over its rows and waits until they are
 * committed (no response leaves unlogged); requests arriving while an insert is in flight are
 * written together by the next one, so concurrent requests share one insert and one WAL flush
 * instead of paying a durable commit each.
 */
export class AuditWriter {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(private readonly rootEm: EntityManager) {}

  write(rows: AuditRow[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, done: { resolve, reject } });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        await insertAuditRows(this.rootEm.fork(), batch.flatMap((w) => w.rows));
        for (const w of batch) w.done.resolve();
      } catch (err) {
        for (const w of batch) w.done.reject(err);
      }
    }
    this.flushing = false;
  }
}

/** One insert for any number of rows. */
export async function insertAuditRows(em: EntityManager, rows: AuditRow[]): Promise<void> {
  if (!rows.length) return;
  await rawQuery(
    em,
    `insert into audit_event (municipality_id, actor, action, child_id, search_criterion, categories, purpose, decision, request_id, target)
     select e.municipality_id, e.actor, e.action, e.child_id, e.search_criterion, array(select jsonb_array_elements_text(e.categories)),
            e.purpose, e.decision, e.request_id, e.target
     from jsonb_to_recordset(?::jsonb) as e(municipality_id uuid, actor text, action text, child_id uuid, search_criterion jsonb,
                                            categories jsonb, purpose text, decision text, request_id text, target text)`,
    [JSON.stringify(rows)],
  );
}
