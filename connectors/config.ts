import { z } from 'zod';
import { ConnectorError } from './errors';
import { DEFAULT_HTTP_OPTIONS } from './http';

/** `config.http` of every HTTP connector: the per-source knobs of connectors/http.ts. */
export const HttpSettings = z
  .object({
    timeoutMs: z.number().int().min(100).default(DEFAULT_HTTP_OPTIONS.timeoutMs),
    attempts: z.number().int().min(1).max(10).default(DEFAULT_HTTP_OPTIONS.attempts),
    backoffMs: z.number().int().min(0).default(DEFAULT_HTTP_OPTIONS.backoffMs),
    requestsPerSecond: z.number().min(0).default(DEFAULT_HTTP_OPTIONS.requestsPerSecond),
    maxConcurrentRequests: z.number().int().min(1).max(16).default(DEFAULT_HTTP_OPTIONS.maxConcurrentRequests),
  })
  .prefault({});

/**
 * Parses a connector's config, or throws a config error (no retry). The message names paths
 * only: a credential value must never reach a log or an admin screen.
 */
export function parseConnectorConfig<T>(connector: string, schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw ConnectorError.config(`invalid ${connector} config: ${r.error.issues.map((i) => `${i.path.join('.') || 'config'} ${i.message}`).join('; ')}`);
  }
  return r.data;
}
