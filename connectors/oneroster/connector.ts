import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBy, type Connector, type ReadMessage, type StreamSpec, type SyncMode } from '../connector';
import { ConnectorError } from '../errors';
import { Bundle, fromCsvRow, listBundles, type CsvFile, type FileMode } from './bundle';
import { OneRosterClient } from './client';
import { parseOneRosterConfig, parseOneRosterSettings, type OneRosterConfig, type OneRosterCsvConfig, type OneRosterRestConfig } from './config';
import { mapOneRosterRecord, STREAM_TARGETS } from './mapper';
import { References, STREAM_REFS, type RefCollection } from './references';
import { STREAMS, type Collection, type Envelope, type Stream } from './wire';

/**
 * Per-stream cursor.
 * REST: `since` is the dateLastModified the next incremental read filters from; `offset`,
 * `highWatermark` and `passStartedAt` belong to an unfinished pass (so a resumed job continues it),
 * `fullPass` marks an unfinished full read.
 * CSV bundle: `done` is the last zip fully processed; `file`/`row` the rows already committed of
 * the zip being processed; `fullFrom` marks an unfinished full pass (newest bulk onwards).
 */
export interface OneRosterState {
  since?: string;
  offset?: number;
  highWatermark?: string;
  passStartedAt?: string;
  fullPass?: boolean;
  done?: string;
  file?: string;
  row?: number;
  fullFrom?: string;
}

type Obj = Record<string, unknown>;
type Message = ReadMessage<OneRosterState>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const oneRosterConnector: Connector<OneRosterConfig, OneRosterState> = {
  kind: 'oneroster',
  parseConfig: parseOneRosterConfig,
  parseSettings: parseOneRosterSettings,
  map: mapOneRosterRecord,

  check: (config) =>
    checkBy(async () => {
      if (config.mode === 'rest') {
        await new OneRosterClient(config).page('orgs', { limit: 1, offset: 0 });
        return;
      }
      const s = await stat(config.dropDirectory).catch((err: NodeJS.ErrnoException) => {
        throw ConnectorError.config(`drop directory ${config.dropDirectory}: ${err.code ?? err.message}`);
      });
      if (!s.isDirectory()) throw ConnectorError.config(`drop directory ${config.dropDirectory}: not a directory`);
      await listBundles(config.dropDirectory, config.settleMs);
    }),

  async streams(config) {
    return STREAMS.map(
      (name): StreamSpec => ({
        name,
        primaryKey: ['sourcedId'],
        cursorField: config.mode === 'rest' ? 'dateLastModified' : undefined,
        syncModes: ['full_refresh', 'incremental'],
        target: STREAM_TARGETS[name],
      }),
    );
  },

  async *read(config, streams, ctx): AsyncGenerator<Message> {
    const client = config.mode === 'rest' ? new OneRosterClient(config) : undefined;
    for (const stream of streams) {
      if (!(STREAMS as readonly string[]).includes(stream.name)) throw ConnectorError.config(`oneroster has no stream ${stream.name}`);
      const name = stream.name as Stream;
      const saved = ctx.state.get(name);
      if (config.mode === 'rest') yield* readRest(client!, config, name, stream.syncMode, saved, ctx.signal);
      else yield* readCsv(config, name, stream.syncMode, saved, ctx.signal);
    }
  },
};

// ── REST ─────────────────────────────────────────────────────────────────────

const COLLECTION_OF: Record<Stream, Collection> = { orgs: 'orgs', students: 'students', enrollments: 'enrollments', results: 'results' };

/** Every object of the collections the stream's records refer to (small beside the stream itself). */
async function loadReferences(client: OneRosterClient, config: OneRosterRestConfig, stream: Stream, signal: AbortSignal): Promise<References> {
  const refs = new References();
  for (const collection of STREAM_REFS[stream]) {
    refs.clear(collection);
    for (let offset = 0; ; ) {
      signal.throwIfAborted();
      const page = await client.page<unknown>(collection as Collection, { limit: config.pageSize, offset, sort: 'sourcedId', orderBy: 'asc' }, signal);
      for (const o of page.items) if (isObj(o)) refs.put(collection, o);
      offset += page.items.length;
      if (!page.items.length || (page.total !== undefined ? offset >= page.total : page.items.length < config.pageSize)) break;
    }
  }
  return refs;
}

const time = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));

/**
 * The next incremental read's lower bound: the newest change seen, but never later than the
 * server's clock when the pass began — a record changed during the pass behind the offset may
 * not have been seen, while a later-changed record ahead of it was. Inclusive (>=), so a change
 * at the same instant is read twice rather than missed; upserts are idempotent.
 */
function nextSince(since: string | undefined, high: string | undefined, passStartedAt: string | undefined): string | undefined {
  if (high === undefined) return since;
  const bound = Math.min(time(high), Number.isNaN(time(passStartedAt)) ? Infinity : time(passStartedAt));
  return new Date(bound).toISOString();
}

