import { z } from 'zod';
import { ConnectorError } from '../errors';
import { DEFAULT_HTTP_OPTIONS } from '../http';

const Auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('oauth2'), clientId: z.string().min(1), clientSecret: z.string().min(1), tokenPath: z.string().default('/oauth/token') }),
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(8) }),
]);

const Config = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  auth: Auth,
  pageSize: z.number().int().min(1).max(1000).default(500),
  http: z
    .object({
      timeoutMs: z.number().int().min(100).default(DEFAULT_HTTP_OPTIONS.timeoutMs),
      attempts: z.number().int().min(1).max(10).default(DEFAULT_HTTP_OPTIONS.attempts),
      backoffMs: z.number().int().min(0).default(DEFAULT_HTTP_OPTIONS.backoffMs),
      requestsPerSecond: z.number().min(0).default(DEFAULT_HTTP_OPTIONS.requestsPerSecond),
    })
    .prefault({}),
});

export type CaseSystemConfig = z.infer<typeof Config>;

// Paths only in messages: a credential value must never reach a log or an admin screen.
function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw ConnectorError.config(`invalid case-system config: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** Source config (base URL, non-secret settings) merged with the resolved credential. */
export function parseCaseSystemConfig(input: unknown): CaseSystemConfig {
  return parseWith(Config, input);
}

/** What an admin stores on the source: everything but the credential; unknown keys refused. */
export function parseCaseSystemSettings(input: unknown): void {
  parseWith(Config.omit({ auth: true }).strict(), input);
}
