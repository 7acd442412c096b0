import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123143036 } from './Migration20261123143036';
import { Migration20261123152507 } from './Migration20261123152507';
import { Migration20261123190000 } from './Migration20261123190000';
import { Migration20261123191500 } from './Migration20261123191500';
import { Migration20261123200000 } from './Migration20261123200000';
import { Migration20261123210000 } from './Migration20261123210000';
import { Migration20261123220000 } from './Migration20261123220000';
import { Migration20261123230000 } from './Migration20261123230000';
import { Migration20261123231000 } from './Migration20261123231000';
import { Migration20261124000000 } from './Migration20261124000000';
import { Migration20261124010000 } from './Migration20261124010000';
import { Migration20261124020000 } from './Migration20261124020000';
import { Migration20261124030000 } from './Migration20261124030000';
import { Migration20261124040000 } from './Migration20261124040000';
import { Migration20261124050000 } from './Migration20261124050000';
import { Migration20261124060000 } from './Migration20261124060000';
import { Migration20261124070000 } from './Migration20261124070000';
import { Migration20261124080000 } from './Migration20261124080000';
import { Migration20261124090000 } from './Migration20261124090000';

/** Committed migrations in order. `npm run migration:create` writes a file here; add it below. */
export const MIGRATIONS: MigrationObject[] = [
  // The canonical model (DESIGN.md).
  { name: 'Migration20261123143036', class: Migration20261123143036 },
  // Sync runner: cursors per stream, keys seen in a full resync, source settings, open-quarantine key.
  { name: 'Migration20261123152507', class: Migration20261123152507 },
  // Admin API: who resolved a quarantine entry, and why.
  { name: 'Migration20261123190000', class: Migration20261123190000 },
  // Row-level security per municipality for partner reads; audit log append-only, with a target.
  { name: 'Migration20261123191500', class: Migration20261123191500 },
  // School connectors: minimisation counts, pending summary recomputes, UNI-Login lookups.
  { name: 'Migration20261123200000', class: Migration20261123200000 },
  // Identity matching: pupil records held for matching, remembered rejections, review evidence, row provenance.
  { name: 'Migration20261123210000', class: Migration20261123210000 },
  // mergeChildren: merged children kept as tombstones, suspended consents, merge events.
  { name: 'Migration20261123220000', class: Migration20261123220000 },
  // Partner reads never reach the identity-matching tables.
  { name: 'Migration20261123230000', class: Migration20261123230000 },
  // A first full pass over an empty school table records no seen keys (nothing to sweep).
  { name: 'Migration20261123231000', class: Migration20261123231000 },
  // attendance_day keeps its references with set-based triggers, not per-row foreign key checks.
  { name: 'Migration20261124000000', class: Migration20261124000000 },
  // Access-log retention: the oldest events are found by time.
  { name: 'Migration20261124010000', class: Migration20261124010000 },
  // attendance_day keyed by (child_id, date): no surrogate key to maintain on the bulk path.
  { name: 'Migration20261124020000', class: Migration20261124020000 },
  // A requested full resync waits on its source until a full pass satisfies it.
  { name: 'Migration20261124030000', class: Migration20261124030000 },
  // The partner reader role reads only the tables a partner read needs (no default grants).
  { name: 'Migration20261124040000', class: Migration20261124040000 },
  // The municipal school calendar: days present for absence-only sources (Danish CSV).
  { name: 'Migration20261124050000', class: Migration20261124050000 },
  // Consent terms and provisions are never updated in place (only status, child on merge).
  { name: 'Migration20261124060000', class: Migration20261124060000 },
  // A merged child's tombstone keeps who merged it and when.
  { name: 'Migration20261124070000', class: Migration20261124070000 },
  // Stored health free text cleared; consent provisions never deleted, consents never re-activated.
  { name: 'Migration20261124080000', class: Migration20261124080000 },
  // Consents are never deleted while their child exists.
  { name: 'Migration20261124090000', class: Migration20261124090000 },
];
