import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { UnrecoverableError } from 'bullmq';
import type { EntityManager as SyncEm } from '@mikro-orm/postgresql';
import type { Connector, StreamSpec } from '../../connectors/connector';
import { ConnectorError } from '../../connectors/errors';
import { connectorFor } from '../../connectors/registry';
import { resolveSecret } from '../../connectors/secrets';
import { cprHmac, redactCpr } from '../../src/identity/cpr';
import { rawQuery } from '../../src/platform/db/bulk';
import type { Orm } from '../../src/platform/db/orm';
import type { CanonicalRecord, CanonicalTarget, MapContext } from '../../src/sources/canonical';
import { pagesMayOverlap, queueSummaries, SCHOOL_TARGETS, SchoolWriter, type SchoolTarget } from '../../src/sources/school-writer';
import { CanonicalWriter, type SourceRef, type WriteResult } from '../../src/sources/canonical-writer';
import { SourceSystem, SourceSystemKind } from '../../src/sources/source-system.entity';
import { SyncMode, SyncRun, SyncRunStatus } from '../../src/sources/sync-run.entity';
import { SyncState } from '../../src/sources/sync-state.entity';
import { recomputePendingSummaries } from '../../src/schooling/attendance-summary.service';
import { settleFullSyncRequest } from './full-sync-request';
import { lockSpaceOf, OrderedPages, type PageSteps } from './ordered-pages';
import { commitPageState, hasOpenQuarantine, markSeen, quarantine, resolveFixed, unlinkedPupils, type Quarantined } from './sync-run.store';

export interface SyncJobData {
  sourceSystemId: string;
  mode: SyncMode;
}

/** The abort reason a stopping worker gives its syncs: they end at a page boundary, unfailed. */
export class ShutdownInterruption extends Error {
  constructor() {
    super('worker shutting down');
  }
}

export interface SyncContext {
  orm: Orm;
  cprKey: string;
  /** Stable across retries and stalled-job recovery: a resumed job continues its own runs. */
  jobId: string;
  signal: AbortSignal;
  /** True on the job's last attempt: a failure then marks the runs failed. */
  finalAttempt: boolean;
}

export interface StreamResult {
  stream: string;
  status: SyncRunStatus;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  skippedUnlinked: number;
}

/** Records held before a state message; a connector must commit at least this often. */
const MAX_BUFFERED_RECORDS = 10_000;
/** Records mapped between two returns to the event loop (a few milliseconds of work). */
const MAP_SLICE = 500;

/**
 * Drives one sync of one source: every stream in order, each page committed in one
 * transaction together with the cursor after it (at-least-once reading + idempotent upserts
 * = exactly-once effect). A crashed job resumes from the last committed cursor.
 */
export async function runSync(data: SyncJobData, ctx: SyncContext): Promise<StreamResult[] | { skipped: string }> {
  const em = ctx.orm.em.fork();
  const source = await em.findOne(SourceSystem, { id: data.sourceSystemId }, { populate: ['municipality'] });
  if (!source) throw new UnrecoverableError(`unknown source system ${data.sourceSystemId}`);
  if (!source.enabled) return { skipped: 'source is paused' };

  let connector: Connector<unknown, unknown>;
  let config: unknown;
  try {
    connector = connectorFor(source.kind);
    config = connector.parseConfig({ ...source.config, baseUrl: source.baseUrl, auth: resolveSecret(source.credentialRef) });
  } catch (err) {
    throw new UnrecoverableError(redactCpr((err as Error).message));
  }
  const ref: SourceRef = { id: source.id, municipalityId: source.municipality.id };
  const mapCtx: MapContext = { municipalityCode: source.municipality.code, hashCpr: (cpr) => cprHmac(cpr, ctx.cprKey) };

  const mode = await passMode(em, data, ctx.jobId, source);
  const results: StreamResult[] = [];
  try {
    for (const spec of await connector.streams(config)) {
      results.push(await runStream(ctx, connector, config, ref, mapCtx, spec, mode));
    }
  } catch (err) {
    // Config and system errors cannot heal by retrying (and a retry would reopen the failed
    // runs); transient ones are retried by BullMQ with backoff.
    if (err instanceof ConnectorError && !retryable(err)) throw new UnrecoverableError(redactCpr(err.message));
    throw err;
  }
  await em.getConnection().execute('delete from sync_seen where job_id = ?', [ctx.jobId]);
  if (mode === SyncMode.Full) await settleFullSyncRequest(em, ref.id, ctx.jobId);
  // Derived data: summaries of the children whose attendance this sync changed (queued by the writer).
  await recomputePendingSummaries(ctx.orm.em.fork());
  return results;
}

/**
 * A resumed job keeps its mode. Otherwise an incremental sync runs as a full pass when a full
 * resync was requested and is still unsatisfied (see full-sync-request.ts), or — for school
 * sources — when pupils were linked since the source's last full pass (by the matching job, a
 * reviewer, or a link made in an incremental run): their older records lie behind the cursor
 * and only a full pass brings them. Case records carry their child whole in every read.
 */