async function* readRest(
  client: OneRosterClient,
  config: OneRosterRestConfig,
  stream: Stream,
  syncMode: SyncMode,
  saved: OneRosterState | undefined,
  signal: AbortSignal,
): AsyncGenerator<Message> {
  const full = syncMode === 'full_refresh';
  // A full read starts from nothing unless it resumes its own interrupted pass.
  const start: OneRosterState = full && !saved?.fullPass ? { fullPass: true } : { ...saved, fullPass: full || saved?.fullPass || undefined };
  const since = start.fullPass ? undefined : start.since;
  const filter = since ? `dateLastModified>='${since}'` : undefined;
  let { offset = 0, highWatermark, passStartedAt } = start;
  let refs: References | undefined = STREAM_REFS[stream].length ? undefined : new References();
  for (;;) {
    signal.throwIfAborted();
    // Sorted by sourcedId: a record changed mid-pass keeps its place, so offsets do not skip records.
    const page = await client.page<unknown>(COLLECTION_OF[stream], { limit: config.pageSize, offset, filter, sort: 'sourcedId', orderBy: 'asc' }, signal);
    if (passStartedAt === undefined && page.serverDate !== undefined) passStartedAt = new Date(page.serverDate).toISOString();
    // References only when there is something to resolve: an unchanged incremental run costs one request.
    if (!refs && page.items.length) refs = await loadReferences(client, config, stream, signal);
    for (const item of page.items) {
      if (!isObj(item)) {
        yield { type: 'record', stream, data: { record: item, error: 'record: not an object' } satisfies Envelope };
        continue;
      }
      const modified = typeof item.dateLastModified === 'string' ? time(item.dateLastModified) : NaN;
      if (!Number.isNaN(modified) && (highWatermark === undefined || modified > time(highWatermark))) highWatermark = new Date(modified).toISOString();
      const envelope = refs!.envelope(stream, item);
      if (envelope) yield { type: 'record', stream, data: envelope };
    }
    offset += page.items.length;
    const done = page.items.length === 0 || (page.total !== undefined ? offset >= page.total : page.items.length < config.pageSize);
    if (!done) {
      yield { type: 'state', stream, state: { since, offset, highWatermark, passStartedAt, fullPass: start.fullPass } };
      continue;
    }
    yield { type: 'state', stream, state: { since: nextSince(since, highWatermark, passStartedAt) } };
    return;
  }
}

// ── CSV bundle (file drop) ──────────────────────────────────────────────────

const FILE_OF: Record<Stream, CsvFile> = { orgs: 'orgs', students: 'users', enrollments: 'enrollments', results: 'results' };
/** Reference files per stream in the CSV binding (links and per-user facts are files of their own). */
const CSV_REFS: Record<Stream, (CsvFile & RefCollection)[]> = {
  orgs: [],
  students: ['roles', 'demographics'],
  enrollments: ['classes', 'orgs', 'academicSessions'],
  results: ['lineItems', 'lineItemScoreScales', 'resultScoreScales', 'classes', 'courses', 'categories', 'scoreScales', 'academicSessions'],
};

class Bundles {
  private readonly modes = new Map<string, Map<CsvFile, FileMode>>();
  constructor(private readonly config: OneRosterCsvConfig) {}

  open(name: string): Promise<Bundle> {
    return Bundle.open(join(this.config.dropDirectory, name), this.config.maxEntryBytes);
  }

  async modeOf(name: string, file: CsvFile): Promise<FileMode> {
    let modes = this.modes.get(name);
    if (!modes) {
      modes = new Map();
      const b = await this.open(name);
      try {
        for (const f of Object.keys(FILE_MODES_PROBE) as CsvFile[]) modes.set(f, b.modeOf(f));
      } finally {
        b.close();
      }
      this.modes.set(name, modes);
    }
    return modes.get(file)!;
  }

  /** Index in `names` of the newest bundle where `file` is bulk, or -1. */
  async newestBulk(names: string[], file: CsvFile): Promise<number> {
    for (let i = names.length - 1; i >= 0; i--) if ((await this.modeOf(names[i], file)) === 'bulk') return i;
    return -1;
  }
}
const FILE_MODES_PROBE: Record<CsvFile, true> = {
  orgs: true, users: true, roles: true, demographics: true, academicSessions: true, courses: true, classes: true, enrollments: true,
  categories: true, lineItems: true, lineItemScoreScales: true, results: true, resultScoreScales: true, scoreScales: true,
};

async function applyReferences(bundle: Bundle, files: (CsvFile & RefCollection)[], refs: References, signal: AbortSignal): Promise<void> {
  for (const file of files) {
    const mode = bundle.modeOf(file);
    if (mode === 'absent') continue;
    if (mode === 'bulk') refs.clear(file);
    for await (const row of bundle.rows(file)) {
      signal.throwIfAborted();
      if (row.values && !row.error) refs.put(file, fromCsvRow(file, row.values));
    }
  }
}

