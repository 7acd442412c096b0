import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import { jose } from './jose';
import { PartnerRole } from './partner-role';
import { isPurpose, parseScope } from './purposes';

/** Algorithms of our own tokens: never `none`, never HS* (a public key must not work as an HMAC secret). */
export const HUB_ALGORITHMS = ['EdDSA', 'ES256'] as const;
type HubAlgorithm = (typeof HUB_ALGORITHMS)[number];
/** Asymmetric algorithms accepted from an external OIDC issuer. */
export const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** RFC 9068 `typ` of JWT access tokens: an ID token or other JWT of ours cannot pass as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Allowed clock skew between the hub's processes and external issuers. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Verified tokens remembered (oldest dropped first). */
const VERIFIED_CACHE_SIZE = 10_000;

/** Custom claims of our access tokens (besides iss, aud, sub, exp, iat, jti, client_id, scope). */
export const CLAIMS = {
  partnerAppId: 'partner_app_id',
  municipalityId: 'municipality_id',
  role: 'role',
  /** Digest of the app's secret hash at issuance: rotating the secret invalidates the tokens. */
  credential: 'cred',
} as const;

export type TokenConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'TOKEN_ISSUER'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_TTL_SECONDS'
  | 'TOKEN_SIGNING_KEY'
  | 'TOKEN_PREVIOUS_PUBLIC_KEYS'
  | 'OIDC_ISSUER'
  | 'OIDC_JWKS_URL'
  | 'OIDC_AUDIENCE'
  | 'OIDC_MAX_TOKEN_AGE_SECONDS'
>;

