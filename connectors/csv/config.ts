import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseConnectorConfig } from '../config';
import { ConnectorError } from '../errors';

export const ENCODINGS = ['utf-8', 'windows-1252', 'auto'] as const;
export type CsvEncoding = (typeof ENCODINGS)[number];

/** Most rows the runner may buffer before a state message (jobs/sync/sync-runner.ts). */
const MAX_PAGE = 10_000;

const Settings = z.object({
  /** Absolute path of the directory the pupil-administration system drops its exports in. */
  dropDirectory: z.string().min(1).refine(isAbsolute, 'must be an absolute path'),
  /** `auto`: UTF-8 when the file has a UTF-8 BOM or is valid UTF-8 throughout, else Windows-1252. */
  encoding: z.enum(ENCODINGS).default('auto'),
  delimiter: z
    .string()
    .length(1)
    .refine((d) => !/["\r\n]/.test(d), 'cannot be a quote or a line break')
    .default(';'),
  /** Rows per committed page (the resume granularity within a file). */
  pageSize: z.number().int().min(1).max(MAX_PAGE).default(5000),
  /**
   * A file modified less than this many seconds ago is left for the next run (it may still be
   * being written); files are applied in order, so later files wait for it too.
   */
  settleSeconds: z.number().int().min(0).max(86_400).default(60),
});

export type CsvConfig = z.infer<typeof Settings>;

const parseWith = <T>(schema: z.ZodType<T>, input: unknown): T => parseConnectorConfig('csv', schema, input);

/** Source config as the runner passes it (with `baseUrl` and `auth`, which a file drop does not use). */
export function parseCsvConfig(input: unknown): CsvConfig {
  return parseWith(Settings, input);
}

/** What an admin stores on the source; unknown keys refused. A file drop has no base URL. */
export function parseCsvSettings(input: unknown): void {
  const { baseUrl, ...rest } = (input ?? {}) as Record<string, unknown>;
  if (baseUrl !== undefined && baseUrl !== null && baseUrl !== '') {
    throw ConnectorError.config('invalid csv config: baseUrl a file drop has no base URL; set config.dropDirectory');
  }
  parseWith(Settings.strict(), rest);
}

// Checked on the real path (see reader.ts), so a symbolic link cannot lead out.
export { DROP_ROOT_ENV } from '../drop-root';
