import { DROP_ROOT_ENV } from '../drop-root';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { connectorUrl, HttpSettings, parseConnectorConfig, servicePath } from '../config';
import { DEFAULT_PATHS } from './wire';


/** OneRoster 1.2 REST: OAuth 2.0 client credentials, limit/offset pages, dateLastModified filter. */
const Rest = z.object({
  mode: z.literal('rest'),
  /** https in production: CPR identifiers and grades travel over TLS only. */
  baseUrl: connectorUrl(),
  /** The credential (resolved from the secret, never stored on the source). */
  auth: z.object({ type: z.literal('oauth2').optional(), clientId: z.string().min(1), clientSecret: z.string().min(1) }),
  /** Token endpoint: a path on baseUrl, or `tokenUrl` when the authorisation server is elsewhere. */
  tokenPath: servicePath(true).default('/oauth/token'),
  tokenUrl: connectorUrl().optional(),
  /** Space-separated OAuth scopes, e.g. the 1EdTech roster-core.readonly and gradebook.readonly scopes. */
  scope: z.string().min(1).optional(),
  rosteringPath: servicePath(true).default(DEFAULT_PATHS.rostering),
  gradebookPath: servicePath(true).default(DEFAULT_PATHS.gradebook),
  /** `limit` per page request. */
  pageSize: z.number().int().min(1).max(10_000).default(500),
  http: HttpSettings,
});

/**
 * File drop of OneRoster 1.2 CSV bundles (zip with manifest.csv). Each zip in `dropDirectory`
 * is processed once, in file-name order; a file must be older than `settleMs` (uploaders
 * should write under another name and rename to *.zip when complete).
 */
const CsvBundle = z.object({
  mode: z.literal('csv_bundle'),
  dropDirectory: z
    .string()
    .min(1)
    .refine((p) => isAbsolute(p), 'must be an absolute path')
    .refine((p) => insideDropRoot(p), 'must lie inside SKOLEBRO_DROP_ROOT'),
  settleMs: z.number().int().min(0).default(5000),
  /** Rows per committed page. */
  pageSize: z.number().int().min(1).max(10_000).default(1000),
  /** Largest uncompressed CSV file accepted (zip-bomb guard). */
  maxEntryBytes: z.number().int().min(1).default(1024 ** 3),
  /** A file source has no URL; the runner passes the column anyway. */
  baseUrl: z.null().optional(),
  auth: z.unknown().optional(),
});

function insideDropRoot(p: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const root = env[DROP_ROOT_ENV];
  if (!root) return true;
  const rel = relative(resolve(root), resolve(p));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const Config = z.discriminatedUnion('mode', [Rest, CsvBundle]);
const Settings = z.discriminatedUnion('mode', [Rest.omit({ auth: true }).strict(), CsvBundle.omit({ auth: true }).strict()]);

export type OneRosterConfig = z.infer<typeof Config>;
export type OneRosterRestConfig = z.infer<typeof Rest>;
export type OneRosterCsvConfig = z.infer<typeof CsvBundle>;

/** `mode` defaults to rest; an empty baseUrl/auth from the runner is dropped for a file source. */
function withMode(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const v = { ...(input as Record<string, unknown>) };
  v.mode ??= 'rest';
  if (v.mode === 'csv_bundle') {
    if (v.baseUrl === undefined) delete v.baseUrl;
    if (v.auth !== undefined && typeof v.auth === 'object' && v.auth !== null && Object.keys(v.auth).length === 0) delete v.auth;
  }
  return v;
}

const parseWith = <T>(schema: z.ZodType<T>, input: unknown): T => parseConnectorConfig('oneroster', schema, withMode(input));

/** Source config (base URL, non-secret settings) merged with the resolved credential. */
export function parseOneRosterConfig(input: unknown): OneRosterConfig {
  return parseWith(Config, input);
}

/** What an admin stores on the source: everything but the credential; unknown keys refused. */
export function parseOneRosterSettings(input: unknown): void {
  parseWith(Settings, input);
}
