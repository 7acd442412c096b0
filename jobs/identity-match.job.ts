import type { Job, Queue } from 'bullmq';
import type { Logger } from '../src/platform/logger';
import { matchSourcePupils, type IdentityMatchCounts } from '../src/identity/identity-matching.service';
import type { MatchThresholds } from '../src/identity/matching';
import type { Orm } from '../src/platform/db/orm';
import { SyncMode } from '../src/sources/sync-run.entity';
import { enqueueIdentityMatch, enqueueSync, type IdentityMatchJobData } from './queues';

export interface IdentityMatchJobContext {
  orm: Orm;
  thresholds: MatchThresholds;
  /** Where matches of a case system's school sources are queued. */
  maintenance: Queue;
  /** Where the full sync after new links is queued. */
  sync: Queue;
  logger: Logger;
}

export type IdentityMatchJobResult =
  | { skipped: string }
  | { fannedOut: string[] }
  | { counts: IdentityMatchCounts; followUpSyncJobId?: string };

/**
 * Matches a source's pupil records (after each sync, and on demand). A case-system sync may have
 * brought new hub children: every school source of its municipality is then matched again, all
 * records not linked included. New links get their school data from a full sync of the source
 * (the sync before the match dropped it). That sync's own match finds nothing new — its records
 * are unchanged and already decided, and linked ones are never re-decided — so it triggers no
 * further sync: each follow-up needs a record that moved to linked, and records only move there once.
 */
export async function runIdentityMatchJob(ctx: IdentityMatchJobContext, job: Pick<Job<IdentityMatchJobData>, 'data'>): Promise<IdentityMatchJobResult> {
  const { sourceSystemId, all } = job.data;
  const log = ctx.logger.child({ job: 'identity-match', sourceSystemId });
  const outcome = await matchSourcePupils(ctx.orm.em.fork(), sourceSystemId, ctx.thresholds, { all });
  if (outcome.kind === 'unknown_source') {
    log.warn('identity match skipped: the source no longer exists');
    return { skipped: 'unknown source' };
  }
  if (outcome.kind === 'fan_out') {
    for (const id of outcome.schoolSourceIds) await enqueueIdentityMatch(ctx.maintenance, { sourceSystemId: id, all: true });
    log.info({ schoolSources: outcome.schoolSourceIds.length }, 'identity match queued for the school sources of the municipality');
    return { fannedOut: outcome.schoolSourceIds };
  }
  const { counts } = outcome;
  let followUpSyncJobId: string | undefined;
  if (counts.newLinks > 0) followUpSyncJobId = (await enqueueSync(ctx.sync, { sourceSystemId, mode: SyncMode.Full })).id;
  log.info({ counts, followUpSyncJobId }, 'identity match done');
  return { counts, followUpSyncJobId };
}
