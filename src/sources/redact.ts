import { redactCpr } from '../identity/cpr';

const CPR_KEY = /cpr|personnummer/i;

/** A copy of a source payload safe to store in quarantine: CPR fields and CPR-shaped text masked. */
export function redactPayload(value: unknown, key = ''): unknown {
  if (CPR_KEY.test(key) && value !== null && value !== undefined) return '[redacted]';
  if (typeof value === 'string') return redactCpr(value);
  if (Array.isArray(value)) return value.map((v) => redactPayload(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactPayload(v, k)]));
  }
  return value;
}
