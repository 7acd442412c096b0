import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';

// Development-only key so `npm start` works out of the box. Production refuses it.
const DEV_CPR_HMAC_KEY = 'skolebro-dev-only-cpr-hmac-key-do-not-use-in-production';

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
      .default('postgres://postgres@127.0.0.1:5432/skolebro'),
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' })
      .default('redis://127.0.0.1:6379'),
    // Loopback by default; a container sets HOST=0.0.0.0 behind a TLS-terminating proxy (docker-compose.yml).
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    CPR_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    // BullMQ key prefix; tests use one per run so they never touch the demo queues.
    QUEUE_PREFIX: z.string().min(1).default('skolebro'),
    // Nightly recomputation of attendance summaries (cron, Europe/Copenhagen).
    SUMMARY_CRON: z.string().min(9).default('0 3 * * *'),
    /** Access-log retention (Datatilsynet's default for access logs: 6 months); older events are deleted nightly. */
    AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(6),
    /** When the access-log retention job runs (cron, Europe/Copenhagen). */
    AUDIT_RETENTION_CRON: z.string().min(9).default('30 3 * * *'),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** Sources synced in parallel by one worker (one run per source at a time, always). */
    SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** A sync job whose worker stops renewing its lock this long is taken over by another worker. */
    SYNC_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    SYNC_STALLED_CHECK_MS: z.coerce.number().int().min(500).default(30_000),
    DEMO_CHILDREN: z.coerce.number().int().min(0).default(300),
    /** GraphQL requests per minute per partner app (per client IP without a valid token). */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
    /** Token requests per minute per client IP: each attempt costs a deliberately slow secret check. */
    TOKEN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120),
    /** `iss` of the access tokens POST /oauth/token issues, and the issuer they are verified against. */
    TOKEN_ISSUER: z.string().min(1).default('skolebro'),
    /** `aud` of the access tokens (and of external OIDC tokens unless OIDC_AUDIENCE is set). */
    TOKEN_AUDIENCE: z.string().min(1).default('skolebro-api'),
    /** Lifetime of an access token; partner apps fetch a new one when it runs out. */
    TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
    /**
     * PKCS#8 PEM private key (Ed25519 → EdDSA, or P-256 → ES256) signing the access tokens; `\n`
     * escapes are accepted for one-line env files. Required in production; otherwise an ephemeral
     * key is generated per process.
     */
    TOKEN_SIGNING_KEY: z
      .string()
      .transform((pem) => pem.replace(/\\n/g, '\n'))
      .refine((pem) => signingKeyProblem(pem) === null, { error: 'must be a PKCS#8 PEM Ed25519 or P-256 (prime256v1) private key' })
      .optional(),
    /** Public keys (JSON JWK set or array of JWKs) of retired signing keys, still published and accepted during rotation. */
    TOKEN_PREVIOUS_PUBLIC_KEYS: z
      .string()
      .refine((json) => previousKeysProblem(json) === null, { error: 'must be a JSON JWK set ({"keys":[…]}) or array of public EC/OKP JWKs' })
      .optional(),
    /** External OpenID Connect issuer whose access tokens are accepted too (exact `iss` value). */
    OIDC_ISSUER: z.string().min(1).optional(),
    /** JWKS URL of OIDC_ISSUER (fetched and cached; unknown `kid`s trigger a refetch). */
    OIDC_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** `aud` required in external tokens; defaults to TOKEN_AUDIENCE. */
    OIDC_AUDIENCE: z.string().min(1).optional(),
    /** Oldest `iat` accepted in external tokens, whatever their `exp` says: a leaked long-lived token stops working. */
    OIDC_MAX_TOKEN_AGE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** Identity matching: a unique best candidate scoring at least this is linked automatically. */
    MATCH_AUTO_THRESHOLD: z.coerce.number().min(0).max(1).default(0.9),
    /** Identity matching: candidates from this score up (below auto, or ambiguous) wait for review. */
    MATCH_REVIEW_THRESHOLD: z.coerce.number().min(0).max(1).default(0.7),
    /** Identity matching: a second candidate within this of the best makes a match ambiguous. */
    MATCH_MARGIN: z.coerce.number().min(0).max(1).default(0.1),
    /** Defaults: info, or silent under NODE_ENV=test. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.MATCH_REVIEW_THRESHOLD > env.MATCH_AUTO_THRESHOLD) {
      ctx.addIssue({ code: 'custom', path: ['MATCH_REVIEW_THRESHOLD'], message: 'must not exceed MATCH_AUTO_THRESHOLD' });
    }
    if (env.NODE_ENV === 'production' && !env.CPR_HMAC_KEY) {
      ctx.addIssue({ code: 'custom', path: ['CPR_HMAC_KEY'], message: 'is required in production' });
    }
    if (env.NODE_ENV === 'production' && !env.TOKEN_SIGNING_KEY) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_SIGNING_KEY'], message: 'is required in production' });
    }
    if (Boolean(env.OIDC_ISSUER) !== Boolean(env.OIDC_JWKS_URL)) {
      ctx.addIssue({ code: 'custom', path: [env.OIDC_ISSUER ? 'OIDC_JWKS_URL' : 'OIDC_ISSUER'], message: 'is required with the other OIDC_ setting' });
    }
    if (env.OIDC_ISSUER && env.OIDC_ISSUER === env.TOKEN_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'must differ from TOKEN_ISSUER' });
    }
    if (env.NODE_ENV === 'production' && env.OIDC_JWKS_URL && !env.OIDC_JWKS_URL.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_JWKS_URL'], message: 'must be https in production' });
    }
  });

export type Config = Omit<z.infer<typeof ConfigSchema>, 'CPR_HMAC_KEY'> & { CPR_HMAC_KEY: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment once at boot; every problem is reported on one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return { ...parsed.data, CPR_HMAC_KEY: parsed.data.CPR_HMAC_KEY ?? DEV_CPR_HMAC_KEY };
}

/** Why a PEM cannot sign access tokens, or null when it can (Ed25519 or P-256 PKCS#8). */
export function signingKeyProblem(pem: string): string | null {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType === 'ed25519') return null;
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return null;
    return `unsupported key type ${key.asymmetricKeyType}`;
  } catch {
    return 'not a PEM private key';
  }
}

/** Why TOKEN_PREVIOUS_PUBLIC_KEYS is unusable, or null. */
export function previousKeysProblem(json: string): string | null {
  try {
    const parsed: unknown = JSON.parse(json);
    const keys: unknown = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) return 'not a key set';
    const ok = keys.every((k) => k && typeof k === 'object' && ['EC', 'OKP'].includes((k as { kty?: string }).kty ?? '') && !('d' in k));
    return ok ? null : 'only public EC/OKP keys';
  } catch {
    return 'not JSON';
  }
}

/** host:port/db of a connection URL, without credentials, for messages. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? '6379' : '5432')}${u.pathname === '/' ? '' : u.pathname}`;
}
