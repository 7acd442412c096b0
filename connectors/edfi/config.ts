import { z } from 'zod';
import { connectorUrl, HttpSettings, parseConnectorConfig } from '../config';

/** The ODS issues tokens for OAuth2 client credentials only (a key/secret pair per vendor application). */
const Auth = z.object({
  type: z.literal('oauth2').default('oauth2'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

/** A path relative to the base URL: the ODS often lives under a path (`https://host/v7.3/api/`). */
const relativePath = z
  .string()
  .regex(/^[A-Za-z0-9._~\-/]+$/, 'letters, digits and . _ ~ - / only')
  .transform((s) => s.replace(/^\/+|\/+$/g, ''));

const Config = z.object({
  /** The ODS/API root, e.g. https://ods.example.dk/api or https://host/v7.3/api/2026 (year-specific). https in production. */
  baseUrl: connectorUrl(),
  auth: Auth,
  tokenPath: relativePath.default('oauth/token'),
  dataPath: relativePath.default('data/v3'),
  changeQueriesPath: relativePath.default('changeQueries/v1'),
  /** Namespace of the core resources in the URL (`/data/v3/ed-fi/students`). */
  resourceNamespace: z.string().regex(/^[a-z0-9-]+$/).default('ed-fi'),
  /** Items per request (`limit`). The ODS default maximum is 500; raise it there before here. */
  pageSize: z.number().int().min(1).max(5000).default(500),
  http: HttpSettings,
});

export type EdFiConfig = z.infer<typeof Config>;

const parseWith = <T>(schema: z.ZodType<T>, input: unknown): T => parseConnectorConfig('Ed-Fi', schema, input);

/** Source config (base URL, non-secret settings) merged with the resolved credential. */
export function parseEdFiConfig(input: unknown): EdFiConfig {
  return parseWith(Config, input);
}

/** What an admin stores on the source: everything but the credential; unknown keys refused. */
export function parseEdFiSettings(input: unknown): void {
  parseWith(Config.omit({ auth: true }).strict(), input);
}