async function passMode(em: SyncEm, data: SyncJobData, jobId: string, source: SourceSystem): Promise<SyncMode> {
  if (data.mode === SyncMode.Full) return SyncMode.Full;
  const { rows } = await rawQuery<{ mode: SyncMode | null; linked: boolean }>(
    em,
    // The last full pass is a job whose every stream run succeeded. A link the pass made itself
    // (linked_by_sync) is covered if it came before the pass ended; any other link only if it
    // came before the pass began (one made meanwhile may have missed its pages).
    `with passes as (
       select min(started_at) as began, max(finished_at) as finished from sync_run
       where source_system_id = ?::uuid and mode = 'full' and job_id is not null
       group by job_id having bool_and(status = 'succeeded')
     ), last_pass as (select began, finished from passes order by began desc limit 1)
     select (select mode from sync_run where job_id = ? limit 1) as mode,
            ?::boolean and exists (select 1 from identity_link il, last_pass p
                    where il.source_system_id = ?::uuid and il.status = 'linked'
                      and il.status_changed_at > case when 'linked_by_sync' = any(il.reasons) then p.finished else p.began end) as linked`,
    [data.sourceSystemId, jobId, source.kind !== SourceSystemKind.CaseSystem, data.sourceSystemId],
  );
  const { mode, linked } = rows[0];
  const requested = source.fullSyncRequestedAt != null;
  return mode ?? (requested || linked ? SyncMode.Full : SyncMode.Incremental);
}

async function runStream(
  ctx: SyncContext,
  connector: Connector<unknown, unknown>,
  config: unknown,
  source: SourceRef,
  mapCtx: MapContext,
  spec: StreamSpec,
  mode: SyncMode,
): Promise<StreamResult> {
  const em = ctx.orm.em.fork();
  const full = mode === SyncMode.Full && spec.syncModes.includes('full_refresh');
  const saved = await em.findOne(SyncState, { sourceSystem: source.id, stream: spec.name });
  let run = await em.findOne(SyncRun, { jobId: ctx.jobId, stream: spec.name });
  if (run?.status === SyncRunStatus.Succeeded) return toResult(run); // done before this attempt
  if (!run) {
    const sweepsUnseen = full && spec.target ? await holdsRowsOf(em, source, spec.target) : true;
    run = em.create(SyncRun, { sourceSystem: source.id, stream: spec.name, mode, jobId: ctx.jobId, cursorBefore: saved?.state ?? null, sweepsUnseen });
  }
  const sweeps = full && run.sweepsUnseen;
  run.status = SyncRunStatus.Running;
  run.error = undefined;
  await em.flush();

  // Only a stream with open quarantine entries can see one fixed at the source.
  let openQuarantine = await hasOpenQuarantine(em, source.id, spec.name);
  let buffer: unknown[] = [];
  // Mapping is pure: a page is mapped before its transaction opens, while the page before it
  // is still being written. It runs in slices that give the event loop back, so the write's
  // next statement goes out as soon as the database answers, not after the whole next page.
  const mapPage = async (page: unknown[]) => {
    const bad: Quarantined[] = [];
    const good: CanonicalRecord[] = [];
    const seen: string[] = [];
    const valid: string[] = [];
    for (let i = 0; i < page.length; i++) {
      if (i > 0 && i % MAP_SLICE === 0) await yieldToEventLoop();
      const data = page[i];
      const mapped = connector.map(spec.name, data, mapCtx);
      if (mapped.ok) {
        good.push(...mapped.records);
        for (const r of mapped.records) if (r.target !== 'deletion') (seen.push(r.externalId), valid.push(r.externalId));
      } else {
        bad.push({ externalId: mapped.externalId, reason: mapped.reason, payload: data, pupil: mapped.pupil });
        if (mapped.externalId) seen.push(mapped.externalId); // quarantined is not deleted
      }
    }
    return { page, bad, good, seen, valid };
  };
  // A page holding only bulk school rows (no deletes, no links, no children) cannot depend on
  // the page before it: two such pages are written at once and still commit in order.
  const pages = new OrderedPages(ctx.orm, lockSpaceOf(run.id));
  const steps = ({ page, bad, good, seen, valid }: Awaited<ReturnType<typeof mapPage>>, state: unknown): PageSteps<WriteResult> => ({
    overlaps: good.every((r) => pagesMayOverlap(r.target)),
    rows: (tx) => new CanonicalWriter(tx, source).writeRows(good),
    ordered: async (tx, written) => {
      await queueSummaries(tx, written.summaryChildren);
      // Broken records about pupils that are not (and were not just) linked are dropped, not kept.
      const unlinked = await unlinkedPupils(tx, source, bad.flatMap((b) => (b.pupil ? [b.pupil] : [])));
      const kept = bad.filter((b) => !b.pupil || !unlinked.has(b.pupil.externalId));
      const quarantined = [...kept];
      if (written.rejected.length) {
        const payloadById = new Map(page.map((d) => [(d as { id?: string })?.id, d]));
        for (const r of written.rejected) quarantined.push({ externalId: r.externalId, reason: r.reason, payload: payloadById.get(r.externalId) });
      }
      const rejectedIds = new Set(written.rejected.map((r) => r.externalId));
      await quarantine(tx, source.id, run.id, spec.name, quarantined);
      if (quarantined.length) openQuarantine = true;
      if (openQuarantine) await resolveFixed(tx, source.id, spec.name, valid.filter((id) => !rejectedIds.has(id)));
      if (sweeps && spec.target) await markSeen(tx, source.id, ctx.jobId, spec.target, seen);
      const skippedUnlinked = written.skippedUnlinked + bad.length - kept.length;
      await commitPageState(tx, { sourceId: source.id, stream: spec.name, runId: run.id, read: page.length, state }, { ...written, skippedUnlinked, quarantined: quarantined.length });
    },
  });

  try {
    const stream = connector.read(config, [{ name: spec.name, syncMode: full ? 'full_refresh' : 'incremental' }], {
      signal: ctx.signal,
      state: new Map(saved ? [[spec.name, saved.state]] : []),
    });
    let lastState: unknown = saved?.state;
    // Pages are written while the next is read and mapped: fetching and writing overlap,
    // commits stay strictly in order, and at most three pages are in memory.
    const enqueue = async (state: unknown) => {
      const page = buffer;
      buffer = [];
      await pages.add(steps(await mapPage(page), state));
    };
    for await (const message of stream) {
      if (message.type === 'record' || message.type === 'records') {
        if (message.type === 'record') buffer.push(message.data);
        else for (const data of message.data) buffer.push(data);
        if (buffer.length > MAX_BUFFERED_RECORDS) throw ConnectorError.system(`${spec.name}: no state after ${MAX_BUFFERED_RECORDS} records`);
      } else {
        lastState = message.state;
        await enqueue(message.state);
      }
    }
    if (buffer.length) await enqueue(lastState);
    await pages.drain();
    if (sweeps) await sweep(ctx, source, spec, run.id);
    await em.refresh(run);
    run.status = SyncRunStatus.Succeeded;
    run.finishedAt = new Date();
    await em.flush();
    return toResult(run);
  } catch (err) {
    await pages.settle(); // a page still being written lands (or fails) first
    await em.refresh(run);
    run.error = redactCpr((err as Error).message).slice(0, 2000);
    // A shutdown is not a failure: the run stays resumable whatever attempt this was.
    const shutdown = ctx.signal.aborted && ctx.signal.reason instanceof ShutdownInterruption;
    if (!shutdown && (ctx.finalAttempt || !retryable(err))) {
      run.status = SyncRunStatus.Failed;
      run.finishedAt = new Date();
    }
    await em.flush();
    throw err;
  }
}

