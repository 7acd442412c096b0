import { z } from 'zod';
import { HttpSettings, parseConnectorConfig } from '../config';

const Auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('oauth2'), clientId: z.string().min(1), clientSecret: z.string().min(1), tokenPath: z.string().default('/oauth/token') }),
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(8) }),
]);

/** 127.0.0.0/8, ::1 or localhost, as the URL parser normalises them (127.1 → 127.0.0.1, [::1]). */
const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

function tlsOrLoopback(input: string): boolean {
  if (!URL.canParse(input)) return true; // z.url() reports it
  const url = new URL(input);
  return url.protocol === 'https:' || isLoopback(url.hostname);
}

/** CPR numbers travel over TLS only (openapi.yaml): in production plain http is for a loopback host only. */
const baseUrl = z.url({ protocol: /^https?$/ }).refine((u) => process.env.NODE_ENV !== 'production' || tlsOrLoopback(u), {
  message: 'must be https in production (http only to a loopback host)',
});

const Config = z.object({
  baseUrl,
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
