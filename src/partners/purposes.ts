/**
 * Purposes name why a partner app asks (e.g. `school_support`, `evaluation`); consent is given
 * per purpose. They are lowercase snake identifiers, also used as OAuth scope tokens.
 */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;
export const PURPOSE_RULE = 'lowercase letters, digits and underscores, starting with a letter, 2-64 characters';
export const MAX_PURPOSES = 32;

export function isPurpose(value: string): boolean {
  return PURPOSE_PATTERN.test(value);
}

/** Splits an OAuth `scope` (RFC 6749 §3.3: space-delimited) into its tokens; empty → []. */
export function parseScope(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}