/**
 * Whether the source has rows of a target that a full pass could have to delete. Only school
 * tables (one stream per target) are asked; every other target always sweeps.
 */
async function holdsRowsOf(em: SyncEm, source: SourceRef, target: CanonicalTarget): Promise<boolean> {
  if (!(SCHOOL_TARGETS as readonly string[]).includes(target)) return true;
  const table = SchoolWriter.table(target as SchoolTarget);
  const { rows } = await rawQuery<{ held: boolean }>(em, `select exists (select 1 from ${table} where source_system_id = ?::uuid) as held`, [source.id]);
  return rows[0].held;
}

/** After a complete full pass: rows of this source the pass did not see are gone at the source. */
async function sweep(ctx: SyncContext, source: SourceRef, spec: StreamSpec, runId: string): Promise<void> {
  if (!spec.target) return;
  const target = spec.target;
  await ctx.orm.em.fork().transactional(async (tx) => {
    const deleted = await new CanonicalWriter(tx, source).sweep(target, ctx.jobId);
    await rawQuery(tx, 'update sync_run set deleted_count = deleted_count + ? where id = ?', [deleted, runId]);
  });
}

/** Whether BullMQ may retry the job: transient connector failures and non-connector errors (database, abort). */
function retryable(err: unknown): boolean {
  return err instanceof ConnectorError ? err.failure === 'transient_error' : !(err instanceof UnrecoverableError);
}

function toResult(run: SyncRun): StreamResult {
  return {
    stream: run.stream,
    status: run.status,
    read: run.readCount,
    inserted: run.insertedCount,
    updated: run.updatedCount,
    unchanged: run.unchangedCount,
    deleted: run.deletedCount,
    quarantined: run.quarantinedCount,
    skippedUnlinked: run.skippedUnlinkedCount,
  };
}
