import { createHmac } from 'node:crypto';

/** DDMMYY-SSSS, DDMMYYSSSS or DDMMYY SSSS. */
const CPR_PATTERN = /^(\d{6})[- ]?(\d{4})$/;
/**
 * Anything in free text that looks like a CPR number, in any of those forms, also glued to a word
 * or letter (`cpr7103121234`, `elevid7103121234`, `ab7103121234`): masked unless more digits are
 * glued on (a longer number). UUIDs and digests (hex runs of 32+ characters with a letter: MD5,
 * SHA-1, SHA-256 …) are matched by their whole shape first and kept, so a digit run inside them
 * is not masked; a shorter hex id holding a CPR-shaped run is masked — a few ids too many in a
 * log beat one CPR number. ISO dates (2024-01-15) never have the 6+4 shape. Only group 1 (the
 * CPR) is replaced; see redactCpr.
 */
const CPR_IN_TEXT =
  /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{32,}|(?<!\p{N})(\d{6}[- ]?\d{4})(?!\p{N})/gu;
/** What a CPR number is replaced with. */
export const CPR_MASK = '••••••-••••';

export class InvalidCprError extends Error {
  override name = 'InvalidCprError';
}

/** The 10 digits of a CPR number; throws on anything else (the number is never echoed). */
export function normaliseCpr(cpr: string): string {
  const m = CPR_PATTERN.exec(cpr.trim());
  if (!m) throw new InvalidCprError('not a CPR number (expected DDMMYY-SSSS)');
  return m[1] + m[2];
}

/**
 * Keyed hash used for matching: the hub never stores, logs or returns a clear CPR
 * number (databeskyttelsesloven §11 allows processing it for unique identification).
 */
export function cprHmac(cpr: string, key: string): string {
  return createHmac('sha256', key).update(normaliseCpr(cpr)).digest('hex');
}

/** Replaces anything CPR-shaped in text (logs, error messages, quarantined payloads). */
export function redactCpr(text: string): string {
  return text.replace(CPR_IN_TEXT, (match, cpr: string | undefined) => (cpr === undefined ? match : CPR_MASK));
}

/**
 * A CPR number carried as a JSON number: an integer of 9–10 digits (a leading 0 is lost) whose
 * DDMM can be a birth date (day + 60 for replacement numbers). The date check keeps most other
 * integers (counts, seconds since 1970) intact.
 */
export function isCprNumber(value: number): boolean {
  if (!Number.isInteger(value) || value < 1e8 || value >= 1e10) return false;
  const digits = String(value).padStart(10, '0');
  const day = Number(digits.slice(0, 2));
  const month = Number(digits.slice(2, 4));
  return month >= 1 && month <= 12 && ((day >= 1 && day <= 31) || (day >= 61 && day <= 91));
}

/**
 * A copy of a JSON value with CPR-shaped strings, keys and numbers masked, at any depth. Values
 * under a key `maskWhole` names (a source's `cpr` field) are replaced whole by `[redacted]`.
 */
export function redactCprDeep(value: unknown, maskWhole?: RegExp, key = ''): unknown {
  if (maskWhole?.test(key) && value !== null && value !== undefined) return '[redacted]';
  if (typeof value === 'string') return redactCpr(value);
  if (typeof value === 'number') return isCprNumber(value) ? CPR_MASK : value;
  if (Array.isArray(value)) return value.map((v) => redactCprDeep(v, maskWhole));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactCpr(k), redactCprDeep(v, maskWhole, k)]));
  }
  return value;
}