/** The ids of `file` after applying this bundle: bulk replaces the picture, delta changes it. */
async function applyIds(bundle: Bundle, file: CsvFile, ids: Set<string>): Promise<void> {
  const mode = bundle.modeOf(file);
  if (mode === 'absent') return;
  if (mode === 'bulk') ids.clear();
  for await (const row of bundle.rows(file)) {
    const id = row.values?.sourcedId?.trim();
    if (!id) continue;
    if (mode === 'delta' && row.values?.status?.trim() === 'tobedeleted') ids.delete(id);
    else ids.add(id);
  }
}

/**
 * Reads one stream from the bundles in the drop directory, each once, in name order. A bulk file
 * is the full picture: what the previous picture (replayed from the bundles still in the
 * directory) had and it lacks is deleted. A full refresh re-reads from the newest bulk onwards,
 * and the runner sweeps what that pass did not see.
 */
async function* readCsv(config: OneRosterCsvConfig, stream: Stream, syncMode: SyncMode, saved: OneRosterState | undefined, signal: AbortSignal): AsyncGenerator<Message> {
  const file = FILE_OF[stream];
  const bundles = new Bundles(config);
  const names = await listBundles(config.dropDirectory, config.settleMs);
  let start: OneRosterState;
  if (syncMode === 'full_refresh' && saved?.fullFrom === undefined) {
    if (!names.length) {
      yield { type: 'state', stream, state: { done: saved?.done } };
      return;
    }
    start = { fullFrom: names[Math.max(0, await bundles.newestBulk(names, file))] };
  } else {
    start = saved ?? {};
  }
  const { fullFrom } = start;
  const todo = names.filter((n) => (fullFrom === undefined || n >= fullFrom) && (start.done === undefined || n > start.done));
  let done = start.done;
  const state = (extra: OneRosterState = {}): Message => ({ type: 'state', stream, state: { ...(fullFrom !== undefined ? { fullFrom } : {}), done, ...extra } });
  if (!todo.length) {
    yield { type: 'state', stream, state: { done } };
    return;
  }

  // The references and the previous picture as of just before the first bundle to read.
  const before = names.filter((n) => n < todo[0]);
  const refs = new References();
  const refFiles = CSV_REFS[stream];
  if (refFiles.length && before.length) {
    let from = before.length;
    for (const f of refFiles) from = Math.min(from, Math.max(0, await bundles.newestBulk(before, f)));
    for (const name of before.slice(from)) {
      const b = await bundles.open(name);
      try {
        await applyReferences(b, refFiles, refs, signal);
      } finally {
        b.close();
      }
    }
  }
  let known: Set<string> | undefined;
  if (fullFrom === undefined && before.length) {
    let anyBulk = false;
    for (const n of todo) if ((await bundles.modeOf(n, file)) === 'bulk') anyBulk = true;
    if (anyBulk) {
      known = new Set();
      for (const name of before.slice(Math.max(0, await bundles.newestBulk(before, file)))) {
        const b = await bundles.open(name);
        try {
          await applyIds(b, file, known);
        } finally {
          b.close();
        }
      }
    }
  }

  for (const name of todo) {
    const bundle = await bundles.open(name);
    try {
      await applyReferences(bundle, refFiles, refs, signal);
      const mode = bundle.modeOf(file);
      if (mode !== 'absent') {
        const skip = start.file === name ? (start.row ?? 0) : 0;
        const seen = mode === 'bulk' ? new Set<string>() : undefined;
        let rowNo = 0;
        let pending = 0;
        for await (const row of bundle.rows(file)) {
          signal.throwIfAborted();
          rowNo++;
          const obj = row.values ? fromCsvRow(file, row.values) : undefined;
          const id = typeof obj?.sourcedId === 'string' ? obj.sourcedId : undefined;
          if (id && seen) seen.add(id);
          else if (id && known) obj!.status === 'tobedeleted' ? known.delete(id) : known.add(id);
          if (rowNo <= skip) continue;
          const envelope: Envelope | undefined = row.error ? { id, record: obj ?? null, error: row.error } : refs.envelope(stream, obj!);
          if (envelope) {
            yield { type: 'record', stream, data: envelope };
            pending++;
          }
          if (pending >= config.pageSize) {
            yield state({ file: name, row: rowNo });
            pending = 0;
          }
        }
        if (seen && known) {
          for (const id of known) {
            if (seen.has(id)) continue;
            yield { type: 'record', stream, data: { id, record: { sourcedId: id, status: 'tobedeleted' } } satisfies Envelope };
            if (++pending >= config.pageSize) {
              yield state({ file: name, row: rowNo });
              pending = 0;
            }
          }
        }
        if (seen && fullFrom === undefined) known = seen;
      }
    } finally {
      bundle.close();
    }
    done = name;
    yield state();
  }
  // Pass complete: the next incremental read starts after the last bundle read.
  if (fullFrom !== undefined) yield { type: 'state', stream, state: { done } };
}
