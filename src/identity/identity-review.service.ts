import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobControl } from '../../jobs/job-control';
import { recordAdminChange } from '../audit/admin-change';
import type { Actor } from '../partners/actor';
import { rawQuery } from '../platform/db/bulk';
import { ADMIN_LOCK_TIMEOUT_MS, lockBoundedTransaction } from '../platform/db/lock-wait';
import { HubError } from '../platform/graphql/errors';
import { recomputeChildSummaries } from '../schooling/attendance-summary.service';
import { SourceSystemKind } from '../sources/source-system.entity';
import { SourcesService } from '../sources/sources.service';
import { SyncMode } from '../sources/sync-run.entity';
import { IdentityLinkMethod, IdentityLinkStatus } from './identity-link.entity';
import { lockSource } from './identity-matching.store';
import { detachLink, rememberRejections, type DetachedRows } from './link-detach';
import type { ProposedCandidate } from './matching/types';

/** Stable `extensions.reason` values of refused identity decisions (code BAD_USER_INPUT). */
export enum RefusalReason {
  /** Case-system records anchor hub children: they are never matched, unlinked or split off. */
  CaseRecordAnchorsChild = 'CASE_RECORD_ANCHORS_CHILD',
  /** The child already has another linked record from the same source. */
  ChildAlreadyLinkedInSource = 'CHILD_ALREADY_LINKED_IN_SOURCE',
  /** The link is not in the status the decision applies to. */
  WrongStatus = 'WRONG_LINK_STATUS',
  /** The record is linked to another child: unlink it first (that removes its data). */
  LinkedToAnotherChild = 'LINKED_TO_ANOTHER_CHILD',
  NotACandidate = 'NOT_A_CANDIDATE',
  CandidateRequired = 'CANDIDATE_REQUIRED',
  NotLinkedToChild = 'NOT_LINKED_TO_CHILD',
  /** A person rejected this child for the record (possibly for a child merged into it since). */
  ConflictsWithRejection = 'CONFLICTS_WITH_REJECTION',
}

export function refuse(field: string, reason: RefusalReason, message: string): HubError {
  return HubError.badInput(field, message, { reason });
}

interface LockedLink {
  id: string;
  sourceSystemId: string;
  externalId: string;
  childId: string | null;
  method: IdentityLinkMethod;
  status: IdentityLinkStatus;
  candidates: ProposedCandidate[];
  kind: SourceSystemKind;
  municipalityId: string;
}

type Jobs = Pick<JobControl, 'triggerSync' | 'triggerIdentityMatch'>;

const MAX_SPLIT = 100;

/**
 * A person's decisions on identity links: confirm or reject a proposal, link by hand, undo a
 * link, split records off a child. Each decision is one transaction with its audit entry; an
 * admin decides only links of sources of their own municipality (others are "not found").
 * Afterwards the queues are told: a new link needs a full sync of its source (the pupil's data
 * was dropped until now), an undone one a matching run (the record may be another child's).
 */
