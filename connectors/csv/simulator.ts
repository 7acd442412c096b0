import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import * as iconv from 'iconv-lite';
import { AttendanceStatus } from '../../src/schooling/attendance-status';
import { GradeKind } from '../../src/schooling/grade-scale';
import { WellbeingIndicator } from '../../src/schooling/wellbeing.entity';
import type { Population, SynthChild } from '../../src/synthetic/generator';
import type { CsvStream } from './layout';

/**
 * The file-drop counterpart of the case-system simulator: writes what a pupil-administration
 * system would export for one municipality's pupils of a synthetic population, in the layout of
 * README.md, for the demo, tests and benchmarks. Switches: encoding, which identifiers the rows
 * carry, malformed rows, and pupils the hub does not know. Each file is written under a
 * temporary name and renamed when complete, as the layout asks of vendors.
 */
export interface CsvExportOptions {
  municipalityCode: string;
  /** Export time used in the file names, YYYYMMDD[_HHMM]. */
  stamp: string;
  /** Full export (`_fuld`), the default, or a delta. */
  full?: boolean;
  encoding?: 'utf-8' | 'windows-1252';
  /** uni: UNI-Login only; cpr: CPR only; both (default): both on every row. */
  identify?: 'uni' | 'cpr' | 'both';
  /** Share of rows written malformed (deterministic by row number). */
  malformedRate?: number;
  /** Extra pupils with rows, unknown to the hub (synthetic CPR numbers of another range). */
  strangers?: number;
  streams?: CsvStream[];
  /**
   * Fill the absence files' free-text `bemaerkning` column, as a real export may (health
   * details, now and then the pupil's CPR number). The hub never reads that column: the switch
   * lets tests prove it. Default false: the column is written, empty.
   */
  remarks?: boolean;
}

export interface CsvExportResult {
  files: string[];
  rows: Record<CsvStream, number>;
  malformed: Record<CsvStream, number>;
  strangerRows: Record<CsvStream, number>;
  /** Malformed rows about strangers: dropped like their valid rows, never quarantined. */
  strangerMalformed: Record<CsvStream, number>;
}

const CATEGORY: Partial<Record<AttendanceStatus, string>> = { illness: 'syg', authorised: 'lovligt', unauthorised: 'ulovligt' };
const KIND: Record<GradeKind, string> = { term: 'standpunkt', exam: 'prøve', year: 'års' };
const INDICATOR: Record<WellbeingIndicator, string> = {
  academic: 'faglig',
  social: 'social',
  support_and_inspiration: 'støtte og inspiration',
  peace_and_order: 'ro og orden',
};
const HEADER: Record<CsvStream, string> = {
  fravaer: 'uni_login;cpr;dato;kategori;bemaerkning;slettet',
  karakterer: 'uni_login;cpr;fag;type;karakter;dato;slettet',
  trivsel: 'uni_login;cpr;indikator;score;aar;slettet',
};
/** What a malformed row gets instead of its value, per stream (one of the layout's refusals). */
const BROKEN: Record<CsvStream, string[]> = {
  fravaer: ['ferie', '', 'fravær'],
  karakterer: ['11', '2', '13'],
  trivsel: ['6', 'høj', '0,5'],
};

/** Synthetic remarks of the kind a school office types (health information the hub must not keep). */
const REMARKS: Partial<Record<AttendanceStatus, string[]>> = {
  illness: ['Mor ringede — hovedpine og feber', 'Maveonde; bliver hjemme', 'Far ringede: "mellemørebetændelse"'],
  authorised: ['Tandlæge', 'Går til læge', 'Psykolog kl. 10'],
  unauthorised: ['Ikke mødt, ingen besked', 'Pjækkede'],
};

const quoteIfNeeded = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

class ExportFile {
  private readonly tmp: string;
  private readonly out;
  lines = 0;

  constructor(
    private readonly path: string,
    private readonly encoding: 'utf-8' | 'windows-1252',
  ) {
    this.tmp = `${path}.part`;
    this.out = createWriteStream(this.tmp);
  }

  async line(cells: string[]): Promise<void> {
    const text = `${cells.map(quoteIfNeeded).join(';')}\r\n`;
    this.lines++;
    if (!this.out.write(this.encoding === 'windows-1252' ? iconv.encode(text, 'win1252') : Buffer.from(text, 'utf8'))) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
    await rename(this.tmp, this.path);
  }
}

