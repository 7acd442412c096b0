import type { CanonicalRecord, MapContext, MapResult, PupilRef as CanonicalPupilRef } from '../../src/sources/canonical';
import {
  exportedAt,
  isCsvStream,
  parseCpr,
  parseDate,
  parseFileName,
  parseGradeKind,
  parseIndicator,
  parseRow,
  parseSurveyYear,
  parseUniLogin,
  schoolYearOf,
  STREAM_TARGETS,
  type CsvStream,
  type ParsedRow,
  type PupilRef,
  type RowValues,
} from './layout';

/**
 * One row as the reader hands it to the runner (and, when it cannot be mapped, as it is
 * quarantined after redaction: the `cpr` key is masked by redactPayload). Only the layout's
 * columns are carried; a row the reader found malformed carries only its identifying columns
 * and the reason, so a quarantine entry never holds a category, grade or score. No free text is
 * carried at all: the `bemaerkning` remark of an absence file is not a layout column.
 */
export interface CsvRecord {
  file: string;
  /** Line of the file the row ends on (1 = header); 0 for a notice about a whole file. */
  line: number;
  values: Record<string, string>;
  /** Set on the first row of a pupil in a page: the row also carries the pupil record. */
  pupil?: true;
  /** Set by the reader for a row (or file) it could not use: why. */
  error?: string;
}

/** The pupil's id in this source: `uni:<UNI-Login>` when given, else `cpr:<keyed hash>` — never the clear number. */
export function pupilExternalId(pupil: PupilRef, hashCpr: (cpr: string) => string): string {
  if (pupil.uniLogin) return `uni:${pupil.uniLogin}`;
  if (pupil.cpr) return `cpr:${hashCpr(pupil.cpr)}`;
  throw new Error('a pupil needs a UNI-Login id or a CPR number');
}

/** A row's id: the pupil and the row's key columns, so a re-import (or a correction) updates it. */
function rowExternalId(pupilId: string, row: ParsedRow): string {
  switch (row.stream) {
    case 'fravaer':
      return `${pupilId}:${row.date}`;
    case 'karakterer':
      return `${pupilId}:${row.subject.toLowerCase()}:${row.kind}:${row.date}`;
    case 'trivsel':
      return `${pupilId}:${row.indicator}:${row.year}`;
  }
}

/**
 * The id a malformed row is quarantined under: its row id when the identifying columns are
 * valid (so a corrected row resolves the entry, and a full resync keeps the stored row), else
 * `<file>:<line>` (so re-reading the same file refreshes rather than duplicates the entry).
 */
export function quarantineId(stream: CsvStream, record: Pick<CsvRecord, 'file' | 'line' | 'values'>, hashCpr: (cpr: string) => string): string {
  if (record.line === 0) return record.file;
  const v: RowValues = record.values ?? {};
  const fallback = `${record.file}:${record.line}`;
  const uni = v.uni_login?.trim() ? parseUniLogin(v.uni_login) : undefined;
  const cpr = !uni && v.cpr?.trim() ? parseCpr(v.cpr) : undefined;
  const pupilId = uni && 'value' in uni ? `uni:${uni.value}` : cpr && 'value' in cpr ? `cpr:${hashCpr(cpr.value)}` : undefined;
  if (!pupilId) return fallback;
  const ok = <T>(c: { value: T } | { problem: string }): T | undefined => ('value' in c ? c.value : undefined);
  switch (stream) {
    case 'fravaer': {
      const date = ok(parseDate(v.dato ?? ''));
      return date ? `${pupilId}:${date}` : fallback;
    }
    case 'karakterer': {
      const subject = (v.fag ?? '').trim().replace(/\s+/g, ' ');
      const kind = ok(parseGradeKind(v.type ?? ''));
      const date = ok(parseDate(v.dato ?? ''));
      return subject && subject.length <= 100 && kind && date ? `${pupilId}:${subject.toLowerCase()}:${kind}:${date}` : fallback;
    }
    case 'trivsel': {
      const indicator = ok(parseIndicator(v.indikator ?? ''));
      const year = ok(parseSurveyYear(v.aar ?? ''));
      return indicator && year ? `${pupilId}:${indicator}:${year}` : fallback;
    }
  }
}

