import { createReadStream, promises as fsp } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import * as iconv from 'iconv-lite';
import { ConnectorError } from '../errors';
import { DROP_ROOT_ENV, type CsvConfig, type CsvEncoding } from './config';
import { headerProblems, keyColumns, knownColumns, normaliseHeader, parseFileName, parseRow, streamOfName, type CsvStream, type DropFileName, type RowResult } from './layout';
import type { CsvRecord } from './mapper';

/** A file of the drop directory that follows the layout. */
export interface DropFile extends DropFileName {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface DropListing {
  /** Per stream, in the order files are applied. */
  files: Record<CsvStream, DropFile[]>;
  /** Files that start like a stream's file but do not follow the naming rule (never read). */
  misnamed: { name: string; stream: CsvStream; mtimeMs: number }[];
}

/** The drop directory's real path; inside SKOLEBRO_DROP_ROOT when that is set. */
export async function resolveDropDirectory(config: Pick<CsvConfig, 'dropDirectory'>, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let dir: string;
  try {
    dir = await fsp.realpath(config.dropDirectory);
    if (!(await fsp.stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await fsp.access(dir, fsp.constants.R_OK | fsp.constants.X_OK);
  } catch (err) {
    throw fsError(err, `drop directory ${config.dropDirectory}`);
  }
  const root = env[DROP_ROOT_ENV];
  if (root) {
    const realRoot = await fsp.realpath(root).catch(() => root);
    const rel = relative(realRoot, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) throw ConnectorError.config(`drop directory ${config.dropDirectory} is outside ${DROP_ROOT_ENV}`);
  }
  return dir;
}

function fsError(err: unknown, what: string): ConnectorError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return ConnectorError.config(`${what} does not exist or is not a directory`);
  if (code === 'EACCES' || code === 'EPERM') return ConnectorError.config(`${what} cannot be read (permission denied)`);
  // EIO, a network share that is away for a moment, …: try again later.
  return ConnectorError.transient(`${what}: ${code ?? (err as Error)?.message ?? 'unreadable'}`);
}

/** The layout's files in a drop directory, sorted per stream; other files are ignored. */
export async function listDrop(dir: string): Promise<DropListing> {
  const files: DropListing['files'] = { fravaer: [], karakterer: [], trivsel: [] };
  const misnamed: DropListing['misnamed'] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, `drop directory ${dir}`);
  }
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const stream = streamOfName(entry.name);
    if (!stream) continue;
    const path = join(dir, entry.name);
    let stat: import('node:fs').Stats;
    try {
      stat = await fsp.stat(path);
    } catch {
      continue; // removed meanwhile
    }
    const parsed = parseFileName(entry.name);
    if (parsed) files[parsed.stream].push({ ...parsed, path, size: stat.size, mtimeMs: stat.mtimeMs });
    else misnamed.push({ name: entry.name, stream, mtimeMs: stat.mtimeMs });
  }
  for (const list of Object.values(files)) list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files, misnamed };
}

/** The newest full export of a stream, if any. */
export const newestFullExport = (files: DropFile[]): DropFile | undefined => files.filter((f) => f.full).at(-1);

// ── Encoding ─────────────────────────────────────────────────────────────────────────────

type Decoding = 'utf-8' | 'windows-1252';

async function firstBytes(path: string, n: number): Promise<Buffer> {
  const handle = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** True when the whole file is valid UTF-8 (read as a stream, stops at the first bad byte). */
async function isUtf8File(path: string, signal?: AbortSignal): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { signal })) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    if ((err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return false;
    throw err;
  }
}

/**
 * How a file is decoded. A UTF-8 byte-order mark always means UTF-8; UTF-16 is refused (Excel's
 * "Unicode text"); `auto` reads the file once and takes UTF-8 if every byte sequence is valid
 * UTF-8, else Windows-1252 (where every byte is a character).
 */
export async function fileDecoding(file: string, configured: CsvEncoding, name = file, signal?: AbortSignal): Promise<Decoding> {
  const head = await firstBytes(file, 3);
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw ConnectorError.config(`${name}: UTF-16 is not supported; export as UTF-8 or Windows-1252`);
  }
  if (configured !== 'auto') return configured;
  return (await isUtf8File(file, signal)) ? 'utf-8' : 'windows-1252';
}

/** Bytes in the file's encoding → UTF-8 bytes for csv-parse. UTF-8 is checked, not trusted. */
function decoder(decoding: Decoding, name: string): Transform {
  if (decoding === 'windows-1252') {
    // A single-byte code page: every chunk decodes on its own.
    return new Transform({ transform: (chunk: Buffer, _enc, cb) => cb(null, Buffer.from(iconv.decode(chunk, 'win1252'), 'utf8')) });
  }
  const check = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const fail = () => ConnectorError.config(`${name}: not valid UTF-8 (near byte ${offset}); set encoding to windows-1252 or auto`);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        check.decode(chunk, { stream: true });
      } catch {
        return cb(fail());
      }
      offset += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      try {
        check.decode();
      } catch {
        return cb(fail());
      }
      cb();
    },
  });
}

// ── Rows ─────────────────────────────────────────────────────────────────────────────────

/** A data row of a file: its values by column name, or why the CSV syntax of its line failed. */
export type FileRow = { line: number; values: Record<string, string> } | { line: number; error: string };

/** Largest row accepted, in characters (an unclosed quote would otherwise swallow the file). */
const MAX_ROW_CHARS = 64 * 1024;

