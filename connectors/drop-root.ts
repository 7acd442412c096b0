/**
 * Optional confinement for every file-drop source (CSV export, OneRoster CSV bundle): when set,
 * a source's drop directory must lie inside this directory, so an admin cannot point a source
 * at another municipality's files or anywhere else on the server.
 */
export const DROP_ROOT_ENV = 'SKOLEBRO_DROP_ROOT';
