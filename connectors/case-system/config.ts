import { z } from 'zod';
import { connectorUrl, HttpSettings, parseConnectorConfig, servicePath } from '../config';

const Auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('oauth2'), clientId: z.string().min(1), clientSecret: z.string().min(1), tokenPath: servicePath(false).default('/oauth/token') }),
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(8) }),
]);

const Config = z.object({
  /** CPR numbers travel over TLS only: https in production (connectors/config.ts). */
  baseUrl: connectorUrl(),
  auth: Auth,
  pageSize: z.number().int().min(1).max(1000).default(500),
  http: HttpSettings,
});

export type CaseSystemConfig = z.infer<typeof Config>;

const parseWith = <T>(schema: z.ZodType<T>, input: unknown): T => parseConnectorConfig('case-system', schema, input);

/** Source config (base URL, non-secret settings) merged with the resolved credential. */
export function parseCaseSystemConfig(input: unknown): CaseSystemConfig {
  return parseWith(Config, input);
}

/** What an admin stores on the source: everything but the credential; unknown keys refused. */
export function parseCaseSystemSettings(input: unknown): void {
  parseWith(Config.omit({ auth: true }).strict(), input);
}
