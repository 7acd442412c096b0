import { createWriteStream } from 'node:fs';
import { readdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { ConnectorError } from '../errors';
import { hasSettled } from '../drop-root';

/**
 * The OneRoster 1.2 CSV binding: a zip with manifest.csv and one CSV file per collection, the
 * spec's column headers, references as `…SourcedId` columns, lists as comma-separated values
 * inside one field, `userIds` as `{type:identifier},…` and `scoreScaleValue` as
 * `{itemValueLHS:itemValueRHS},…`. Rows are converted to (and from) the JSON binding's shape, so
 * one mapper serves both. In a bulk file `status` and `dateLastModified` may be blank (= active).
 */

type Kind = 'text' | 'status' | 'ref' | 'refs' | 'list' | 'number' | 'userIds' | 'scoreScaleValue';
type Column = readonly [csv: string, kind: Kind, json?: string];

const BASE: Column[] = [
  ['sourcedId', 'text'],
  ['status', 'status'],
  ['dateLastModified', 'text'],
];
const t = (name: string): Column => [name, 'text'];

export const CSV_FILES = {
  orgs: [...BASE, t('name'), t('type'), t('identifier'), ['parentSourcedId', 'ref', 'parent']],
  users: [
    ...BASE,
    t('enabledUser'),
    t('username'),
    ['userIds', 'userIds'],
    t('givenName'),
    t('familyName'),
    t('middleName'),
    t('identifier'),
    t('email'),
    t('sms'),
    t('phone'),
    ['agentSourcedIds', 'refs', 'agents'],
    ['grades', 'list'],
    t('password'),
    t('userMasterIdentifier'),
    t('preferredGivenName'),
    t('preferredMiddleName'),
    t('preferredFamilyName'),
    ['primaryOrgSourcedId', 'ref', 'primaryOrg'],
    t('pronouns'),
  ],
  roles: [...BASE, ['userSourcedId', 'ref', 'user'], t('roleType'), t('role'), t('beginDate'), t('endDate'), ['orgSourcedId', 'ref', 'org'], ['userProfileSourcedId', 'ref', 'userProfile']],
  demographics: [
    ...BASE,
    t('birthDate'),
    t('sex'),
    t('americanIndianOrAlaskaNative'),
    t('asian'),
    t('blackOrAfricanAmerican'),
    t('nativeHawaiianOrOtherPacificIslander'),
    t('white'),
    t('demographicRaceTwoOrMoreRaces'),
    t('hispanicOrLatinoEthnicity'),
    t('countryOfBirthCode'),
    t('stateOfBirthAbbreviation'),
    t('cityOfBirth'),
    t('publicSchoolResidenceStatus'),
  ],
  academicSessions: [...BASE, t('title'), t('type'), t('startDate'), t('endDate'), ['parentSourcedId', 'ref', 'parent'], t('schoolYear')],
  courses: [
    ...BASE,
    ['schoolYearSourcedId', 'ref', 'schoolYear'],
    t('title'),
    t('courseCode'),
    ['grades', 'list'],
    ['orgSourcedId', 'ref', 'org'],
    ['subjects', 'list'],
    ['subjectCodes', 'list'],
  ],
  classes: [
    ...BASE,
    t('title'),
    ['grades', 'list'],
    ['courseSourcedId', 'ref', 'course'],
    t('classCode'),
    t('classType'),
    t('location'),
    ['schoolSourcedId', 'ref', 'school'],
    ['termSourcedIds', 'refs', 'terms'],
    ['subjects', 'list'],
    ['subjectCodes', 'list'],
    ['periods', 'list'],
  ],
  enrollments: [
    ...BASE,
    ['classSourcedId', 'ref', 'class'],
    ['schoolSourcedId', 'ref', 'school'],
    ['userSourcedId', 'ref', 'user'],
    t('role'),
    t('primary'),
    t('beginDate'),
    t('endDate'),
  ],
  categories: [...BASE, t('title'), ['weight', 'number']],
  lineItems: [
    ...BASE,
    t('title'),
    t('description'),
    t('assignDate'),
    t('dueDate'),
    ['classSourcedId', 'ref', 'class'],
    ['categorySourcedId', 'ref', 'category'],
    ['academicSessionSourcedId', 'ref', 'gradingPeriod'],
    ['resultValueMin', 'number'],
    ['resultValueMax', 'number'],
    ['schoolSourcedId', 'ref', 'school'],
  ],
  lineItemScoreScales: [...BASE, ['lineItemSourcedId', 'ref', 'lineItem'], ['scoreScaleSourcedId', 'ref', 'scoreScale']],
  results: [
    ...BASE,
    ['lineItemSourcedId', 'ref', 'lineItem'],
    ['studentSourcedId', 'ref', 'student'],
    t('scoreStatus'),
    ['score', 'number'],
    t('scoreDate'),
    t('comment'),
    t('textScore'),
    ['classSourcedId', 'ref', 'class'],
  ],
  resultScoreScales: [...BASE, ['resultSourcedId', 'ref', 'result'], ['scoreScaleSourcedId', 'ref', 'scoreScale']],
  scoreScales: [
    ...BASE,
    t('title'),
    t('type'),
    ['orgSourcedId', 'ref', 'org'],
    ['courseSourcedId', 'ref', 'course'],
    ['classSourcedId', 'ref', 'class'],
    ['scoreScaleValue', 'scoreScaleValue'],
  ],
} satisfies Record<string, Column[]>;
export type CsvFile = keyof typeof CSV_FILES;
export type FileMode = 'bulk' | 'delta' | 'absent';

const blank = (v: string | undefined) => v === undefined || v.trim() === '';
const split = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** `{a:b},{c:d}` → [[a,b],[c,d]]; the first colon splits (CPR numbers and "-3" have none). */
const pairs = (v: string): [string, string][] | undefined => {
  const out: [string, string][] = [];
  const rest = v.replace(/\{([^{}]*)\}/g, (_m, inner: string) => {
    const i = inner.indexOf(':');
    out.push(i < 0 ? [inner.trim(), ''] : [inner.slice(0, i).trim(), inner.slice(i + 1).trim()]);
    return '';
  });
  return rest.replace(/[\s,]/g, '') === '' ? out : undefined;
};

/** One CSV row (header → value) as a JSON-binding object. Malformed list fields stay strings for the mapper to refuse. */
export function fromCsvRow(file: CsvFile, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [csv, kind, json = csv] of CSV_FILES[file] as readonly Column[]) {
    const v = values[csv];
    if (kind === 'status') {
      out[json] = blank(v) ? 'active' : v!.trim();
      continue;
    }
    if (blank(v)) continue;
    const s = v!.trim();
    switch (kind) {
      case 'text':
        out[json] = s;
        break;
      case 'ref':
        out[json] = { sourcedId: s };
        break;
      case 'refs':
        out[json] = split(s).map((sourcedId) => ({ sourcedId }));
        break;
      case 'list':
        out[json] = split(s);
        break;
      case 'number':
        out[json] = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
        break;
      case 'userIds': {
        const p = pairs(s);
        out[json] = p ? p.map(([type, identifier]) => ({ type, identifier })) : s;
        break;
      }
      case 'scoreScaleValue': {
        const p = pairs(s);
        out[json] = p ? p.map(([itemValueLHS, itemValueRHS]) => ({ itemValueLHS, itemValueRHS })) : s;
        break;
      }
    }
  }
  return out;
}

