import { checkBy, type Connector, type ReadMessage, type StreamSpec, type SyncMode } from '../connector';
import { ConnectorError } from '../errors';
import { hasSettled } from '../drop-root';
import { parseCsvConfig, parseCsvSettings, type CsvConfig } from './config';
import { fileKey, parseRow, rowKey, STREAM_TARGETS, STREAMS, type CsvStream } from './layout';
import { mapCsvRecord, type CsvRecord } from './mapper';
import { listDrop, newestFullExport, readFileRows, resolveDropDirectory, toRecord, type DropFile, type DropListing } from './reader';

/**
 * Per-stream cursor of a file drop. Files are applied once, in the order of their names;
 * `lastFile` is the last one read to its end. Within a file, `file`/`row` is the resume point
 * (rows already committed), with the file's size and mtime: a file rewritten since is read
 * again from its first row (upserts make that harmless). `fullPass` marks an unfinished full
 * read that started at the full export `fullFrom` ('' = no full export, every file), so a
 * resumed job continues it. `listedAt` is when the directory was listed: a file that appears
 * later yet will never be read (misnamed, or older than `lastFile`) is reported once.
 */
export interface CsvState {
  lastFile?: string;
  file?: string;
  row?: number;
  size?: number;
  mtimeMs?: number;
  fullPass?: boolean;
  fullFrom?: string;
  listedAt?: number;
  /**
   * A full export an incremental read applied (as upserts): the deletions it implies (rows it
   * lacks) wait for a full resync, which clears this. See `fullResyncWanted`.
   */
  sweepPending?: string;
}

/**
 * Streams whose saved state holds a full export not yet followed by a full resync: a scheduler
 * can start a full sync for them instead of waiting for the source's fullResyncSchedule.
 */
export function fullResyncWanted(states: ReadonlyMap<string, unknown>): string[] {
  return [...states].filter(([, s]) => typeof (s as CsvState | null)?.sweepPending === 'string').map(([name]) => name);
}

export const csvConnector: Connector<CsvConfig, CsvState> = {
  kind: 'csv',
  parseConfig: parseCsvConfig,
  parseSettings: parseCsvSettings,
  map: mapCsvRecord,

  check: (config) => checkBy(async () => listDrop(await resolveDropDirectory(config))),

  /**
   * One stream per kind of file. A stream names its canonical table (so a full resync sweeps
   * rows it did not see) only while a full export of it lies in the drop directory: without
   * one, a full read covers only the deltas still there, and must not delete the rest.
   */
  async streams(config) {
    const listing = await listDrop(await resolveDropDirectory(config));
    return STREAMS.map((name): StreamSpec => {
      const spec: StreamSpec = { name, primaryKey: ['file', 'line'], cursorField: 'file', syncModes: ['full_refresh', 'incremental'] };
      if (newestFullExport(listing.files[name])) spec.target = STREAM_TARGETS[name];
      return spec;
    });
  },

  async *read(config, streams, ctx): AsyncGenerator<ReadMessage<CsvState>> {
    const dir = await resolveDropDirectory(config);
    for (const stream of streams) {
      if (!(STREAMS as readonly string[]).includes(stream.name)) throw ConnectorError.config(`csv: unknown stream ${stream.name}`);
      yield* readStream(config, dir, stream.name as CsvStream, stream.syncMode, ctx.state.get(stream.name), ctx.signal);
    }
  },
};

/** Which files a read covers, and from where, given the saved cursor and the mode. */
export function plan(
  files: DropFile[],
  mode: SyncMode,
  saved: CsvState | undefined,
): { todo: DropFile[]; fullFrom?: string; after?: string; resume?: Pick<CsvState, 'file' | 'row' | 'size' | 'mtimeMs'> } {
  let fullFrom: string | undefined;
  let after = saved?.lastFile;
  let resume = saved?.file ? { file: saved.file, row: saved.row, size: saved.size, mtimeMs: saved.mtimeMs } : undefined;
  if (saved?.fullPass) fullFrom = saved.fullFrom ?? '';
  else if (mode === 'full_refresh') {
    // A fresh full read: from the newest full export (what came before is superseded) or, without
    // one, from the first file — every row read again (the sweep deletes what this pass does not see).
    fullFrom = newestFullExport(files)?.name ?? '';
    after = undefined;
    resume = undefined;
  }
  const fromKey = fileKey(fullFrom);
  const afterKey = fileKey(after);
  return { todo: files.filter((f) => f.key >= fromKey && f.key > afterKey), fullFrom, after, resume };
}

