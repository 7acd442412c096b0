import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { GradeKind, SEVEN_STEP_SCALE, type SevenStepGrade } from '../../src/schooling/grade-scale';
import { WellbeingIndicator } from '../../src/schooling/wellbeing.entity';

/**
 * The Danish CSV export layout (see README.md, "Layout"): one stream per kind of file, a fixed
 * set of Danish column names, closed vocabularies and strict values. Everything here is pure:
 * it validates values as written in a file and never echoes a CPR number. No free-text remark
 * is read: `fravaer`'s optional `bemaerkning` column carries health information (GDPR art. 9)
 * the hub's purpose does not need, so it is not a layout column and the reader drops it.
 */

export const STREAMS = ['fravaer', 'karakterer', 'trivsel'] as const;
export type CsvStream = (typeof STREAMS)[number];

export const STREAM_TARGETS = { fravaer: 'attendance_day', karakterer: 'grade', trivsel: 'wellbeing' } as const;

export const isCsvStream = (s: string): s is CsvStream => (STREAMS as readonly string[]).includes(s);

// ── File names ───────────────────────────────────────────────────────────────────────────

/** `<stream>_<YYYYMMDD>[_<HHMM>][_fuld].csv`; `_fuld` marks a full export. */
const FILE_NAME = /^(fravaer|karakterer|trivsel)_(\d{4})(\d{2})(\d{2})(?:_(\d{2})(\d{2}))?(_fuld)?\.csv$/i;

export interface DropFileName {
  name: string;
  stream: CsvStream;
  /** Export time as written in the name (Danish local time): YYYYMMDDHHMM. */
  stamp: string;
  full: boolean;
  /** Sort key: export time, then a full export before a delta of the same minute, then name. */
  key: string;
}

/** The stream a file of the drop directory belongs to, if its name starts like one of ours. */
export function streamOfName(name: string): CsvStream | undefined {
  const m = /^(fravaer|karakterer|trivsel)_/i.exec(name);
  return m && /\.csv$/i.test(name) ? (m[1].toLowerCase() as CsvStream) : undefined;
}

/** Parses a file name of the layout; undefined when it does not follow it (or its date cannot exist). */
export function parseFileName(name: string): DropFileName | undefined {
  const m = FILE_NAME.exec(name);
  if (!m) return undefined;
  const [, stream, y, mo, d, hh = '00', mm = '00', full] = m;
  if (!isRealDate(Number(y), Number(mo), Number(d)) || Number(hh) > 23 || Number(mm) > 59) return undefined;
  const stamp = `${y}${mo}${d}${hh}${mm}`;
  return { name, stream: stream.toLowerCase() as CsvStream, stamp, full: Boolean(full), key: `${stamp}${full ? '0' : '1'}|${name}` };
}

/** A file name's sort key (files are applied in this order); '' for a name outside the layout. */
export const fileKey = (name: string | undefined): string => (name ? (parseFileName(name)?.key ?? '') : '');

/**
 * The export time of a file as an ISO instant: the name's local Danish time (Europe/Copenhagen)
 * converted to UTC. Used as the records' sourceUpdatedAt.
 */
export function exportedAt(file: DropFileName): string {
  const s = file.stamp;
  const local = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12));
  let utc = local - copenhagenOffset(local);
  utc = local - copenhagenOffset(utc); // the offset at the instant itself (DST changes)
  return new Date(utc).toISOString();
}

const COPENHAGEN = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

function copenhagenOffset(utcMs: number): number {
  const p = Object.fromEntries(COPENHAGEN.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asLocal = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  return asLocal - Math.floor(utcMs / 60_000) * 60_000;
}

// ── Columns ──────────────────────────────────────────────────────────────────────────────

export interface StreamColumns {
  /** Columns every file of the stream must have (besides an identifier column). */
  required: readonly string[];
  optional: readonly string[];
  /** Columns that make up a row's identity within its pupil (kept when a row is quarantined). */
  key: readonly string[];
}

const IDENTIFIERS = ['uni_login', 'cpr'] as const;

export const COLUMNS: Record<CsvStream, StreamColumns> = {
  // No `bemaerkning`: an export may carry that free-text remark, but it is ignored like any unknown column.
  fravaer: { required: ['dato', 'kategori'], optional: ['slettet'], key: ['dato'] },
  karakterer: { required: ['fag', 'type', 'karakter', 'dato'], optional: ['slettet'], key: ['fag', 'type', 'dato'] },
  trivsel: { required: ['indikator', 'score', 'aar'], optional: ['slettet'], key: ['indikator', 'aar'] },
};

/** Every column the stream reads; any other column of a file is ignored (never read, never stored). */
export const knownColumns = (stream: CsvStream): string[] => [...IDENTIFIERS, ...COLUMNS[stream].required, ...COLUMNS[stream].optional];

/** Columns kept in a quarantined row: who and which row, not what (no category, grade or score). */
export const keyColumns = (stream: CsvStream): string[] => [...IDENTIFIERS, ...COLUMNS[stream].key];

/** ASCII transliteration used for headers and vocabularies: æ→ae, ø→oe, å→aa, lower case. */
export function fold(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/\s+/g, ' ');
}

