import { checkBy, type Connector, type ConfiguredStream, type ReadMessage, type StreamSpec } from '../connector';
import { EdFiClient } from './client';
import { parseEdFiConfig, parseEdFiSettings, type EdFiConfig } from './config';
import { mapEdFiRecord, RESOURCE_TARGETS } from './mapper';
import { minimise } from './minimise';
import { DELETE_ORDER, DELETES, RESOURCES, type DeletedItem, type Resource } from './wire';

/**
 * Per-stream cursor on the ODS's change versions. `changeVersion` is the newest version a
 * completed pass covered: the next incremental pass reads minChangeVersion = changeVersion + 1
 * up to the then newest. `pass` is an unfinished pass — its window and how far it got, so a
 * resumed incremental job continues it instead of starting over.
 */
export interface EdFiState {
  changeVersion?: number;
  pass?: EdFiPass;
}

export interface EdFiPass {
  /** First change version of the window; null = the whole resource (plain collection read). */
  min: number | null;
  /** Newest change version when the pass began: the cursor once it completes. */
  max: number;
  offset: number;
  /** Begun by a full read (informational: a full read never resumes a pass). */
  full: boolean;
  /** Deletes only: the resource whose /deletes the pass is reading (index in DELETE_ORDER). */
  resource?: number;
}

export const edFiConnector: Connector<EdFiConfig, EdFiState> = {
  kind: 'edfi',
  parseConfig: parseEdFiConfig,
  parseSettings: parseEdFiSettings,
  map: mapEdFiRecord,

  check: (config) =>
    checkBy(async () => {
      const client = new EdFiClient(config);
      await client.availableChangeVersions();
      await client.list('students', { offset: 0, limit: 1 });
    }),

  /**
   * Deletes come first: a pass applies the window's deletes before its upserts, so a record
   * deleted and created again under the same natural key (a student, or an attendance event
   * whose category was corrected) ends up present, as it is at the source.
   */
  async streams() {
    const resources: StreamSpec[] = RESOURCES.map((name) => ({
      name,
      primaryKey: name === 'students' ? ['studentUniqueId'] : ['id'],
      cursorField: 'changeVersion',
      syncModes: ['full_refresh', 'incremental'],
      target: RESOURCE_TARGETS[name],
    }));
    return [{ name: DELETES, primaryKey: ['resource', 'id'], cursorField: 'changeVersion', syncModes: ['incremental'] }, ...resources];
  },

  async *read(config, streams, ctx): AsyncGenerator<ReadMessage<EdFiState>> {
    const client = new EdFiClient(config);
    for (const stream of streams) {
      if (stream.name === DELETES) yield* readDeletes(client, config, ctx.state.get(DELETES), ctx.signal);
      else if ((RESOURCES as readonly string[]).includes(stream.name)) yield* readResource(client, config, stream, ctx.state.get(stream.name), ctx.signal);
      else throw new Error(`unknown Ed-Fi stream ${stream.name}`);
    }
  },
};

/**
 * A resource, page by page (offset/limit), with a state after each page. A full read lists
 * the whole collection; an incremental one the change-version window after the cursor. The
 * window's upper bound is fixed when the pass begins, so paging sees one consistent set.
 */