export class IdentityReviewService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId: string,
    private readonly jobs: Jobs,
    private readonly lockTimeoutMs = ADMIN_LOCK_TIMEOUT_MS,
  ) {}

  /** A decision's transaction: its lock waits are bounded (BUSY rather than an endless request). */
  private decide<T>(body: (tx: EntityManager) => Promise<T>): Promise<T> {
    return lockBoundedTransaction(this.em, this.lockTimeoutMs, body);
  }

  async confirmLink(linkId: string, childId?: string): Promise<string> {
    const link = await this.decide(async (tx) => {
      const link = await this.lockLink(tx, linkId);
      if (link.status !== IdentityLinkStatus.PendingReview) {
        throw refuse('linkId', RefusalReason.WrongStatus, `the link is ${link.status}; only a pending review can be confirmed`);
      }
      const live = await liveChildren(tx, link.candidates.map((c) => c.childId));
      const candidates = link.candidates.filter((c) => live.has(c.childId));
      // A merge moves a rejection of the merged child onto the kept child, which may be a
      // candidate too: a pair a person rejected is never linked, under whichever id it was rejected.
      const rejected = await rejectedChildren(tx, link.sourceSystemId, link.externalId);
      const isRejected = (c: ProposedCandidate) => rejected.has(c.childId) || rejected.has(live.get(c.childId)!);
      let chosen: ProposedCandidate | undefined;
      if (childId) {
        chosen = candidates.find((c) => c.childId === childId || live.get(c.childId) === childId);
        if (!chosen) throw refuse('childId', RefusalReason.NotACandidate, 'not one of the proposed candidates');
      } else {
        // Without a choice, the one candidate the reviewer is shown (identityLinks leaves rejected
        // children out); with only rejected ones left, the refusal below says why.
        const shown = candidates.filter((c) => !isRejected(c));
        chosen = shown.length === 1 ? shown[0] : shown.length === 0 ? candidates[0] : undefined;
        if (!chosen) {
          throw refuse('childId', RefusalReason.CandidateRequired, shown.length ? 'required: the link has several candidates' : 'the link has no candidates; use linkManually');
        }
      }
      if (isRejected(chosen)) {
        throw refuse('childId', RefusalReason.ConflictsWithRejection, 'a person rejected this child for the record; use linkManually to override that decision');
      }
      const child = live.get(chosen.childId)!;
      await this.refuseSecondLink(tx, link.sourceSystemId, child, link.id);
      await rawQuery(
        tx,
        `update identity_link l set child_id = ?, status = 'linked', confidence = ?, decided_by = ?, decided_at = now(), status_changed_at = now(),
           uni_login_id = coalesce(l.uni_login_id, (select p.uni_login_id from pupil_record p where p.source_system_id = l.source_system_id and p.external_id = l.external_id))
         where l.id = ?`,
        [child, chosen.score, this.actor.clientId, link.id],
      );
      this.audit(tx, link, child, { change: 'confirm_link', method: link.method, score: chosen.score });
      return link;
    });
    await this.jobs.triggerSync(link.sourceSystemId, SyncMode.Full);
    return link.id;
  }

  /**
   * Rejects one proposed child (or all, or the linked child). The rejection is remembered per
   * pair; a link left with no candidate becomes rejected and its record waits for matching
   * again, which proposes only other children — or, finding none, drops the pupil record.
   */
  async rejectLink(linkId: string, childId?: string): Promise<string> {
    const link = await this.decide(async (tx) => {
      const link = await this.lockLink(tx, linkId);
      if (link.status === IdentityLinkStatus.Linked) {
        if (childId && childId !== link.childId) throw refuse('childId', RefusalReason.NotLinkedToChild, 'the link is linked to another child');
        await this.detach(tx, [link], 'reject_link');
        return link;
      }
      if (link.status !== IdentityLinkStatus.PendingReview) {
        throw refuse('linkId', RefusalReason.WrongStatus, `the link is ${link.status}; only a pending review or a linked record can be rejected`);
      }
      const live = await liveChildren(tx, link.candidates.map((c) => c.childId));
      const rejected = childId ? link.candidates.filter((c) => c.childId === childId || live.get(c.childId) === childId) : link.candidates;
      if (childId && !rejected.length) throw refuse('childId', RefusalReason.NotACandidate, 'not one of the proposed candidates');
      const rejectedIds = rejected.map((c) => c.childId);
      // The child as proposed and, if merged since, the child it now is (the one the reviewer saw).
      const liveIds = [...new Set(rejectedIds.map((id) => live.get(id)).filter((id): id is string => Boolean(id)))];
      await rememberRejections(tx, link.sourceSystemId, link.externalId, [...new Set([...rejectedIds, ...liveIds])], this.actor.clientId);
      const remaining = link.candidates.filter((c) => !rejectedIds.includes(c.childId));
      if (remaining.length) {
        await rawQuery(tx, `update identity_link set candidates = ?::jsonb, confidence = ? where id = ?`, [JSON.stringify(remaining), remaining[0].score, link.id]);
      } else {
        await rawQuery(
          tx,
          `update identity_link set candidates = '[]'::jsonb, status = 'rejected', child_id = null, decided_by = ?, decided_at = now(), status_changed_at = now()
           where id = ?`,
          [this.actor.clientId, link.id],
        );
        await rawQuery(tx, `update pupil_record set matched_at = null where source_system_id = ? and external_id = ?`, [link.sourceSystemId, link.externalId]);
      }
      for (const id of liveIds) this.audit(tx, link, id, { change: 'reject_candidate', candidatesLeft: remaining.length });
      return { ...link, status: remaining.length ? link.status : IdentityLinkStatus.Rejected };
    });
    if (link.status !== IdentityLinkStatus.PendingReview) await this.jobs.triggerIdentityMatch(link.sourceSystemId);
    return link.id;
  }

  /**
   * Links a school record to a child by hand. The person overrides any earlier rejection of
   * exactly this pair (it is deleted: their latest decision counts). The record need not be
   * held (pupils nobody matched are not kept); its data arrives with the full sync queued here.
   */
  async linkManually(sourceSystemId: string, externalId: string, childId: string): Promise<string> {
    const result = await this.decide(async (tx) => {
      const source = await new SourcesService(tx, this.actor).get(sourceSystemId);
      if (source.kind === SourceSystemKind.CaseSystem) {
        throw refuse('sourceSystemId', RefusalReason.CaseRecordAnchorsChild, 'case-system records anchor hub children and are not linked by hand');
      }
      // Serialised with matching runs of the source (see lockLink).
      await lockSource(tx, source.id);
      const { rows: existing } = await rawQuery<{ id: string; child_id: string | null; status: IdentityLinkStatus; candidates: ProposedCandidate[] }>(
        tx,
        `select id, child_id, status, candidates from identity_link where source_system_id = ? and external_id = ? for update`,
        [source.id, externalId],
      );
      const link = existing[0];
      const live = await liveChildren(tx, [childId]);
      const child = live.get(childId);
      const proposed = link?.candidates.some((c) => c.childId === childId) ?? false;
      // Another municipality's child only when the matcher proposed it for this record.
      if (!child || (!proposed && this.actor.municipalityId && live.municipalityOf(childId) !== this.actor.municipalityId)) throw HubError.notFound('child');
      if (link?.status === IdentityLinkStatus.Linked) {
        if (link.child_id === child) return { id: link.id, changed: false };
        throw refuse('externalId', RefusalReason.LinkedToAnotherChild, 'the record is linked to another child; unlink it first');
      }
      await this.refuseSecondLink(tx, source.id, child, link?.id ?? null);
      const { rowCount: overrode } = await rawQuery(tx, `delete from identity_rejection where source_system_id = ? and external_id = ? and child_id = ?`, [
        source.id,
        externalId,
        child,
      ]);
      // No row at the select above does not mean none now: a sync (which does not take the
      // source lock) may have linked the record since. Such a link is never overwritten here.
      const { rows } = await rawQuery<{ id: string }>(
        tx,
        `insert into identity_link as l (source_system_id, external_id, child_id, method, confidence, status, uni_login_id, decided_by, decided_at, status_changed_at)
         select ?::uuid, ?, ?::uuid, 'manual', 1, 'linked',
                (select p.uni_login_id from pupil_record p where p.source_system_id = ?::uuid and p.external_id = ?), ?, now(), now()
         on conflict (source_system_id, external_id) do update
           set child_id = excluded.child_id, method = 'manual', confidence = 1, status = 'linked', decided_by = excluded.decided_by,
               decided_at = now(), status_changed_at = now(), uni_login_id = coalesce(excluded.uni_login_id, l.uni_login_id)
           where l.status <> 'linked' or l.child_id = excluded.child_id
         returning l.id`,
        [source.id, externalId, child, source.id, externalId, this.actor.clientId],
      );
      if (!rows.length) throw refuse('externalId', RefusalReason.LinkedToAnotherChild, 'the record is linked to another child; unlink it first');
      const id = rows[0].id;
      this.audit(tx, { id, municipalityId: source.municipality.id, sourceSystemId: source.id }, child, {
        change: 'link_manually',
        previousStatus: link?.status ?? null,
        overrodeRejection: overrode > 0,
      });
      return { id, changed: true };
    });
    if (result.changed) await this.jobs.triggerSync(sourceSystemId, SyncMode.Full);
    return result.id;
  }

  /** Linked → rejected, with its school data gone from the child before this returns. */
  async unlink(linkId: string): Promise<string> {
    const link = await this.decide(async (tx) => {
      const link = await this.lockLink(tx, linkId);
      await this.detach(tx, [link], 'unlink');
      return link;
    });
    await this.jobs.triggerIdentityMatch(link.sourceSystemId);
    return link.id;
  }

  /** "These school records are not this child": unlinks each, all or none. */
  async splitChild(childId: string, linkIds: string[]): Promise<string[]> {
    const ids = [...new Set(linkIds)];
    if (!ids.length || ids.length > MAX_SPLIT) throw HubError.badInput('linkIds', `give 1 to ${MAX_SPLIT} links`);
    const links = await this.decide(async (tx) => {
      const links: LockedLink[] = [];
      // A fixed lock order (sources, then links, each sorted): two overlapping splits wait for
      // each other instead of deadlocking.
      for (const sourceId of await this.sourcesOfLinks(tx, ids)) await lockSource(tx, sourceId);
      for (const id of [...ids].sort()) links.push(await this.lockLink(tx, id, false));
      for (const link of links) {
        if (link.childId !== childId || link.status !== IdentityLinkStatus.Linked) {
          throw refuse('linkIds', RefusalReason.NotLinkedToChild, `link ${link.id} is not linked to this child`);
        }
      }
      await this.detach(tx, links, 'split_child', 'linkIds');
      return links;
    });
    for (const sourceId of new Set(links.map((l) => l.sourceSystemId))) await this.jobs.triggerIdentityMatch(sourceId);
    return ids;
  }

  /** Undoes linked links of school sources and recomputes the children's summaries, all in `tx`. */
  private async detach(tx: EntityManager, links: LockedLink[], change: string, field = 'linkId'): Promise<void> {
    for (const link of links) {
      if (link.kind === SourceSystemKind.CaseSystem) {
        throw refuse(field, RefusalReason.CaseRecordAnchorsChild, 'a case-system record defines its hub child and cannot be unlinked or split off');
      }
      if (link.status !== IdentityLinkStatus.Linked || !link.childId) {
        throw refuse(field, RefusalReason.WrongStatus, `the link is ${link.status}; only a linked record can be unlinked`);
      }
    }
    for (const link of links) {
      const removed: DetachedRows = await detachLink(tx, { id: link.id, sourceSystemId: link.sourceSystemId, externalId: link.externalId, childId: link.childId! }, this.actor.clientId);
      this.audit(tx, link, link.childId!, { change, method: link.method, removed });
    }
    await recomputeChildSummaries(tx, links.map((l) => l.childId!));
  }

  private audit(tx: EntityManager, link: Pick<LockedLink, 'id' | 'municipalityId' | 'sourceSystemId'>, childId: string, detail: Record<string, unknown>): void {
    recordAdminChange(tx, this.actor, this.requestId, {
      target: `identity_link:${link.id}`,
      detail: { ...detail, sourceSystemId: link.sourceSystemId },
      municipalityId: link.municipalityId,
      childId,
    });
  }

  /**
   * The link, locked for this decision; another municipality's link is as unknown as a missing one.
   * First the source's matching lock (the advisory lock the identity-match job holds for its whole
   * run, transaction-scoped, same key): a decision and a matching run of one source serialise, so
   * a job that loaded the rejections before this decision cannot write its older proposals back
   * over it. Always source lock before link row lock, as the job does.
   */
  private async lockLink(tx: EntityManager, linkId: string, withSourceLock = true): Promise<LockedLink> {
    if (withSourceLock) {
      // A link never changes source: the unlocked read names the lock to take.
      const [sourceId] = await this.sourcesOfLinks(tx, [linkId]);
      if (sourceId) await lockSource(tx, sourceId);
    }
    const tenant = this.actor.municipalityId;
    const { rows } = await rawQuery<LockedLink>(
      tx,
      `select l.id, l.source_system_id as "sourceSystemId", l.external_id as "externalId", l.child_id as "childId", l.method, l.status,
              l.candidates, s.kind, s.municipality_id as "municipalityId"
       from identity_link l join source_system s on s.id = l.source_system_id
       where l.id = ? ${tenant ? 'and s.municipality_id = ?' : ''}
       for update of l`,
      tenant ? [linkId, tenant] : [linkId],
    );
    if (!rows.length) throw HubError.notFound('identity link');
    return rows[0];
  }

  /** The distinct sources of these links the actor may decide on (sorted: the lock order), read without locking. */
  private async sourcesOfLinks(tx: EntityManager, linkIds: string[]): Promise<string[]> {
    const tenant = this.actor.municipalityId;
    const { rows } = await rawQuery<{ id: string }>(
      tx,
      `select distinct s.id::text as id from identity_link l join source_system s on s.id = l.source_system_id
       where l.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) e) ${tenant ? 'and s.municipality_id = ?' : ''}
       order by 1`,
      tenant ? [JSON.stringify(linkIds), tenant] : [JSON.stringify(linkIds)],
    );
    return rows.map((r) => r.id);
  }

  /**
   * One record per source per child: a second would mix two pupils' data. The child's row is
   * locked so two decisions for the same child and source cannot both pass this check.
   *
   * The child was resolved (liveChildren) before its row was locked: a merge committing in
   * between (it locks both children's rows) makes it a tombstone, and a link to a tombstone
   * would carry the pupil's data to a child no read shows. Re-read under the lock, a child merged
   * (or deleted) meanwhile is refused as not found rather than re-resolved to the kept child: the
   * person decided on the child they were shown, and the merge has already sent proposals naming
   * the merged child back to matching, which scores the record against the kept child.
   */
  private async refuseSecondLink(tx: EntityManager, sourceSystemId: string, childId: string, exceptLinkId: string | null): Promise<void> {
    const { rows: locked } = await rawQuery<{ merged_into_id: string | null }>(tx, `select merged_into_id from child where id = ? for no key update`, [childId]);
    if (!locked.length || locked[0].merged_into_id) throw HubError.notFound('child');
    const { rows } = await rawQuery(
      tx,
      `select 1 from identity_link where source_system_id = ? and child_id = ? and status = 'linked' and id is distinct from ?::uuid limit 1`,
      [sourceSystemId, childId, exceptLinkId],
    );
    if (rows.length) {
      throw refuse('childId', RefusalReason.ChildAlreadyLinkedInSource, 'the child already has a linked record from this source; unlink that one first');
    }
  }
}

