import { createPublicKey, randomUUID } from 'node:crypto';
import { generateClientId, generateClientSecret, hashClientSecret, verifyClientSecret } from '../../src/partners/client-secret';
import { jose } from '../../src/partners/jose';
import { PartnerRole } from '../../src/partners/partner-role';
import { TokenError, TokenService, type TokenSubject } from '../../src/partners/tokens';
import { loadConfig } from '../../src/platform/config';
import { ed25519Pem, hmacWithPublicKey, hubClaims, nowSeconds, p256Pem, signWith, unsigned } from './token-helpers';

const subject = (over: Partial<TokenSubject> = {}): TokenSubject => ({
  partnerAppId: randomUUID(),
  clientId: 'sb_abc',
  municipalityId: randomUUID(),
  role: PartnerRole.School,
  purposes: ['school_support', 'evaluation'],
  credential: 'c1',
  ...over,
});

const config = (over: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', ...over });

async function refusal(tokens: TokenService, token: string): Promise<TokenError> {
  const err = await tokens.verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

describe('client secrets', () => {
  it('are random, prefixed, and stored as an scrypt hash with its parameters', async () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^sbs_[A-Za-z0-9_-]{43}$/);
    expect(generateClientId()).toMatch(/^sb_[A-Za-z0-9_-]{16}$/);
    expect(generateClientSecret()).not.toBe(secret);
    const hash = await hashClientSecret(secret);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(secret.slice(4));
    expect(await hashClientSecret(secret)).not.toBe(hash); // random salt
    expect(await verifyClientSecret(secret, hash)).toBe(true);
    expect(await verifyClientSecret(secret + 'x', hash)).toBe(false);
    expect(await verifyClientSecret('', hash)).toBe(false);
  });

  it('refuse malformed or absurd stored hashes instead of trying them', async () => {
    const secret = generateClientSecret();
    const [, , , , salt, hash] = (await hashClientSecret(secret)).split('$');
    for (const stored of ['', 'plain', `bcrypt$16384$8$1$${salt}$${hash}`, `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, `scrypt$16384$8$1$$${hash}`]) {
      expect(await verifyClientSecret(secret, stored)).toBe(false);
    }
  });
});

describe('configuration of tokens', () => {
  it('has defaults and requires a signing key in production', () => {
    expect(config()).toMatchObject({ TOKEN_ISSUER: 'skolebro', TOKEN_AUDIENCE: 'skolebro-api', TOKEN_TTL_SECONDS: 600 });
    expect(() => loadConfig({ NODE_ENV: 'production', CPR_HMAC_KEY: 'k'.repeat(40) })).toThrow(/TOKEN_SIGNING_KEY is required in production/);
    const { pem } = ed25519Pem();
    expect(loadConfig({ NODE_ENV: 'production', CPR_HMAC_KEY: 'k'.repeat(40), TOKEN_SIGNING_KEY: pem }).TOKEN_SIGNING_KEY).toBe(pem);
  });

  it('accepts a one-line PEM with \\n escapes and refuses keys it cannot sign with, without echoing them', () => {
    const { pem } = ed25519Pem();
    expect(config({ TOKEN_SIGNING_KEY: pem.replace(/\n/g, '\\n') }).TOKEN_SIGNING_KEY).toBe(pem);
    const notAKey = 'secret-looking-but-not-a-key';
    expect(() => config({ TOKEN_SIGNING_KEY: notAKey })).toThrow(/TOKEN_SIGNING_KEY must be a PKCS#8 PEM/);
    expect(() => config({ TOKEN_SIGNING_KEY: notAKey })).not.toThrow(new RegExp(notAKey));
    expect(() => config({ OIDC_ISSUER: 'https://idp.example' })).toThrow(/OIDC_JWKS_URL is required/);
    expect(() => config({ OIDC_ISSUER: 'skolebro', OIDC_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/OIDC_ISSUER must differ/);
    expect(() => config({ TOKEN_TTL_SECONDS: '86400' })).toThrow(/TOKEN_TTL_SECONDS/);
  });
});

describe('TokenService', () => {
  it('issues EdDSA access tokens with the documented claims, verifiable with its JWKS', async () => {
    const tokens = await TokenService.fromConfig(config());
    expect(tokens.ephemeral).toBe(true);
    const s = subject();
    const issued = await tokens.issue(s);
    expect(issued).toMatchObject({ expiresIn: 600, scope: 'school_support evaluation' });

    const jwks = tokens.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: tokens.keyId });
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const { payload, protectedHeader } = await jose.jwtVerify(issued.accessToken, jose.createLocalJWKSet(jwks), {
      issuer: 'skolebro',
      audience: 'skolebro-api',
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: tokens.keyId, typ: 'at+jwt' });
    expect(payload).toMatchObject({
      sub: s.clientId,
      client_id: s.clientId,
      partner_app_id: s.partnerAppId,
      municipality_id: s.municipalityId,
      role: 'school',
      scope: 'school_support evaluation',
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);

    expect(await tokens.verify(issued.accessToken)).toMatchObject({
      kind: 'hub',
      partnerAppId: s.partnerAppId,
      municipalityId: s.municipalityId,
      purposes: ['school_support', 'evaluation'],
      credential: 'c1',
    });
  });

  it('signs with a configured P-256 key as ES256, with a stable key id across processes', async () => {
    const { pem } = p256Pem();
    const a = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: pem, TOKEN_TTL_SECONDS: '60' }));
    const b = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: pem }));
    expect(a.ephemeral).toBe(false);
    expect(a.algorithm).toBe('ES256');
    expect(a.keyId).toBe(b.keyId);
    const issued = await a.issue(subject());
    expect(issued.expiresIn).toBe(60);
    expect(await b.verify(issued.accessToken)).toMatchObject({ kind: 'hub' });
  });

  it('refuses expired, forged, unsigned, HMAC-confused, wrongly addressed and malformed tokens', async () => {
    const { pem } = ed25519Pem();
    const tokens = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: pem }));
    const kid = tokens.keyId;
    await expect(tokens.verify(await signWith(pem, hubClaims(), { kid }))).resolves.toMatchObject({ kind: 'hub' });

    const now = nowSeconds();
    const cases: [string, string, string][] = [
      ['expired', await signWith(pem, hubClaims({ iat: now - 700, exp: now - 100 }), { kid }), 'expired'],
      ['signed by another key with our kid', await signWith(ed25519Pem().pem, hubClaims(), { kid }), 'invalid'],
      ['signed by another key', await signWith(ed25519Pem().pem, hubClaims()), 'invalid'],
      ['issued by another hub process', (await (await TokenService.fromConfig(config())).issue(subject())).accessToken, 'invalid'],
      ['alg none', unsigned(hubClaims(), kid), 'invalid'],
      ['HS256 with the public key', hmacWithPublicKey(hubClaims(), createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string, kid), 'invalid'],
      ['HS256 with the JWK x', hmacWithPublicKey(hubClaims(), String(tokens.jwks().keys[0].x), kid), 'invalid'],
      ['wrong audience', await signWith(pem, hubClaims({ aud: 'another-api' }), { kid }), 'audience'],
      ['unknown issuer', await signWith(pem, hubClaims({ iss: 'evil' }), { kid }), 'issuer'],
      ['not an access token (typ)', await signWith(pem, hubClaims(), { kid, typ: 'JWT' }), 'claims'],
      ['lives longer than the TTL', await signWith(pem, hubClaims({ iat: now - 3000, exp: now + 3000 }), { kid }), 'expired'],
      ['no jti', await signWith(pem, hubClaims({ jti: undefined }), { kid }), 'claims'],
      ['bad role', await signWith(pem, hubClaims({ role: 'superuser' }), { kid }), 'claims'],
      ['no purposes', await signWith(pem, hubClaims({ scope: '' }), { kid }), 'claims'],
      ['garbage', 'not-a-jwt', 'malformed'],
      ['three garbage parts', 'a.b.c', 'malformed'],
    ];
    for (const [what, token, problem] of cases) {
      const err = await refusal(tokens, token);
      expect({ what, problem: err.problem }).toEqual({ what, problem });
      expect(err.message).not.toContain(token);
    }
  });

  it('publishes and accepts the previous key during a rotation', async () => {
    const old = ed25519Pem();
    const before = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: old.pem }));
    const oldToken = (await before.issue(subject())).accessToken;
    const previous = JSON.stringify(before.jwks());
    const after = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: ed25519Pem().pem, TOKEN_PREVIOUS_PUBLIC_KEYS: previous }));
    expect(after.jwks().keys.map((k) => k.kid)).toEqual([after.keyId, before.keyId]);
    await expect(after.verify(oldToken)).resolves.toMatchObject({ kind: 'hub' });
    await expect(after.verify((await after.issue(subject())).accessToken)).resolves.toMatchObject({ kind: 'hub' });
    const withoutPrevious = await TokenService.fromConfig(config({ TOKEN_SIGNING_KEY: ed25519Pem().pem }));
    expect((await refusal(withoutPrevious, oldToken)).problem).toBe('invalid');
    expect(() => config({ TOKEN_PREVIOUS_PUBLIC_KEYS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'a', d: 'secret' }] }) })).toThrow(
      /TOKEN_PREVIOUS_PUBLIC_KEYS/,
    );
  });
});
