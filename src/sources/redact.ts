import { CPR_MASK, isCprNumber, redactCpr } from '../identity/cpr';

const CPR_KEY = /cpr|personnummer/i;

/**
 * A copy of a source payload safe to store in quarantine: CPR fields masked whole, and
 * CPR-shaped text, keys and numbers (a spreadsheet or JSON source may carry one as a number) masked.
 */
export function redactPayload(value: unknown, key = ''): unknown {
  if (CPR_KEY.test(key) && value !== null && value !== undefined) return '[redacted]';
  if (typeof value === 'string') return redactCpr(value);
  if (typeof value === 'number') return isCprNumber(value) ? CPR_MASK : value;
  if (Array.isArray(value)) return value.map((v) => redactPayload(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactCpr(k), redactPayload(v, k)]));
  }
  return value;
}
