import type { EntityManager } from '@mikro-orm/postgresql';
import { actorMunicipality } from '../municipalities/actor-municipality';
import type { Actor } from '../partners/actor';
import { rawQuery } from '../platform/db/bulk';
import { HubError } from '../platform/graphql/errors';
import { isUuid } from '../platform/graphql/ids';
import { decodeCursor } from '../platform/graphql/relay';
import type { SourceSystemKind } from '../sources/source-system.entity';
import { SourcesService } from '../sources/sources.service';
import { IdentityLinkMethod, IdentityLinkStatus } from './identity-link.entity';
import type { IdentityCandidateChildView, IdentityCandidateView, IdentityLinkView, IdentityMatchStatsView } from './identity-links.types';
import type { ProposedCandidate } from './matching/types';

// Reads for the review queue. Only school sources: case-system records anchor children and
// are never matched. An admin sees the links of their municipality's sources; candidate
// children of other municipalities appear without name or birth date.

const SCHOOL_SOURCE = `s.kind <> 'case_system'`;

/** Kind of the identityLinks Relay cursor (opaque: base64url of `identity-link:<key>`). */
export const LINK_CURSOR = 'identity-link';

/**
 * The cursor's key: the link's position in the page order, `<status_changed_at>|<id>` — the
 * timestamp as the page saw it (UTC, microseconds), not as the link has it now: a link decided
 * after its page was read (its status_changed_at moves to now) would otherwise carry the next
 * page past every link still waiting.
 */
const CURSOR_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(.+)$/;

export interface LinkCursor {
  statusChangedAt: string;
  id: string;
}

/** The `after` argument of identityLinks; anything this API did not hand out is BAD_USER_INPUT. */
export function parseLinkCursor(cursor: string): LinkCursor {
  const m = CURSOR_KEY.exec(decodeCursor(LINK_CURSOR, cursor));
  if (!m || !isUuid(m[2]) || Number.isNaN(Date.parse(m[1]))) throw HubError.badInput('after', 'not a valid cursor');
  return { statusChangedAt: m[1], id: m[2].toLowerCase() };
}

/** Raw queries return timestamps as the driver is configured to (text here); GraphQL wants Dates. */
const toDate = (v: Date | string | null): Date | null => (v == null ? null : v instanceof Date ? v : new Date(v));

interface LinkRow {
  id: string;
  external_id: string;
  method: IdentityLinkMethod;
  status: IdentityLinkStatus;
  confidence: number;
  reasons: string[];
  candidates: ProposedCandidate[];
  /** Children a person rejected for this record. */
  rejected: string[];
  child_id: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  status_changed_at: Date | string;
  created_at: Date | string;
  source_id: string;
  source_name: string;
  source_kind: SourceSystemKind;
  source_municipality_code: string;
  held: boolean;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  institution_number: string | null;
  has_uni_login: boolean;
  has_cpr_hash: boolean;
  staged_at: Date | string | null;
  matched_at: Date | string | null;
}

interface ChildRow {
  asked: string;
  id: string;
  municipality_id: string;
  municipality_code: string;
  first_name: string;
  last_name: string;
  birth_date: string;
}