/** Files that will never be read but appeared since the last listing: reported once, in quarantine. */
function notices(listing: DropListing, stream: CsvStream, saved: CsvState | undefined, fullPass: boolean): CsvRecord[] {
  const since = saved?.listedAt ?? -Infinity;
  const out: CsvRecord[] = [];
  for (const f of listing.misnamed) {
    if (f.stream === stream && f.mtimeMs > since) {
      // A name outside the layout is the vendor's free text: mask anything CPR-shaped in it.
      out.push({ file: f.name.replace(/\d{6}-?\d{4}/g, '••••••-••••'), line: 0, values: {}, error: `file: name does not follow ${stream}_YYYYMMDD[_HHMM][_fuld].csv; not read` });
    }
  }
  const lastKey = fileKey(saved?.lastFile);
  if (!fullPass && saved?.listedAt !== undefined && lastKey) {
    for (const f of listing.files[stream]) {
      if (f.key > lastKey || f.mtimeMs <= since) continue;
      out.push({
        file: f.name,
        line: 0,
        values: {},
        error:
          f.name === saved.lastFile
            ? 'file: changed after it was applied; the change is not read — deliver it as a new file'
            : `file: arrived after the newer ${saved.lastFile} was applied; not read — deliver it as a new file with a later time`,
      });
    }
  }
  return out;
}

async function* readStream(
  config: CsvConfig,
  dir: string,
  stream: CsvStream,
  mode: SyncMode,
  saved: CsvState | undefined,
  signal: AbortSignal,
): AsyncGenerator<ReadMessage<CsvState>> {
  signal.throwIfAborted();
  const listedAt = Date.now();
  const listing = await listDrop(dir);
  const { todo, fullFrom, after: start, resume } = plan(listing.files[stream], mode, saved);
  const fullPass = fullFrom !== undefined;
  let after = start;
  let sweepPending = saved?.sweepPending;
  const base = (): CsvState => ({
    ...(after ? { lastFile: after } : {}),
    ...(fullPass ? { fullPass: true, fullFrom } : {}),
    ...(sweepPending ? { sweepPending } : {}),
    listedAt,
  });

  // Per page, in memory only: pupils already carried, and row keys already in the page.
  let inPage = 0;
  let pupilSeen = new Map<string, boolean>();
  let pageKeys = new Set<string>();
  const record = (data: CsvRecord): ReadMessage<CsvState> => {
    inPage++;
    return { type: 'record', stream, data };
  };
  const state = (s: CsvState): ReadMessage<CsvState> => {
    inPage = 0;
    pupilSeen = new Map();
    pageKeys = new Set();
    return { type: 'state', stream, state: s };
  };

  // A file modified within settleSeconds may still be being written: in an incremental read it and
  // every later file wait for the next run; a full read is postponed (retried) rather than made
  // from part of the files, because the sweep after it deletes whatever it did not see.
  const unsettled = todo.findIndex((f) => !hasSettled(f.mtimeMs, listedAt, config.settleSeconds * 1000));
  if (unsettled >= 0 && fullPass) {
    throw ConnectorError.transient(`${stream}: full read postponed, ${todo[unsettled].name} was modified less than ${config.settleSeconds} s ago`);
  }
  const ready = unsettled >= 0 ? todo.slice(0, unsettled) : todo;

  for (const notice of notices(listing, stream, saved, fullPass)) yield record(notice);
  if (inPage >= config.pageSize) yield state(base());

  for (const file of ready) {
    // Mid-file resume, unless the file changed since (then from its first row: upserts are idempotent).
    const resumed = resume?.file === file.name && resume.size === file.size && resume.mtimeMs === file.mtimeMs ? (resume.row ?? 0) : 0;
    let row = 0;
    const at = (rows: number): CsvState => ({ ...base(), file: file.name, row: rows, size: file.size, mtimeMs: file.mtimeMs });
    for await (const fileRow of readFileRows(file, { encoding: config.encoding, delimiter: config.delimiter, signal })) {
      row++;
      if (row <= resumed) continue;
      const parsed = 'error' in fileRow ? undefined : parseRow(stream, fileRow.values);
      const key = parsed?.ok ? rowKey(parsed.row) : undefined;
      // The same row twice in a file (e.g. withdrawn, then given again): rows apply in file order,
      // so the second starts a new page (the writer applies a page's deletions after its upserts).
      if (key && pageKeys.has(key)) yield state(at(row - 1));
      if (key) pageKeys.add(key);
      yield record(toRecord(stream, file.name, fileRow, pupilSeen, parsed));
      if (inPage >= config.pageSize) yield state(at(row));
    }
    after = file.name;
    if (file.full && !fullPass) sweepPending = file.name;
    yield state(base());
  }
  // The pass is complete: the next read continues after the last file applied. A full pass
  // (the runner sweeps after it) settles any pending full export.
  if (fullPass) sweepPending = undefined;
  yield state({ ...(after ? { lastFile: after } : {}), ...(sweepPending ? { sweepPending } : {}), listedAt });
}