/** Whom a token is for: a partner app, with the purposes granted to this token. */
export interface TokenSubject {
  partnerAppId: string;
  clientId: string;
  municipalityId: string;
  role: PartnerRole;
  purposes: string[];
  /** `credentialVersion(app.secretHash)` */
  credential: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/** A token that passed signature, issuer, audience, lifetime and shape checks. */
export type VerifiedToken =
  | {
      kind: 'hub';
      partnerAppId: string;
      clientId: string;
      municipalityId: string;
      role: PartnerRole;
      purposes: string[];
      credential: string | null;
      jti: string;
      expiresAt: Date;
    }
  | {
      /** From OIDC_ISSUER: only the client id is taken from it; the rest comes from our partner_app row. */
      kind: 'external';
      clientId: string;
      /** The token's `scope`/`scp` values, or null when it has neither claim (they narrow the app's purposes, never widen them). */
      scopes: string[] | null;
      expiresAt: Date;
    };

export type TokenProblem = 'malformed' | 'expired' | 'invalid' | 'issuer' | 'audience' | 'claims' | 'unavailable';

/** Why a token was refused. Messages are short and never contain the token. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The `cred` claim: changes whenever the app's secret is rotated. */
export function credentialVersion(secretHash: string): string {
  return createHash('sha256').update(secretHash).digest('base64url').slice(0, 16);
}

interface SigningKey {
  alg: HubAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

function algorithmOf(key: KeyObject): HubAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType}`);
}

function algorithmOfJwk(jwk: JWK): string | undefined {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

/** Only public members: never publish `d` even if a misconfigured key set carried it. */
function publicOnly(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y }).filter(([, v]) => v !== undefined)) as JWK;
}

async function loadSigningKey(pem: string): Promise<SigningKey> {
  const keyObject = createPrivateKey({ key: pem, format: 'pem' });
  const alg = algorithmOf(keyObject);
  const publicJwk = publicOnly(createPublicKey(keyObject).export({ format: 'jwk' }) as JWK);
  const kid = await jose.calculateJwkThumbprint(publicJwk);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string;
  const privateKey = await jose.importPKCS8(pkcs8, alg);
  return { alg, kid, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

async function loadPreviousKeys(json: string | undefined): Promise<JWK[]> {
  if (!json) return [];
  const parsed = JSON.parse(json) as JWK[] | { keys: JWK[] };
  const keys = Array.isArray(parsed) ? parsed : parsed.keys;
  return Promise.all(
    keys.map(async (k) => {
      const pub = publicOnly(k);
      return { ...pub, kid: k.kid ?? (await jose.calculateJwkThumbprint(pub)), alg: algorithmOfJwk(k), use: 'sig' };
    }),
  );
}

function joseProblem(err: unknown, remoteKeys = false): TokenError {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenError('expired', 'access token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss') return new TokenError('issuer', 'access token issuer not accepted');
      if (e.claim === 'aud') return new TokenError('audience', 'access token audience not accepted');
      return new TokenError('claims', 'access token claims not accepted');
    case 'ERR_JWKS_TIMEOUT':
      return new TokenError('unavailable', 'the token issuer keys could not be fetched');
    default:
      // jose's own errors say the token is bad; anything else (a failed JWKS fetch) is ours.
      if (remoteKeys && !(typeof e.code === 'string' && e.code.startsWith('ERR_J'))) {
        return new TokenError('unavailable', 'the token issuer keys could not be fetched');
      }
      return new TokenError('invalid', 'access token is not valid');
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Issues and verifies the hub's access tokens (JWT, RFC 9068 profile) and, when configured,
 * verifies access tokens of an external OIDC issuer against its JWKS.
 */
export class TokenService {
  private readonly localKeys: JWTVerifyGetKey;
  private readonly external?: { issuer: string; audience: string; maxAgeSeconds: number; keys: JWTVerifyGetKey };

  private constructor(
    private readonly config: TokenConfig,
    private readonly signing: SigningKey,
    private readonly previous: JWK[],
    /** True when the key was generated at startup (development and test only). */
    readonly ephemeral: boolean,
  ) {
    this.localKeys = jose.createLocalJWKSet(this.jwks());
    if (config.OIDC_ISSUER && config.OIDC_JWKS_URL) {
      this.external = {
        issuer: config.OIDC_ISSUER,
        audience: config.OIDC_AUDIENCE ?? config.TOKEN_AUDIENCE,
        maxAgeSeconds: config.OIDC_MAX_TOKEN_AGE_SECONDS,
        keys: jose.createRemoteJWKSet(new URL(config.OIDC_JWKS_URL), {
          timeoutDuration: 5_000,
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
        }),
      };
    }
  }

  /**
   * TOKEN_SIGNING_KEY, or (development and test only) a key generated for this process: its
   * tokens are valid only for this process and until it stops.
   */
  static async fromConfig(config: TokenConfig, logger?: Pick<Logger, 'warn'>): Promise<TokenService> {
    let pem = config.TOKEN_SIGNING_KEY;
    const ephemeral = !pem;
    if (!pem) {
      if (config.NODE_ENV === 'production') throw new Error('TOKEN_SIGNING_KEY is required in production');
      pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      if (config.NODE_ENV === 'development') {
        logger?.warn('TOKEN_SIGNING_KEY is not set: access tokens are signed with a key generated for this process');
      }
    }
    return new TokenService(config, await loadSigningKey(pem), await loadPreviousKeys(config.TOKEN_PREVIOUS_PUBLIC_KEYS), ephemeral);
  }

  get issuer(): string {
    return this.config.TOKEN_ISSUER;
  }

  get audience(): string {
    return this.config.TOKEN_AUDIENCE;
  }

  get ttlSeconds(): number {
    return this.config.TOKEN_TTL_SECONDS;
  }

  get keyId(): string {
    return this.signing.kid;
  }

  get algorithm(): string {
    return this.signing.alg;
  }

  /** The public keys tokens may be signed with (current first), for GET /.well-known/jwks.json. */
  jwks(): JSONWebKeySet {
    const current = this.signing.publicJwk;
    return { keys: [{ ...current }, ...this.previous.filter((k) => k.kid !== current.kid).map((k) => ({ ...k }))] };
  }

  async issue(subject: TokenSubject): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const scope = subject.purposes.join(' ');
    const accessToken = await new jose.SignJWT({
      client_id: subject.clientId,
      scope,
      [CLAIMS.partnerAppId]: subject.partnerAppId,
      [CLAIMS.municipalityId]: subject.municipalityId,
      [CLAIMS.role]: subject.role,
      [CLAIMS.credential]: subject.credential,
    })
      .setProtectedHeader({ alg: this.signing.alg, kid: this.signing.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(subject.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.signing.privateKey);
    return { accessToken, expiresIn: this.ttlSeconds, scope };
  }

  /** Verifies a bearer token; throws TokenError with a short reason. */
  /**
   * A token's signature and claims do not change, so a verified token is remembered until it
   * expires (bounded): the rate limiter and authentication each ask once per request. Revocation
   * is not affected — `authenticate` checks the partner app's row on every request.
   */
  private readonly verified = new Map<string, VerifiedToken>();

  async verify(token: string): Promise<VerifiedToken> {
    const known = this.verified.get(token);
    if (known && known.expiresAt.getTime() > Date.now()) return known;
    const result = await this.verifyUncached(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, result);
    return result;
  }

  private async verifyUncached(token: string): Promise<VerifiedToken> {
    if (this.verified.has(token)) this.verified.delete(token);
    let iss: string | undefined;
    try {
      iss = str(jose.decodeJwt(token).iss);
    } catch {
      throw new TokenError('malformed', 'access token is malformed');
    }
    if (iss === this.issuer) return this.verifyHub(token);
    if (this.external && iss === this.external.issuer) return this.verifyExternal(token, this.external);
    throw new TokenError('issuer', 'access token issuer not accepted');
  }

  private async verifyHub(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, this.localKeys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: [...HUB_ALGORITHMS],
        typ: ACCESS_TOKEN_TYP,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: this.ttlSeconds + CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      }));
    } catch (err) {
      throw joseProblem(err);
    }
    const partnerAppId = str(payload[CLAIMS.partnerAppId]);
    const municipalityId = str(payload[CLAIMS.municipalityId]);
    const role = str(payload[CLAIMS.role]) as PartnerRole | undefined;
    const purposes = parseScope(str(payload.scope) ?? '');
    const clientId = str(payload.sub)!;
    const valid =
      partnerAppId &&
      municipalityId &&
      role &&
      (Object.values(PartnerRole) as string[]).includes(role) &&
      purposes.length > 0 &&
      purposes.every(isPurpose) &&
      (payload.client_id === undefined || payload.client_id === clientId);
    if (!valid) throw new TokenError('claims', 'access token claims not accepted');
    return {
      kind: 'hub',
      partnerAppId,
      clientId,
      municipalityId,
      role,
      purposes,
      credential: str(payload[CLAIMS.credential]) ?? null,
      jti: str(payload.jti)!,
      expiresAt: new Date(payload.exp! * 1000),
    };
  }

  private async verifyExternal(token: string, external: NonNullable<TokenService['external']>): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, external.keys, {
        issuer: external.issuer,
        audience: external.audience,
        algorithms: EXTERNAL_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // An IdP may issue tokens valid for days; we accept them only while they are fresh.
        maxTokenAge: external.maxAgeSeconds,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (err) {
      throw joseProblem(err, true);
    }
    const clientId = str(payload.client_id) ?? str(payload.azp) ?? str(payload.sub);
    if (!clientId) throw new TokenError('claims', 'access token names no client');
    const scp = payload.scp;
    const scopes =
      payload.scope === undefined && scp === undefined
        ? null
        : [
            ...parseScope(str(payload.scope) ?? ''),
            ...(Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : parseScope(str(scp) ?? '')),
          ];
    // Remembered no longer than the age limit allows, or the cache would outlive it.
    const expiresAt = Math.min(payload.exp!, payload.iat! + external.maxAgeSeconds + CLOCK_TOLERANCE_SECONDS);
    return { kind: 'external', clientId, scopes, expiresAt: new Date(expiresAt * 1000) };
  }
}