/** A JSON-binding object as a CSV row in the file's column order; `bulk` leaves status and dateLastModified blank. */
export function toCsvRow(file: CsvFile, obj: Record<string, unknown>, mode: 'bulk' | 'delta'): string[] {
  return (CSV_FILES[file] as readonly Column[]).map(([csv, kind, json = csv]) => {
    if (mode === 'bulk' && (csv === 'status' || csv === 'dateLastModified')) return '';
    const v = obj[json];
    if (v === undefined || v === null) return '';
    switch (kind) {
      case 'ref':
        return String((v as { sourcedId?: unknown }).sourcedId ?? '');
      case 'refs':
        return (v as { sourcedId: string }[]).map((r) => r.sourcedId).join(',');
      case 'list':
        return Array.isArray(v) ? v.join(',') : String(v);
      case 'userIds':
        return Array.isArray(v) ? (v as { type: string; identifier: string }[]).map((u) => `{${u.type}:${u.identifier}}`).join(',') : String(v);
      case 'scoreScaleValue':
        return Array.isArray(v) ? (v as { itemValueLHS: string; itemValueRHS: string }[]).map((s) => `{${s.itemValueLHS}:${s.itemValueRHS}}`).join(',') : String(v);
      default:
        return String(v);
    }
  });
}

export interface CsvRow {
  /** Line of the record in the file (1 = header). */
  line: number;
  values?: Record<string, string>;
  /** Why the row could not be read (`values` then holds the fields by position, as far as they go). */
  error?: string;
}