function syntaxProblem(err: CsvError, columns: number): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const got = (err as unknown as { record?: unknown[] }).record?.length;
      return `row: ${got ?? 'a different number of'} fields where the header has ${columns} (a value containing the delimiter must be in double quotes)`;
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'row: a closing double quote is followed by other characters';
    case 'CSV_MAX_RECORD_SIZE':
      return `row: longer than ${MAX_ROW_CHARS} characters (an unclosed double quote?)`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'row: a double quote is never closed';
    default:
      return `row: cannot be read as CSV (${err.code})`;
  }
}

/**
 * Streams a file's rows: fs stream → decoding → csv-parse, one row at a time with back-pressure
 * (memory stays bounded whatever the file's size). The header is checked first; only the
 * stream's own columns are kept. Rows with broken CSV syntax come out as errors, in order.
 */
export async function* readFileRows(
  file: Pick<DropFile, 'path' | 'name' | 'stream'>,
  opts: { encoding: CsvEncoding; delimiter: string; signal?: AbortSignal },
): AsyncGenerator<FileRow> {
  const decoding = await fileDecoding(file.path, opts.encoding, file.name, opts.signal);
  const known = new Set(knownColumns(file.stream));
  let columns: (string | undefined)[] | undefined;
  const parser = parse({
    delimiter: opts.delimiter,
    bom: true,
    columns: false, // the header is checked and mapped here, to refuse a bad one with a clear reason
    relax_column_count: false,
    relax_quotes: true, // a stray quote inside an unquoted value is just a character
    skip_empty_lines: true,
    skip_records_with_empty_values: true, // ";;;;" lines that spreadsheets append
    skip_records_with_error: true,
    max_record_size: MAX_ROW_CHARS,
    trim: true,
    info: true,
    // In order with the rows: pushed into the parser's output from inside its parse loop.
    on_skip: (err) => {
      if (err) parser.push({ skipped: err });
      return undefined;
    },
  });
  const source = createReadStream(file.path, { highWaterMark: 64 * 1024 });
  const done = new Promise<void>((resolve) => pipeline(source, decoder(decoding, file.name), parser, () => resolve()));
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } } | { skipped: CsvError }>) {
      opts.signal?.throwIfAborted();
      if ('skipped' in item) {
        const line = (item.skipped as unknown as { lines?: number }).lines ?? 0;
        if (!columns) throw ConnectorError.config(`${file.name}: the header line cannot be read as CSV`);
        // An unclosed quote swallows the rows after it: the file is unusable, not just that row.
        if (item.skipped.code === 'CSV_MAX_RECORD_SIZE' || item.skipped.code === 'CSV_QUOTE_NOT_CLOSED') throw ConnectorError.config(`${file.name}: ${syntaxProblem(item.skipped, columns.length)} near line ${line}`);
        yield { line, error: syntaxProblem(item.skipped, columns.length) };
        continue;
      }
      const { record, info } = item;
      if (!columns) {
        const names = record.map(normaliseHeader);
        const problems = headerProblems(file.stream, names);
        if (problems.length) throw ConnectorError.config(`${file.name}: header ${problems.join('; ')} (is the delimiter "${opts.delimiter}"?)`);
        columns = names.map((n) => (known.has(n) ? n : undefined));
        continue;
      }
      const values: Record<string, string> = {};
      columns.forEach((name, i) => {
        if (name && record[i] !== '') values[name] = record[i];
      });
      yield { line: info.lines, values };
    }
    // A header with no rows is a valid (empty) export; a file without even a header is a broken one
    // — and read as a full export it would have the sweep delete everything.
    if (!columns) throw ConnectorError.config(`${file.name}: empty file (no header line)`);
  } catch (err) {
    if (err instanceof ConnectorError || (err as Error)?.name === 'AbortError') throw err;
    const e = err as { code?: unknown; lines?: number };
    if (e.code === 'ENOENT') throw ConnectorError.transient(`${file.name} disappeared while being read`);
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      throw ConnectorError.config(`${file.name}: cannot be read as CSV near line ${e.lines ?? '?'} (${e.code})`);
    }
    throw fsError(err, file.name);
  } finally {
    parser.destroy();
    source.destroy();
    await done;
  }
}

// ── Records for the runner ───────────────────────────────────────────────────────────────

/**
 * Turns a file's rows into runner records. A valid row keeps its layout columns; a malformed
 * one keeps only the columns that identify it (pupil and key) and the reason. `pupilSeen`
 * (reset by the caller at each page) marks the first valid row of each pupil in a page to carry
 * the pupil record — again when a later row adds the CPR number the first one lacked.
 */
export function toRecord(stream: CsvStream, fileName: string, row: FileRow, pupilSeen: Map<string, boolean>, parsed: RowResult | undefined = undefined): CsvRecord {
  if ('error' in row) return { file: fileName, line: row.line, values: {}, error: row.error };
  parsed ??= parseRow(stream, row.values);
  if (!parsed.ok) {
    const keep = new Set(keyColumns(stream));
    const values = Object.fromEntries(Object.entries(row.values).filter(([k]) => keep.has(k)));
    return { file: fileName, line: row.line, values, error: parsed.reason };
  }
  const record: CsvRecord = { file: fileName, line: row.line, values: row.values };
  if (!parsed.row.deleted) {
    const { uniLogin, cpr } = parsed.row.pupil;
    // In memory only, for this page: the clear number never leaves the process.
    const key = uniLogin ? `u:${uniLogin}` : `c:${cpr}`;
    const hadCpr = pupilSeen.get(key);
    if (hadCpr === undefined || (!hadCpr && cpr)) {
      record.pupil = true;
      pupilSeen.set(key, Boolean(cpr));
    }
  }
  return record;
}