/** Writes one export (a file per stream) of the municipality's children into `dir`. */
export async function writeCsvExport(population: Population, dir: string, opts: CsvExportOptions): Promise<CsvExportResult> {
  const streams = opts.streams ?? (['fravaer', 'karakterer', 'trivsel'] as CsvStream[]);
  const encoding = opts.encoding ?? 'utf-8';
  const suffix = opts.full === false ? '' : '_fuld';
  const result: CsvExportResult = {
    files: [],
    rows: { fravaer: 0, karakterer: 0, trivsel: 0 },
    malformed: { fravaer: 0, karakterer: 0, trivsel: 0 },
    strangerRows: { fravaer: 0, karakterer: 0, trivsel: 0 },
    strangerMalformed: { fravaer: 0, karakterer: 0, trivsel: 0 },
  };
  const files = new Map<CsvStream, ExportFile>();
  for (const s of streams) {
    const name = `${s}_${opts.stamp}${suffix}.csv`;
    const f = new ExportFile(join(dir, name), encoding);
    await f.line(HEADER[s].split(';'));
    files.set(s, f);
    result.files.push(name);
  }
  const rate = opts.malformedRate ?? 0;
  let n = 0;
  let remarkCount = 0;
  // Deterministic: every 1/rate-th row (by running number) is broken.
  const broken = () => rate > 0 && ++n % Math.max(1, Math.round(1 / rate)) === 0;
  const ids = (c: Pick<SynthChild, 'uniLoginId' | 'cpr'>) => {
    const identify = opts.identify ?? 'both';
    return [identify === 'cpr' ? '' : c.uniLoginId, identify === 'uni' ? '' : c.cpr];
  };

  const emit = async (child: Pick<SynthChild, 'uniLoginId' | 'cpr' | 'attendance' | 'grades' | 'wellbeing'>, stranger: boolean) => {
    const [uni, cpr] = ids(child);
    const count = (s: CsvStream, bad: boolean) => {
      result.rows[s]++;
      if (bad) result.malformed[s]++;
      if (stranger) result.strangerRows[s]++;
      if (stranger && bad) result.strangerMalformed[s]++;
    };
    const absence = files.get('fravaer');
    if (absence) {
      for (const day of child.attendance) {
        const category = CATEGORY[day.status];
        if (!category) continue; // present and partial days are not absence
        const bad = broken();
        const texts = REMARKS[day.status] ?? [''];
        const r = remarkCount++;
        const remark = opts.remarks ? `${texts[r % texts.length]}${r % 4 === 0 ? ` (cpr ${child.cpr})` : ''}` : '';
        await absence.line([uni, cpr, day.date, bad ? BROKEN.fravaer[n % 3] : category, remark, '']);
        count('fravaer', bad);
      }
    }
    const grades = files.get('karakterer');
    if (grades) {
      for (const g of child.grades) {
        const bad = broken();
        await grades.line([uni, cpr, g.subject, KIND[g.kind], bad ? BROKEN.karakterer[n % 3] : g.value, g.gradeDate, '']);
        count('karakterer', bad);
      }
    }
    const wellbeing = files.get('trivsel');
    if (wellbeing) {
      for (const w of child.wellbeing) {
        const bad = broken();
        await wellbeing.line([uni, cpr, INDICATOR[w.indicator], bad ? BROKEN.trivsel[n % 3] : w.score.toFixed(2).replace('.', ','), String(w.surveyYear), '']);
        count('trivsel', bad);
      }
    }
  };

  let strangersLeft = opts.strangers ?? 0;
  for (const child of population.children()) {
    if (child.municipalityCode !== opts.municipalityCode) continue;
    await emit(child, false);
    if (strangersLeft > 0) {
      // A pupil of the same school the hub knows nothing about: same records, other identity.
      strangersLeft--;
      // Synthetic (day + 60), born in '99: no schoolchild of the population has such a number.
      const cpr = `${61 + (strangersLeft % 28)}${String(1 + (strangersLeft % 12)).padStart(2, '0')}99-${String(strangersLeft % 10_000).padStart(4, '0')}`;
      await emit({ ...child, uniLoginId: `zz${String(strangersLeft).padStart(6, '0')}`, cpr }, true);
    }
  }
  for (const f of files.values()) await f.close();
  return result;
}
