/**
 * Optional confinement for every file-drop source (CSV export, OneRoster CSV bundle): when set,
 * a source's drop directory must lie inside this directory, so an admin cannot point a source
 * at another municipality's files or anywhere else on the server.
 */
export const DROP_ROOT_ENV = 'SKOLEBRO_DROP_ROOT';

/**
 * Whether a dropped file has stopped changing: its mtime lies at least `settleMs` in the past.
 * A settle time of 0 means "never wait" — file mtimes carry sub-millisecond fractions and can lie
 * a fraction of a millisecond after `Date.now()`, so the plain comparison would hold back a file
 * written in the same millisecond.
 */
export function hasSettled(mtimeMs: number, now: number, settleMs: number): boolean {
  return settleMs <= 0 || now - mtimeMs >= settleMs;
}
