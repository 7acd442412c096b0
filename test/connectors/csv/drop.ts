import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import type { ReadMessage } from '../../../connectors/connector';
import type { CsvState } from '../../../connectors/csv/connector';
import type { CsvRecord } from '../../../connectors/csv/mapper';
import { cprHmac } from '../../../src/identity/cpr';
import { rawQuery } from '../../../src/platform/db/bulk';
import type { TestRuntime } from '../../support/test-runtime';

// Synthetic CPR numbers: day of month + 60 (never a real person).
export const CPR_A = '710312-1234';
export const CPR_B = '650811-4321';

/** Hvidovre with two hub children, A and B, whose CPR numbers are CPR_A and CPR_B. */
export async function addHubChildren(rt: TestRuntime): Promise<{ municipalityId: string; child: Record<'A' | 'B', string> }> {
  const q = async (sql: string, params: unknown[]) => (await rawQuery<{ id: string }>(rt.orm.em.fork(), sql, params)).rows[0].id;
  const municipalityId = await q(`insert into municipality (code, name) values ('167', 'Hvidovre') returning id`, []);
  const child = {} as Record<'A' | 'B', string>;
  for (const [name, cpr] of [['A', CPR_A], ['B', CPR_B]] as const) {
    child[name] = await q(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, ?, 'Test', '2012-03-11') returning id`,
      [municipalityId, cprHmac(cpr, rt.config.CPR_HMAC_KEY), name],
    );
  }
  return { municipalityId, child };
}

export const HEADERS = {
  // A real export may carry the free-text bemaerkning column; the hub ignores it (never read, never stored).
  fravaer: 'uni_login;cpr;dato;kategori;bemaerkning;slettet',
  karakterer: 'uni_login;cpr;fag;type;karakter;dato;slettet',
  trivsel: 'uni_login;cpr;indikator;score;aar;slettet',
} as const;

/** A temporary drop directory; files written in UTF-8 (optionally with BOM) or Windows-1252. */
export class Drop {
  readonly dir = mkdtempSync(join(tmpdir(), 'skolebro-csv-'));
  /** Files get increasing mtimes in the past, so they are settled and ordered like real drops. */
  private clock = Date.now() - 3600_000;

  write(name: string, lines: string[], opts: { encoding?: 'utf-8' | 'utf-8-bom' | 'windows-1252'; eol?: string; mtime?: number } = {}): string {
    const text = lines.join(opts.eol ?? '\r\n') + (opts.eol ?? '\r\n');
    const bytes =
      opts.encoding === 'windows-1252'
        ? iconv.encode(text, 'win1252')
        : opts.encoding === 'utf-8-bom'
          ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
          : Buffer.from(text, 'utf8');
    const path = join(this.dir, name);
    writeFileSync(path, bytes);
    this.touch(name, opts.mtime);
    return path;
  }

  touch(name: string, mtime?: number): void {
    this.clock += 1000;
    const t = (mtime ?? this.clock) / 1000;
    utimesSync(join(this.dir, name), t, t);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Everything a read yields, split into records and states. */
export async function collect(messages: AsyncIterable<ReadMessage<CsvState>>): Promise<{ records: CsvRecord[]; states: CsvState[]; all: ReadMessage<CsvState>[] }> {
  const all: ReadMessage<CsvState>[] = [];
  for await (const m of messages) all.push(m);
  return {
    all,
    records: all.filter((m): m is Extract<ReadMessage<CsvState>, { type: 'record' }> => m.type === 'record').map((m) => m.data as CsvRecord),
    states: all.filter((m): m is Extract<ReadMessage<CsvState>, { type: 'state' }> => m.type === 'state').map((m) => m.state),
  };
}