/** The children a person rejected for this record. */
async function rejectedChildren(em: EntityManager, sourceSystemId: string, externalId: string): Promise<Set<string>> {
  const { rows } = await rawQuery<{ child_id: string }>(em, `select child_id from identity_rejection where source_system_id = ? and external_id = ?`, [
    sourceSystemId,
    externalId,
  ]);
  return new Set(rows.map((r) => r.child_id));
}

/**
 * The live child behind each id: a merged child's id leads to the child it was merged into;
 * deleted children are absent.
 */
export async function liveChildren(em: EntityManager, ids: readonly string[]) {
  const byId = new Map<string, { id: string; municipalityId: string }>();
  if (ids.length) {
    const { rows } = await rawQuery<{ asked: string; id: string; municipality_id: string }>(
      em,
      `select c.id as asked, coalesce(k.id, c.id) as id, coalesce(k.municipality_id, c.municipality_id) as municipality_id
       from child c left join child k on k.id = c.merged_into_id
       where c.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) e)`,
      [JSON.stringify([...new Set(ids)])],
    );
    for (const r of rows) byId.set(r.asked, { id: r.id, municipalityId: r.municipality_id });
  }
  return {
    has: (id: string) => byId.has(id),
    get: (id: string) => byId.get(id)?.id,
    municipalityOf: (id: string) => byId.get(id)?.municipalityId,
  };
}
