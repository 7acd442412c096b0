import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { ConsentsService } from '../consent/consents.service';
import { PartnerRole } from '../partners/partner-role';
import { rawQuery } from '../platform/db/bulk';
import type { GraphQLContext } from '../platform/graphql/context';
import { HubError } from '../platform/graphql/errors';
import { AuditAction, type AuditDecision } from './audit-event.entity';
import { AuditEventView, SubjectAccessReport } from './audit.type';

interface Row {
  id: string;
  occurred_at: Date;
  actor: string;
  action: AuditAction;
  child_id: string | null;
  search_criterion: unknown;
  categories: string[];
  purpose: string | null;
  decision: AuditDecision;
  request_id: string | null;
  target: string | null;
}

const toView = (r: Row): AuditEventView => ({
  id: String(r.id),
  occurredAt: new Date(r.occurred_at),
  actor: r.actor,
  action: r.action,
  childId: r.child_id,
  detail: r.search_criterion,
  categories: r.categories,
  purpose: r.purpose,
  decision: r.decision,
  requestId: r.request_id,
  target: r.target,
});

const MAX_EVENTS = 1000;

/** Admin access to the access log, always for a child of the admin's own municipality. */
@Resolver()
export class AuditResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => [AuditEventView], { description: `Access-log entries about one child in [from, to), newest first (at most ${MAX_EVENTS}).` })
  async auditEvents(
    @Arg('childId', () => ID) childId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('from', () => Date, { nullable: true }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true }) to?: Date | null,
    @Arg('limit', () => Int, { defaultValue: 200 }) limit = 200,
  ): Promise<AuditEventView[]> {
    if (limit < 1 || limit > MAX_EVENTS) throw HubError.badInput('limit', `must be between 1 and ${MAX_EVENTS}`);
    if (from && to && to <= from) throw HubError.badInput('to', 'must be after from');
    const child = await new ConsentsService(ctx.em, ctx.actor, ctx.requestId).child(childId);
    const { rows } = await rawQuery<Row>(
      ctx.em,
      `select * from audit_event where child_id = ? and occurred_at >= ? and occurred_at < ? order by occurred_at desc, id desc limit ?`,
      [child.id, from ?? new Date(0), to ?? new Date('9999-01-01'), limit],
    );
    // The log says who read which categories of the child: reading it is itself logged.
    ctx.audit.adminRead('auditEvents', child.id, { from: from ?? null, to: to ?? null, limit, returned: rows.length });
    return rows.map(toView);
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => SubjectAccessReport, { description: 'For the child and custody holders: who looked at the data, which categories, why, when.' })
  async subjectAccessReport(@Arg('childId', () => ID) childId: string, @Ctx() ctx: GraphQLContext): Promise<SubjectAccessReport> {
    const child = await new ConsentsService(ctx.em, ctx.actor, ctx.requestId).child(childId);
    const { rows: accesses } = await rawQuery<{ actor: string; app_name: string | null; app_role: PartnerRole | null; purpose: string | null; categories: string[]; first: Date; last: Date; reads: string }>(
      ctx.em,
      // Named as the child and custody holders would ask: which app (of which kind), not a client id.
      `select g.actor, p.name as app_name, p.role as app_role, g.purpose,
              array(select distinct unnest(array_agg_cats) order by 1) as categories, first, last, reads
       from (select actor, purpose, array_agg(cat) as array_agg_cats, min(occurred_at) as first, max(occurred_at) as last, count(distinct id) as reads
             from audit_event left join lateral unnest(categories) as cat on true
             where child_id = ? and action = 'read' and decision = 'permit'
             group by actor, purpose) g
       left join partner_app p on p.client_id = g.actor
       order by last desc`,
      [child.id],
    );
    const { rows: changes } = await rawQuery<Row>(
      ctx.em,
      `select * from audit_event where child_id = ? and action = ? order by occurred_at desc, id desc limit ?`,
      [child.id, AuditAction.Change, MAX_EVENTS],
    );
    ctx.audit.adminRead('subjectAccessReport', child.id, {});
    return {
      childId: child.id,
      generatedAt: new Date(),
      accesses: accesses.map((a) => ({
        actor: a.actor,
        appName: a.app_name,
        appRole: a.app_role,
        purpose: a.purpose,
        categories: a.categories.filter(Boolean),
        firstAccess: new Date(a.first),
        lastAccess: new Date(a.last),
        reads: Number(a.reads),
      })),
      changes: changes.map(toView),
    };
  }
}