/** A CSV problem without the offending text: parser messages quote field values. */
function csvFailure(where: string, err: unknown): ConnectorError {
  const e = err as { code?: string; lines?: number; message?: string };
  if (e instanceof ConnectorError) return e;
  if (e?.code && typeof e.code === 'string' && e.code.startsWith('CSV_')) return ConnectorError.config(`${where}: ${e.code} at line ${e.lines ?? '?'}`);
  return ConnectorError.config(`${where}: ${e?.message ?? 'unreadable'}`);
}

/**
 * One OneRoster CSV bundle (zip). Entries are read on demand (random access with yauzl) and
 * streamed through csv-parse, so a large results.csv never sits in memory.
 */
export class Bundle {
  private constructor(
    readonly name: string,
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    readonly manifest: ReadonlyMap<string, string>,
    private readonly maxEntryBytes: number,
  ) {}

  static async open(path: string, maxEntryBytes = 1024 ** 3): Promise<Bundle> {
    const name = basename(path);
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: false, validateEntrySizes: true });
    } catch (err) {
      throw ConnectorError.config(`${name}: not a readable zip (${(err as Error).message})`);
    }
    try {
      const entries = new Map<string, yauzl.Entry>();
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue;
        const parts = entry.fileName.split('/');
        if (parts.length > 2 || parts.some((p) => p === '..')) continue; // root, or one folder the zip tool added
        const file = parts[parts.length - 1];
        if (entries.has(file)) throw ConnectorError.config(`${name}: ${file} appears twice`);
        entries.set(file, entry);
      }
      const bundle = new Bundle(name, zip, entries, new Map(), maxEntryBytes);
      const manifest = await bundle.readManifest();
      return new Bundle(name, zip, entries, manifest, maxEntryBytes);
    } catch (err) {
      zip.close();
      throw err instanceof ConnectorError ? err : ConnectorError.config(`${name}: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.zip.isOpen) this.zip.close();
  }

  /** bulk | delta | absent, as manifest.csv says (`file.users` …); unlisted = absent. */
  modeOf(file: CsvFile): FileMode {
    const mode = this.manifest.get(`file.${file}`)?.trim().toLowerCase() ?? 'absent';
    if (mode !== 'bulk' && mode !== 'delta' && mode !== 'absent') throw ConnectorError.config(`${this.name}: manifest file.${file} is "${mode}", not bulk, delta or absent`);
    if (mode !== 'absent' && !this.entries.has(`${file}.csv`)) throw ConnectorError.config(`${this.name}: manifest lists ${file}.csv as ${mode} but the zip has no ${file}.csv`);
    return mode;
  }

  private async readManifest(): Promise<Map<string, string>> {
    const entry = this.entries.get('manifest.csv');
    if (!entry) throw ConnectorError.config(`${this.name}: no manifest.csv`);
    const text = (await this.read(entry)).toString('utf8');
    let rows: string[][];
    try {
      rows = parseSync(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
    } catch (err) {
      throw csvFailure(`${this.name}/manifest.csv`, err);
    }
    const [header, ...body] = rows;
    if (!header || header[0]?.trim() !== 'propertyName' || header[1]?.trim() !== 'value') {
      throw ConnectorError.config(`${this.name}/manifest.csv: header must be propertyName,value`);
    }
    const manifest = new Map(body.map((r) => [String(r[0] ?? '').trim(), String(r[1] ?? '').trim()]));
    if (manifest.get('oneroster.version') !== '1.2') {
      throw ConnectorError.config(`${this.name}/manifest.csv: oneroster.version is "${manifest.get('oneroster.version') ?? ''}", expected 1.2`);
    }
    return manifest;
  }

  private async read(entry: yauzl.Entry): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.open(entry)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async open(entry: yauzl.Entry) {
    if (entry.uncompressedSize > this.maxEntryBytes) {
      throw ConnectorError.config(`${this.name}/${entry.fileName}: ${entry.uncompressedSize} bytes uncompressed, more than the ${this.maxEntryBytes} allowed`);
    }
    if (entry.isEncrypted()) throw ConnectorError.config(`${this.name}/${entry.fileName}: encrypted entries are not supported`);
    return this.zip.openReadStreamPromise(entry);
  }

  /** The file's records, one at a time; a row with the wrong number of fields comes back as an error. */
  async *rows(file: CsvFile): AsyncGenerator<CsvRow> {
    const entry = this.entries.get(`${file}.csv`);
    if (!entry) return;
    const where = `${this.name}/${file}.csv`;
    const input = await this.open(entry);
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
    input.on('error', (err) => parser.destroy(err));
    input.pipe(parser);
    let header: string[] | undefined;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!header) {
          header = record.map((h) => h.trim());
          if (new Set(header).size !== header.length) throw ConnectorError.config(`${where}: duplicate column headers`);
          if (!header.includes('sourcedId')) throw ConnectorError.config(`${where}: no sourcedId column`);
          continue;
        }
        if (record.length !== header.length) {
          // The fields there are (by position) still name the record, so it is quarantined, not lost.
          const partial = Object.fromEntries(header.slice(0, record.length).map((h, i) => [h, record[i]]));
          yield { line: info.lines, values: partial, error: `${file}.csv line ${info.lines}: ${record.length} fields, the header has ${header.length}` };
          continue;
        }
        yield { line: info.lines, values: Object.fromEntries(header.map((h, i) => [h, record[i]])) };
      }
    } catch (err) {
      throw csvFailure(where, err);
    } finally {
      input.destroy();
      parser.destroy();
    }
  }
}

/** Zips in the drop directory, in name order, that have stopped changing for `settleMs`. */
export async function listBundles(dir: string, settleMs: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw ConnectorError.config(`drop directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const now = Date.now();
  const ready: string[] = [];
  for (const name of names.filter((n) => /\.zip$/i.test(n) && !n.startsWith('.'))) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile() && hasSettled(s.mtimeMs, now, settleMs)) ready.push(name);
  }
  return ready.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface BundleContent {
  mode: 'bulk' | 'delta';
  /** JSON-binding objects per CSV file; files not given are `absent` in the manifest. */
  files: Partial<Record<CsvFile, Record<string, unknown>[]>>;
  systemName?: string;
  /** Extra zip entries written verbatim (tests: a broken CSV, a missing header …). */
  rawEntries?: Record<string, string>;
}

