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

/** 127.0.0.0/8, ::1 or localhost, as the URL parser normalises them (127.1 → 127.0.0.1, [::1]). */
const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

function tlsOrLoopback(input: string): boolean {
  if (!URL.canParse(input)) return true; // z.url() reports it
  const url = new URL(input);
  return url.protocol === 'https:' || isLoopback(url.hostname);
}

/**
 * The URL of a connector's remote API. CPR numbers, grades and credentials travel over TLS only
 * (openapi.yaml): in production plain http is for a loopback host only. Checked at parse time, so
 * a source stored before NODE_ENV=production fails its next run as a config error.
 */
export const connectorUrl = () =>
  z.url({ protocol: /^https?$/ }).refine((u) => process.env.NODE_ENV !== 'production' || tlsOrLoopback(u), {
    message: 'must be https in production (http only to a loopback host)',
  });

/**
 * A path on the connector's own host (token endpoint, API base): resolved against `baseUrl`, so
 * it must not carry a scheme or a host of its own (`http://…`, `//host/…`), which would send
 * credentials elsewhere, past the https check above. `leadingSlash`: absolute path on the host.
 */
export const servicePath = (leadingSlash: boolean) =>
  z
    .string()
    .regex(leadingSlash ? /^\/[A-Za-z0-9._~\-/]*$/ : /^[A-Za-z0-9._~\-/]+$/, `letters, digits and . _ ~ - / only${leadingSlash ? ', starting with /' : ''}`)
    .refine((p) => !p.startsWith('//'), 'must be a path on the source’s own host');

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
