import { redactCprDeep } from '../identity/cpr';

const CPR_KEY = /cpr|personnummer/i;

/**
 * A copy of a source payload safe to store in quarantine: CPR fields masked whole, and
 * CPR-shaped text, keys and numbers (a spreadsheet or JSON source may carry one as a number) masked.
 */
export function redactPayload(value: unknown): unknown {
  return redactCprDeep(value, CPR_KEY);
}