/** Header cell → column name: case, æøå and separators do not matter ("UNI-Login" = "uni_login", "År" = "aar"). */
export function normaliseHeader(cell: string): string {
  return fold(cell).replace(/[\s-]+/g, '_');
}

/** Problems with a file's header line; empty when the stream can read it. */
export function headerProblems(stream: CsvStream, columns: string[]): string[] {
  const problems: string[] = [];
  const dupes = columns.filter((c, i) => c && columns.indexOf(c) !== i);
  if (dupes.length) problems.push(`column ${[...new Set(dupes)].join(', ')} appears more than once`);
  if (!IDENTIFIERS.some((c) => columns.includes(c))) problems.push('needs a uni_login or a cpr column');
  const missing = COLUMNS[stream].required.filter((c) => !columns.includes(c));
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return problems;
}

// ── Vocabularies (closed lists; compared after `fold`) ───────────────────────────────────

export const ABSENCE_CATEGORIES: Record<string, AttendanceStatus> = {
  syg: AttendanceStatus.Illness,
  sygdom: AttendanceStatus.Illness,
  sygefravaer: AttendanceStatus.Illness,
  lovligt: AttendanceStatus.Authorised,
  'lovligt fravaer': AttendanceStatus.Authorised,
  'fravaer med tilladelse': AttendanceStatus.Authorised,
  'ekstraordinaer frihed': AttendanceStatus.Authorised,
  ulovligt: AttendanceStatus.Unauthorised,
  'ulovligt fravaer': AttendanceStatus.Unauthorised,
};

export const GRADE_KINDS: Record<string, GradeKind> = {
  standpunkt: GradeKind.Term,
  standpunktskarakter: GradeKind.Term,
  proeve: GradeKind.Exam,
  proevekarakter: GradeKind.Exam,
  aars: GradeKind.Year,
  aarskarakter: GradeKind.Year,
};

export const WELLBEING_INDICATORS: Record<string, WellbeingIndicator> = {
  faglig: WellbeingIndicator.Academic,
  'faglig trivsel': WellbeingIndicator.Academic,
  social: WellbeingIndicator.Social,
  'social trivsel': WellbeingIndicator.Social,
  'stoette og inspiration': WellbeingIndicator.SupportAndInspiration,
  'ro og orden': WellbeingIndicator.PeaceAndOrder,
};

// ── Values ───────────────────────────────────────────────────────────────────────────────

/** First year of the national wellbeing survey. */
export const FIRST_SURVEY_YEAR = 2015;

export interface PupilRef {
  /** Lower-cased UNI-Login user id. */
  uniLogin: string | null;
  /** Clear CPR number, 10 digits: only ever passed to the hash, never stored or shown. */
  cpr: string | null;
}

interface RowBase {
  pupil: PupilRef;
  /** `slettet = ja`: the row withdraws an earlier row with the same key. */
  deleted: boolean;
}
export type AbsenceRow = RowBase & { stream: 'fravaer'; date: string; status: AttendanceStatus | null };
export type GradeRow = RowBase & { stream: 'karakterer'; subject: string; kind: GradeKind; date: string; value: SevenStepGrade | null };
export type WellbeingRow = RowBase & { stream: 'trivsel'; indicator: WellbeingIndicator; year: number; score: number | null };
export type ParsedRow = AbsenceRow | GradeRow | WellbeingRow;

export type RowResult = { ok: true; row: ParsedRow } | { ok: false; reason: string };

/** Values as read from a file, by column name; missing and empty mean the same. */
export type RowValues = Readonly<Record<string, string | undefined>>;

type Check<T> = { value: T } | { problem: string };
const problem = (column: string, message: string): { problem: string } => ({ problem: `${column}: ${message}` });
/** A value quoted in a reason: short, and anything CPR-shaped masked. */
const quote = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value).replace(/\d{6}-?\d{4}/g, '••••••-••••');

function isRealDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** `YYYY-MM-DD` or `DD-MM-YYYY`, a real calendar date → `YYYY-MM-DD`. */
export function parseDate(raw: string, column = 'dato'): Check<string> {
  const v = raw.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const dk = /^(\d{2})-(\d{2})-(\d{4})$/.exec(v);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : dk ? [dk[3], dk[2], dk[1]] : [];
  if (!y || !m || !d) return problem(column, `${quote(v)} is not a date (YYYY-MM-DD or DD-MM-YYYY)`);
  if (!isRealDate(Number(y), Number(m), Number(d))) return problem(column, `${quote(v)} is not a calendar date`);
  return { value: `${y}-${m}-${d}` };
}

/** A CPR number DDMMYY-SSSS (hyphen optional) whose date part can exist (synthetic: day + 60). Never echoed. */
export function parseCpr(raw: string): Check<string> {
  const v = raw.trim();
  const m = /^(\d{2})(\d{2})(\d{2})-?(\d{4})$/.exec(v);
  if (!m) {
    if (/^\d{5}-?\d{4}$/.test(v)) return problem('cpr', 'not a CPR number (9 digits: a spreadsheet may have dropped a leading 0; export the column as text)');
    return problem('cpr', 'not a CPR number (expected DDMMYY-SSSS)');
  }
  const day = Number(m[1]) > 60 ? Number(m[1]) - 60 : Number(m[1]);
  if (!isRealDate(2000, Number(m[2]), day)) return problem('cpr', 'not a CPR number (its date part cannot exist)');
  return { value: `${m[1]}${m[2]}${m[3]}${m[4]}` };
}

/** A UNI-Login user id: letters, digits, `.`, `_`, `-`; compared in lower case. */
export function parseUniLogin(raw: string): Check<string> {
  const v = raw.trim();
  if (/^\d{6}-?\d{4}$/.test(v)) return problem('uni_login', 'looks like a CPR number; a CPR number belongs in the cpr column');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/.test(v)) return problem('uni_login', `${quote(v)} is not a UNI-Login user id`);
  return { value: v.toLowerCase() };
}

/**
 * A grade on the 7-step scale, exactly as written: 12, 10, 7, 4, 02, 00, -3 (a typographic
 * minus "−3" is accepted). "2" and "0" are refused: a spreadsheet that drops leading zeros
 * writes them for 02 and 00, and the hub will not guess which grade was meant.
 */
export function parseGrade(raw: string): Check<SevenStepGrade> {
  const v = raw.trim().replace(/^[−–]/, '-');
  if ((SEVEN_STEP_SCALE as readonly string[]).includes(v)) return { value: v as SevenStepGrade };
  const scale = SEVEN_STEP_SCALE.join(', ');
  if (v === '') return problem('karakter', `missing (one of ${scale})`);
  if (v === '2' || v === '0') {
    return problem('karakter', `"${v}" is not on the 7-step scale (${scale}); ambiguous: a spreadsheet writes 0${v} as ${v} — export the column as text`);
  }
  return problem('karakter', `${quote(v)} is not on the 7-step scale (${scale})`);
}

/** A wellbeing indicator score 1–5, decimal comma or point ("3,75"), rounded to two decimals. */
export function parseScore(raw: string): Check<number> {
  const v = raw.trim();
  if (!/^\d+(?:[.,]\d+)?$/.test(v)) return problem('score', `${quote(v)} is not a number (e.g. 3,75)`);
  const n = Number(v.replace(',', '.'));
  if (n < 1 || n > 5) return problem('score', `${quote(v)} is outside the survey's 1–5 scale`);
  return { value: Math.round(n * 100) / 100 };
}

/** The calendar year of a wellbeing survey: from the first national survey to this year. */
export function parseSurveyYear(raw: string, now = new Date()): Check<number> {
  const v = raw.trim();
  const year = Number(v);
  if (!/^\d{4}$/.test(v) || year < FIRST_SURVEY_YEAR || year > now.getUTCFullYear()) {
    return problem('aar', `${quote(v)} is not a survey year (${FIRST_SURVEY_YEAR}–${now.getUTCFullYear()})`);
  }
  return { value: year };
}

function parseWord<T>(column: string, raw: string, vocabulary: Record<string, T>, allowed: string): Check<T> {
  const v = fold(raw);
  if (v in vocabulary) return { value: vocabulary[v] };
  return problem(column, v === '' ? `missing (one of ${allowed})` : `${quote(raw.trim())} is not one of ${allowed}`);
}

