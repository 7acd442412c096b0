import { createHmac } from 'node:crypto';

/** DDMMYY-SSSS, with or without the hyphen. */
const CPR_PATTERN = /^(\d{6})-?(\d{4})$/;
/** Anything in free text that looks like a CPR number. */
const CPR_IN_TEXT = /\b\d{6}-?\d{4}\b/g;

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
  return text.replace(CPR_IN_TEXT, '••••••-••••');
}
