import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { jose } from '../../src/partners/jose';

/** A PKCS#8 PEM key pair, as TOKEN_SIGNING_KEY takes it. */
export function ed25519Pem(): { pem: string; privateKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, privateKey };
}

export function p256Pem(): { pem: string; privateKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, privateKey };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of a well-formed hub token, to be overridden per test. */
export function hubClaims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    iss: 'skolebro',
    aud: 'skolebro-api',
    sub: 'sb_test',
    client_id: 'sb_test',
    scope: 'school_support',
    partner_app_id: randomUUID(),
    municipality_id: randomUUID(),
    role: 'school',
    cred: 'x',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...over,
  };
}

/** Signs arbitrary claims with an Ed25519/P-256 key (PEM), as an attacker or a stale issuer would. */
export async function signWith(
  pem: string,
  claims: Record<string, unknown>,
  header: { alg?: string; kid?: string; typ?: string } = {},
): Promise<string> {
  const key = createPublicKey(pem).asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'ES256';
  const alg = header.alg ?? key;
  const privateKey = await jose.importPKCS8(pem, alg);
  return new jose.SignJWT(claims).setProtectedHeader({ typ: 'at+jwt', ...header, alg }).sign(privateKey);
}

/** An unsecured JWT (`alg: none`). */
export function unsigned(claims: Record<string, unknown>, kid?: string): string {
  return `${b64({ alg: 'none', typ: 'at+jwt', ...(kid ? { kid } : {}) })}.${b64(claims)}.`;
}

/** HS256 "signed" with the public key as the HMAC secret: the classic algorithm-confusion forgery. */
export function hmacWithPublicKey(claims: Record<string, unknown>, publicKeyMaterial: string, kid?: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'at+jwt', ...(kid ? { kid } : {}) })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', publicKeyMaterial).update(input).digest('base64url')}`;
}