export const parseCategory = (raw: string) => parseWord('kategori', raw, ABSENCE_CATEGORIES, 'syg, lovligt, ulovligt');
export const parseGradeKind = (raw: string) => parseWord('type', raw, GRADE_KINDS, 'standpunkt, prøve, års');
export const parseIndicator = (raw: string) => parseWord('indikator', raw, WELLBEING_INDICATORS, 'faglig, social, støtte og inspiration, ro og orden');

function parseDeleted(raw: string): Check<boolean> {
  const v = fold(raw);
  if (v === '' || v === 'nej') return { value: false };
  if (v === 'ja') return { value: true };
  return problem('slettet', `${quote(raw.trim())} is not ja, nej or empty`);
}

/** A school subject as written (spaces collapsed); ids compare it in lower case. */
function parseSubject(raw: string): Check<string> {
  const v = raw.trim().replace(/\s+/g, ' ');
  if (!v) return problem('fag', 'missing');
  if (v.length > 100) return problem('fag', 'longer than 100 characters');
  return { value: v };
}

/** Who a row is about: a UNI-Login id, a CPR number or both; at least one. */
export function parsePupil(values: RowValues): Check<PupilRef> {
  const uniRaw = values.uni_login?.trim() ?? '';
  const cprRaw = values.cpr?.trim() ?? '';
  if (!uniRaw && !cprRaw) return { problem: 'uni_login, cpr: neither is given; a row needs one of them' };
  const uni = uniRaw ? parseUniLogin(uniRaw) : { value: null };
  const cpr = cprRaw ? parseCpr(cprRaw) : { value: null };
  const problems = [uni, cpr].flatMap((c) => ('problem' in c ? [c.problem] : []));
  if (problems.length) return { problem: problems.join('; ') };
  return { value: { uniLogin: (uni as { value: string | null }).value, cpr: (cpr as { value: string | null }).value } };
}

/**
 * Validates one row of a stream. A deletion row (`slettet = ja`) needs only the pupil and the
 * key columns. Every problem of the row is reported, separated by "; ".
 */
export function parseRow(stream: CsvStream, values: RowValues): RowResult {
  const v = (column: string) => values[column] ?? '';
  const problems: string[] = [];
  const take = <T>(c: Check<T>): T | undefined => {
    if ('problem' in c) {
      problems.push(c.problem);
      return undefined;
    }
    return c.value;
  };
  const pupil = take(parsePupil(values));
  const deleted = take(parseDeleted(v('slettet')));
  const value = <T>(check: () => Check<T>): T | null | undefined => (deleted ? null : take(check()));

  let row: ParsedRow | undefined;
  switch (stream) {
    case 'fravaer': {
      const date = take(parseDate(v('dato')));
      const status = value(() => parseCategory(v('kategori')));
      if (pupil && deleted !== undefined && date && status !== undefined) {
        row = { stream, pupil, deleted, date, status };
      }
      break;
    }
    case 'karakterer': {
      const subject = take(parseSubject(v('fag')));
      const kind = take(parseGradeKind(v('type')));
      const gradeValue = value(() => parseGrade(v('karakter')));
      const date = take(parseDate(v('dato')));
      if (pupil && deleted !== undefined && subject && kind && date && gradeValue !== undefined) {
        row = { stream, pupil, deleted, subject, kind, date, value: gradeValue };
      }
      break;
    }
    case 'trivsel': {
      const indicator = take(parseIndicator(v('indikator')));
      const year = take(parseSurveyYear(v('aar')));
      const score = value(() => parseScore(v('score')));
      if (pupil && deleted !== undefined && indicator && year && score !== undefined) {
        row = { stream, pupil, deleted, indicator, year, score };
      }
      break;
    }
  }
  return row && !problems.length ? { ok: true, row } : { ok: false, reason: problems.join('; ') || 'invalid row' };
}

/**
 * A row's identity inside the process (pupil + key columns, as the row id is built, but on the
 * clear identifiers: never stored or logged). Two rows with the same key in one page would be
 * applied upserts-before-deletions by the writer; the reader starts a new page instead.
 */
export function rowKey(row: ParsedRow): string {
  const who = row.pupil.uniLogin ? `u:${row.pupil.uniLogin}` : `c:${row.pupil.cpr}`;
  switch (row.stream) {
    case 'fravaer':
      return `${who}|${row.date}`;
    case 'karakterer':
      return `${who}|${row.subject.toLowerCase()}|${row.kind}|${row.date}`;
    case 'trivsel':
      return `${who}|${row.indicator}|${row.year}`;
  }
}

/** "2025/26" for a date in the school year that starts on 1 August. */
export function schoolYearOf(date: string): string {
  const y = Number(date.slice(0, 4));
  const start = Number(date.slice(5, 7)) >= 8 ? y : y - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}
