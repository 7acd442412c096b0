import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Client credentials of partner apps. The secret is 256 random bits, shown once when an app is
 * registered or its secret rotated; only an scrypt hash is stored:
 * `scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>`, so the cost can be raised later
 * without invalidating stored hashes.
 */

export const CLIENT_ID_PREFIX = 'sb_';
export const CLIENT_SECRET_PREFIX = 'sbs_';

/** Cost of new hashes: 16 MiB, tens of milliseconds. Secrets are random, so this is plenty. */
const PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Bounds for parameters read back from the database, so a bad row cannot exhaust memory. */
const MAX = { N: 2 ** 20, r: 32, p: 16 };

/** `sb_` + 96 random bits, base64url: safe in URLs, form bodies and HTTP Basic (no `:`). */
export function generateClientId(): string {
  return CLIENT_ID_PREFIX + randomBytes(12).toString('base64url');
}

/** `sbs_` + 256 random bits, base64url. The prefix lets secret scanners recognise leaked secrets. */
export function generateClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function scryptAsync(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

const maxmem = (N: number, r: number, p: number) => 128 * N * r * (p + 1) + 1024 * 1024;

export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = PARAMS;
  const hash = await scryptAsync(secret, salt, HASH_BYTES, { N, r, p, maxmem: maxmem(N, r, p) });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX.N || !Number.isInteger(r) || r < 1 || r > MAX.r || !Number.isInteger(p) || p < 1 || p > MAX.p) return null;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

/** Constant-time comparison of a presented secret with a stored hash; false for any malformed hash. */
export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const { N, r, p, salt, hash } = parsed;
  const candidate = await scryptAsync(secret, salt, hash.length, { N, r, p, maxmem: maxmem(N, r, p) });
  return timingSafeEqual(candidate, hash);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same work as a real verification against a throw-away hash, so an unknown client id
 * answers no faster than a wrong secret.
 */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  dummy ??= hashClientSecret(generateClientSecret());
  await verifyClientSecret(secret, await dummy);
  return false;
}