async function* readResource(
  client: EdFiClient,
  config: EdFiConfig,
  stream: ConfiguredStream,
  saved: EdFiState | undefined,
  signal: AbortSignal,
): AsyncGenerator<ReadMessage<EdFiState>> {
  const resource = stream.name as Resource;
  const full = stream.syncMode === 'full_refresh';
  // An incremental read resumes whatever pass was interrupted. A full read always starts afresh:
  // its sweep deletes what the job did not see, and a pass begun by an earlier job (whose seen
  // ids are not this job's) would make it delete the rows read before the interruption.
  let pass = saved?.pass && !full ? saved.pass : undefined;
  if (!pass) {
    const { oldestChangeVersion: oldest, newestChangeVersion: newest } = await client.availableChangeVersions(signal);
    const last = saved?.changeVersion;
    if (full || last === undefined || newest < last || oldest > last + 1) {
      // Everything: a full read, a first read, or a cursor the source no longer covers (restored
      // to an older state, or its change records purged past the cursor).
      pass = { min: null, max: newest, offset: 0, full };
    } else if (newest === last) {
      yield { type: 'state', stream: resource, state: { changeVersion: last } };
      return;
    } else {
      pass = { min: last + 1, max: newest, offset: 0, full: false };
    }
  }
  const limit = config.pageSize;
  // A whole-collection read pages in the ODS's stable order, not by change version: a record
  // changed meanwhile keeps its place (and is read again by the next incremental pass).
  const window = pass.min === null ? {} : { minChangeVersion: pass.min, maxChangeVersion: pass.max };
  const fetchPage = (offset: number) => prefetch(client.list<unknown>(resource, { offset, limit, ...window }, signal));
  let next = fetchPage(pass.offset);
  for (;;) {
    signal.throwIfAborted();
    const items = await next;
    // A full page: ask for the next one now, so the source and the network work while the
    // runner commits this one (the state below still points at the next page's offset).
    if (items.length === limit) next = fetchPage(pass.offset + limit);
    // Only the fields the mapper reads go on: a quarantined item cannot keep more than that.
    if (items.length) yield { type: 'records', stream: resource, data: items.map((item) => minimise(resource, item)) };
    if (items.length < limit) {
      yield { type: 'state', stream: resource, state: { changeVersion: pass.max } };
      return;
    }
    pass = { ...pass, offset: pass.offset + items.length };
    yield { type: 'state', stream: resource, state: { changeVersion: saved?.changeVersion, pass } };
  }
}

/** A request started ahead of need: its failure surfaces when it is awaited, not as an unhandled rejection. */
function prefetch<T>(request: Promise<T>): Promise<T> {
  request.catch(() => undefined);
  return request;
}

/**
 * Deletes of every resource in the window after the cursor, dependents first. The first read
 * of a source only sets the cursor: nothing of it is stored yet, so there is nothing to delete.
 */
async function* readDeletes(client: EdFiClient, config: EdFiConfig, saved: EdFiState | undefined, signal: AbortSignal): AsyncGenerator<ReadMessage<EdFiState>> {
  let pass = saved?.pass;
  if (!pass) {
    const { newestChangeVersion: newest } = await client.availableChangeVersions(signal);
    const last = saved?.changeVersion;
    // First read, or a source restored to an older state: start from its newest version. (Deletes
    // purged past the cursor cannot be recovered here; the periodic full resync removes those rows.)
    if (last === undefined || newest <= last) {
      yield { type: 'state', stream: DELETES, state: { changeVersion: newest } };
      return;
    }
    pass = { min: last + 1, max: newest, offset: 0, full: false, resource: 0 };
  }
  const limit = config.pageSize;
  for (let r = pass.resource ?? 0; r < DELETE_ORDER.length; r++) {
    const resource = DELETE_ORDER[r];
    let offset = r === (pass.resource ?? 0) ? pass.offset : 0;
    for (;;) {
      signal.throwIfAborted();
      const items: DeletedItem[] = await client.list<DeletedItem>(`${resource}/deletes`, { offset, limit, minChangeVersion: pass.min ?? undefined, maxChangeVersion: pass.max }, signal);
      if (items.length) yield { type: 'records', stream: DELETES, data: items.map((item) => minimise(DELETES, { ...item, resource })) };
      offset += items.length;
      const done = items.length < limit;
      const next: EdFiPass = done ? { ...pass, resource: r + 1, offset: 0 } : { ...pass, resource: r, offset };
      if (done && r === DELETE_ORDER.length - 1) break;
      yield { type: 'state', stream: DELETES, state: { changeVersion: saved?.changeVersion, pass: next } };
      if (done) break;
    }
  }
  yield { type: 'state', stream: DELETES, state: { changeVersion: pass.max } };
}