const csvField = (v: string) => (/[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);
const csvLine = (fields: string[]) => `${fields.map(csvField).join(',')}\r\n`;

/**
 * Writes a OneRoster 1.2 CSV bundle (zip with manifest.csv) with yazl. The zip is written under a
 * temporary name and renamed, as an uploader to a drop directory should.
 */
export async function writeBundle(path: string, content: BundleContent): Promise<void> {
  const zip = new yazl.ZipFile();
  const manifest: [string, string][] = [
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.2'],
    ...(Object.keys(CSV_FILES) as CsvFile[]).map((f): [string, string] => [`file.${f}`, content.files[f] ? content.mode : 'absent']),
    ['source.systemName', content.systemName ?? 'Skolebro OneRoster simulator'],
    ['source.systemCode', 'skolebro-sim'],
  ];
  zip.addBuffer(Buffer.from(csvLine(['propertyName', 'value']) + manifest.map(([k, v]) => csvLine([k, v])).join('')), 'manifest.csv');
  for (const [file, rows] of Object.entries(content.files) as [CsvFile, Record<string, unknown>[]][]) {
    const header = (CSV_FILES[file] as readonly Column[]).map(([csv]) => csv);
    const body = rows.map((r) => csvLine(toCsvRow(file, r, content.mode))).join('');
    zip.addBuffer(Buffer.from(csvLine(header) + body), `${file}.csv`);
  }
  for (const [name, text] of Object.entries(content.rawEntries ?? {})) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const tmp = `${path}.part`;
  await pipeline(zip.outputStream, createWriteStream(tmp));
  await rename(tmp, path);
}