/** The pupil a broken row is about, as far as its identifier columns can be read. */
function pupilRefOf(values: RowValues, hashCpr: (cpr: string) => string): CanonicalPupilRef | undefined {
  const uni = values.uni_login?.trim() ? parseUniLogin(values.uni_login) : undefined;
  const cpr = values.cpr?.trim() ? parseCpr(values.cpr) : undefined;
  const uniLoginId = uni && 'value' in uni ? uni.value : null;
  const cprHmac = cpr && 'value' in cpr ? hashCpr(cpr.value) : null;
  if (!uniLoginId && !cprHmac) return undefined;
  return { externalId: uniLoginId ? `uni:${uniLoginId}` : `cpr:${cprHmac}`, cprHmac, uniLoginId };
}

// A page's rows share their file: its export time is worked out once (time-zone maths is not free).
let lastExport: { file: string; at: string | null } | undefined;
function exportTimeOf(fileName: string): string | null {
  if (lastExport?.file !== fileName) {
    const file = parseFileName(fileName);
    lastExport = { file: fileName, at: file ? exportedAt(file) : null };
  }
  return lastExport.at;
}

/** Maps one row of a CSV stream to canonical records (the pupil first, when the row carries it), or says why not. */
export function mapCsvRecord(stream: string, data: unknown, ctx: MapContext): MapResult {
  if (!isCsvStream(stream)) return { ok: false, reason: `unknown stream ${stream}` };
  const record = data as Partial<CsvRecord> | null;
  if (!record || typeof record !== 'object' || typeof record.file !== 'string' || typeof record.line !== 'number') {
    return { ok: false, reason: 'record: not a row of a CSV file' };
  }
  const values = record.values && typeof record.values === 'object' ? record.values : {};
  const at = { file: record.file, line: record.line, values };
  if (record.error) return { ok: false, reason: record.error, externalId: quarantineId(stream, at, ctx.hashCpr), pupil: pupilRefOf(values, ctx.hashCpr) };

  const parsed = parseRow(stream, values);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, externalId: quarantineId(stream, at, ctx.hashCpr), pupil: pupilRefOf(values, ctx.hashCpr) };
  const row = parsed.row;
  const pupilId = pupilExternalId(row.pupil, ctx.hashCpr);
  const externalId = rowExternalId(pupilId, row);
  if (row.deleted) return { ok: true, records: [{ target: 'deletion', of: STREAM_TARGETS[stream], externalId }] };

  const sourceUpdatedAt = exportTimeOf(record.file);
  const records: CanonicalRecord[] = [];
  if (record.pupil) {
    records.push({
      target: 'pupil',
      externalId: pupilId,
      cprHmac: row.pupil.cpr ? ctx.hashCpr(row.pupil.cpr) : null,
      uniLoginId: row.pupil.uniLogin,
      firstName: null,
      lastName: null,
      birthDate: null,
      sourceUpdatedAt,
    });
  }
  switch (row.stream) {
    case 'fravaer':
      // Never a note: the export's free-text remark (often health information) is not read.
      records.push({ target: 'attendance_day', externalId, childExternalId: pupilId, date: row.date, status: row.status!, note: null, sourceUpdatedAt });
      break;
    case 'karakterer':
      records.push({
        target: 'grade',
        externalId,
        childExternalId: pupilId,
        subject: row.subject,
        kind: row.kind,
        value: row.value!,
        gradeDate: row.date,
        schoolYear: schoolYearOf(row.date),
        sourceUpdatedAt,
      });
      break;
    case 'trivsel':
      records.push({ target: 'wellbeing', externalId, childExternalId: pupilId, indicator: row.indicator, score: row.score!, surveyYear: row.year, sourceUpdatedAt });
      break;
  }
  return { ok: true, records };
}