export class IdentityLinkReads {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
  ) {}

  /**
   * Ids of one page (`first + 1` of them), oldest status change first (the review queue's order),
   * keyset on (status_changed_at, id) taken from the `after` cursor; `keyOf` gives each id's cursor key.
   */
  async page(q: { status: IdentityLinkStatus; sourceSystemId?: string; first: number; after?: LinkCursor }): Promise<{ ids: string[]; keyOf: (id: string) => string }> {
    const after = q.after;
    const where = [`l.status = ?`, SCHOOL_SOURCE];
    const params: unknown[] = [q.status];
    if (this.actor.municipalityId) (where.push('s.municipality_id = ?'), params.push(this.actor.municipalityId));
    if (q.sourceSystemId) {
      await new SourcesService(this.em, this.actor).get(q.sourceSystemId); // another tenant's source is not found
      where.push('l.source_system_id = ?');
      params.push(q.sourceSystemId);
    }
    if (after) {
      where.push('(l.status_changed_at, l.id) > (?::timestamptz, ?::uuid)');
      params.push(after.statusChangedAt, after.id);
    }
    const { rows } = await rawQuery<{ id: string; key: string }>(
      this.em,
      `select l.id, to_char(l.status_changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' || l.id as key
       from identity_link l join source_system s on s.id = l.source_system_id
       where ${where.join(' and ')} order by l.status_changed_at, l.id limit ?`,
      [...params, q.first + 1],
    );
    const keys = new Map(rows.map((r) => [r.id, r.key]));
    return {
      ids: rows.map((r) => r.id),
      keyOf: (id) => {
        const key = keys.get(id);
        if (!key) throw new Error(`identity link ${id} is not on this page`);
        return key;
      },
    };
  }

  /** Full views of the given links in the given order (ids the actor may not see drop out). */
  async views(ids: string[]): Promise<IdentityLinkView[]> {
    if (!ids.length) return [];
    const { rows } = await rawQuery<LinkRow>(
      this.em,
      `select l.id, l.external_id, l.method, l.status, l.confidence::float8 as confidence, l.reasons, l.candidates, l.child_id,
              array(select r.child_id::text from identity_rejection r where r.source_system_id = l.source_system_id and r.external_id = l.external_id) as rejected,
              l.decided_by, l.decided_at, l.status_changed_at, l.created_at,
              s.id as source_id, s.name as source_name, s.kind as source_kind, m.code as source_municipality_code,
              p.external_id is not null as held, p.first_name, p.last_name, p.birth_date::text as birth_date, p.institution_number,
              p.uni_login_id is not null as has_uni_login, p.cpr_hmac is not null as has_cpr_hash, p.staged_at, p.matched_at
       from identity_link l
       join source_system s on s.id = l.source_system_id
       join municipality m on m.id = s.municipality_id
       left join pupil_record p on p.source_system_id = l.source_system_id and p.external_id = l.external_id
       where l.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) e) and ${SCHOOL_SOURCE}
         ${this.actor.municipalityId ? 'and s.municipality_id = ?' : ''}`,
      [JSON.stringify(ids), ...(this.actor.municipalityId ? [this.actor.municipalityId] : [])],
    );
    const children = await this.children(rows.flatMap((r) => [...r.candidates.map((c) => c.childId), ...(r.child_id ? [r.child_id] : [])]));
    const byId = new Map(rows.map((r) => [r.id, this.view(r, children)]));
    return ids.map((id) => byId.get(id)).filter((v): v is IdentityLinkView => Boolean(v));
  }

  async one(id: string): Promise<IdentityLinkView> {
    const [view] = await this.views([id]);
    if (!view) throw HubError.notFound('identity link');
    return view;
  }

  private view(r: LinkRow, children: Map<string, IdentityCandidateChildView>): IdentityLinkView {
    const linkedChild = r.child_id ? (children.get(r.child_id) ?? null) : null;
    const seen = new Set<string>();
    const rejected = new Set(r.rejected);
    const candidates: IdentityCandidateView[] = [];
    for (const c of r.candidates) {
      const child = children.get(c.childId);
      // A deleted child drops out; two proposals merged into one child show once (best first).
      if (!child || seen.has(child.id)) continue;
      // So does a child a person rejected for this record — as proposed, or as the child it was
      // merged into (a merge moves the rejection there): confirmLink refuses it anyway.
      if (rejected.has(c.childId) || rejected.has(child.id)) continue;
      seen.add(child.id);
      candidates.push({ child, score: c.score, agree: c.agree, partial: c.partial, disagree: c.disagree, missing: c.missing, notes: c.notes });
    }
    if (!candidates.length && linkedChild) {
      candidates.push({ child: linkedChild, score: r.confidence, agree: [], partial: [], disagree: [], missing: [], notes: [] });
    }
    return {
      id: r.id,
      source: { id: r.source_id, name: r.source_name, kind: r.source_kind, municipalityCode: r.source_municipality_code },
      externalId: r.external_id,
      method: r.method,
      status: r.status,
      confidence: r.confidence,
      reasons: r.reasons,
      decidedBy: r.decided_by,
      decidedAt: toDate(r.decided_at),
      statusChangedAt: toDate(r.status_changed_at)!,
      createdAt: toDate(r.created_at)!,
      pupil: r.held
        ? {
            firstName: r.first_name,
            lastName: r.last_name,
            birthDate: r.birth_date,
            institutionNumber: r.institution_number,
            hasUniLogin: r.has_uni_login,
            hasCprHash: r.has_cpr_hash,
            stagedAt: toDate(r.staged_at)!,
            matchedAt: toDate(r.matched_at),
          }
        : null,
      linkedChild,
      candidates,
    };
  }

  /** Children by id (a merged child shows as the child it was merged into). */
  private async children(ids: string[]): Promise<Map<string, IdentityCandidateChildView>> {
    const out = new Map<string, IdentityCandidateChildView>();
    if (!ids.length) return out;
    const { rows } = await rawQuery<ChildRow>(
      this.em,
      `select c.id as asked, k.id, k.municipality_id, m.code as municipality_code, k.first_name, k.last_name, k.birth_date::text as birth_date
       from child c
       join child k on k.id = coalesce(c.merged_into_id, c.id)
       join municipality m on m.id = k.municipality_id
       where c.id in (select e::uuid from jsonb_array_elements_text(?::jsonb) e)`,
      [JSON.stringify([...new Set(ids)])],
    );
    for (const r of rows) {
      const own = !this.actor.municipalityId || this.actor.municipalityId === r.municipality_id;
      out.set(r.asked, {
        id: r.id,
        municipalityCode: r.municipality_code,
        ownMunicipality: own,
        firstName: own ? r.first_name : null,
        lastName: own ? r.last_name : null,
        birthDate: own ? r.birth_date : null,
      });
    }
    return out;
  }

  /** Counts per status and method, the review queue's size and age, records waiting, rejections. */
  async stats(municipalityCode?: string): Promise<IdentityMatchStatsView> {
    const where = [SCHOOL_SOURCE];
    const params: unknown[] = [];
    if (this.actor.municipalityId) (where.push('s.municipality_id = ?'), params.push(this.actor.municipalityId));
    if (municipalityCode) {
      where.push('s.municipality_id = ?');
      params.push((await actorMunicipality(this.em, this.actor, municipalityCode, 'municipalityCode')).id);
    }
    const sources = `select s.id from source_system s where ${where.join(' and ')}`;
    const { rows: counts } = await rawQuery<{ status: IdentityLinkStatus; method: IdentityLinkMethod; n: number; by_person: number }>(
      this.em,
      `select status, method, count(*)::int as n, count(*) filter (where decided_by is not null)::int as by_person
       from identity_link where source_system_id in (${sources}) group by status, method`,
      params,
    );
    const { rows: [figures] } = await rawQuery<{
      size: number;
      oldest: Date | string | null;
      oldest_age: number | null;
      median_age: number | null;
      waiting: number;
      rejections: number;
    }>(
      this.em,
      `with src as (${sources}),
            queue as (select status_changed_at from identity_link where status = 'pending_review' and source_system_id in (select id from src))
       select (select count(*)::int from queue) as size,
              (select min(status_changed_at) from queue) as oldest,
              (select round(extract(epoch from now() - min(status_changed_at)))::int from queue) as oldest_age,
              (select round(percentile_cont(0.5) within group (order by extract(epoch from now() - status_changed_at)))::int from queue) as median_age,
              (select count(*)::int from pupil_record where matched_at is null and source_system_id in (select id from src)) as waiting,
              (select count(*)::int from identity_rejection where source_system_id in (select id from src)) as rejections`,
      params,
    );
    const count = (status: IdentityLinkStatus, method?: IdentityLinkMethod) =>
      counts.filter((c) => c.status === status && (!method || c.method === method)).reduce((n, c) => n + c.n, 0);
    return {
      counts: Object.values(IdentityLinkStatus).flatMap((status) => Object.values(IdentityLinkMethod).map((method) => ({ status, method, count: count(status, method) }))),
      linked: count(IdentityLinkStatus.Linked),
      pendingReview: count(IdentityLinkStatus.PendingReview),
      rejected: count(IdentityLinkStatus.Rejected),
      decidedByPerson: counts.filter((c) => c.status === IdentityLinkStatus.Linked).reduce((n, c) => n + c.by_person, 0),
      awaitingMatching: figures.waiting,
      reviewQueue: { size: figures.size, oldestSince: toDate(figures.oldest), oldestAgeSeconds: figures.oldest_age, medianAgeSeconds: figures.median_age },
      rejections: figures.rejections,
    };
  }
}
