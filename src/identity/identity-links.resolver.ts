import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { DataCategory } from '../consent/data-category';
import { PartnerRole } from '../partners/partner-role';
import type { GraphQLContext } from '../platform/graphql/context';
import { HubError } from '../platform/graphql/errors';
import { requireUuid } from '../platform/graphql/ids';
import { checkPageSize, toPage } from '../platform/graphql/relay';
import { IdentityLinkStatus } from './identity-link.entity';
import { IdentityLinkReads, LINK_CURSOR, parseLinkCursor } from './identity-links.reads';
import { IdentityLinkConnection, IdentityLinkStatusEnum, IdentityLinkView, IdentityMatchStatsView } from './identity-links.types';
import { IdentityReviewService } from './identity-review.service';

const reads = (ctx: GraphQLContext) => new IdentityLinkReads(ctx.em, ctx.actor);
const review = (ctx: GraphQLContext) => new IdentityReviewService(ctx.em, ctx.actor, ctx.requestId, ctx.jobs);
const optionalId = (field: string, id?: string | null) => (id ? requireUuid(field, id) : undefined);

/**
 * Every child a response names is noted in the access log — another municipality's too (only
 * its id and municipality are shown, but that says a child in its care may be this pupil), so
 * its own subject-access report shows which admin saw it.
 */
function noteShown(ctx: GraphQLContext, views: IdentityLinkView[]): IdentityLinkView[] {
  for (const v of views) {
    for (const child of [...v.candidates.map((c) => c.child), ...(v.linkedChild ? [v.linkedChild] : [])]) {
      ctx.audit.read(child.id, DataCategory.Identity);
    }
  }
  return views;
}

/** Admin review of identity links: the queue, the decisions, and matching quality. */
@Resolver()
export class IdentityLinksResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => IdentityLinkConnection, {
    description: 'School records by link status, oldest status change first (for PENDING_REVIEW: the longest waiting first), each beside its candidate children.',
  })
  async identityLinks(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => IdentityLinkStatusEnum, { defaultValue: IdentityLinkStatus.PendingReview }) status: IdentityLinkStatus,
    @Arg('sourceSystemId', () => ID, { nullable: true }) sourceSystemId?: string | null,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<IdentityLinkConnection> {
    checkPageSize(first);
    const sourceId = optionalId('sourceSystemId', sourceSystemId);
    const afterKey = after ? parseLinkCursor(after) : undefined;
    ctx.audit.search({ query: 'identityLinks', status, sourceSystemId: sourceId ?? null });
    const r = reads(ctx);
    const page = await r.page({ status, sourceSystemId: sourceId, first, after: afterKey });
    const connection = toPage(await r.views(page.ids), first, (l) => page.keyOf(l.id), LINK_CURSOR, Boolean(after));
    // Only what is returned is logged as read: the look-ahead row that tells hasNextPage is not shown.
    noteShown(ctx, connection.edges.map((e) => e.node));
    return connection;
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => IdentityLinkView, {
    description: 'Link a pending record to one of its candidates (childId required when there are several). Queues a full sync of the source so the pupil’s data arrives.',
  })
  async confirmLink(
    @Arg('linkId', () => ID) linkId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('childId', () => ID, { nullable: true }) childId?: string | null,
  ): Promise<IdentityLinkView> {
    const id = await review(ctx).confirmLink(requireUuid('linkId', linkId), optionalId('childId', childId));
    return this.shown(ctx, id);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => IdentityLinkView, {
    description:
      'Reject one candidate (childId) or all; remembered, never proposed again. With none left the link is REJECTED. Rejecting a linked record unlinks it.',
  })
  async rejectLink(
    @Arg('linkId', () => ID) linkId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('childId', () => ID, { nullable: true }) childId?: string | null,
  ): Promise<IdentityLinkView> {
    const id = await review(ctx).rejectLink(requireUuid('linkId', linkId), optionalId('childId', childId));
    return this.shown(ctx, id);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => IdentityLinkView, {
    description: 'Link a school record to a child by hand (overrides an earlier rejection of this pair). Queues a full sync of the source.',
  })
  async linkManually(
    @Arg('sourceSystemId', () => ID) sourceSystemId: string,
    @Arg('externalId', () => String, { description: 'The pupil’s id in the source.' }) externalId: string,
    @Arg('childId', () => ID) childId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IdentityLinkView> {
    const external = externalId.trim();
    if (!external || external.length > 200) throw HubError.badInput('externalId', 'must be 1-200 characters');
    const id = await review(ctx).linkManually(requireUuid('sourceSystemId', sourceSystemId), external, requireUuid('childId', childId));
    return this.shown(ctx, id);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => IdentityLinkView, {
    description: 'Undo a link: the school data that came through it leaves the child at once (summaries included); the pair is remembered as rejected.',
  })
  async unlink(@Arg('linkId', () => ID) linkId: string, @Ctx() ctx: GraphQLContext): Promise<IdentityLinkView> {
    const id = await review(ctx).unlink(requireUuid('linkId', linkId));
    return this.shown(ctx, id);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => [IdentityLinkView], {
    description: '“These school records are not this child”: unlinks each given link of the child in one transaction, with the same consequences as unlink.',
  })
  async splitChild(
    @Arg('childId', () => ID) childId: string,
    @Arg('linkIds', () => [ID]) linkIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<IdentityLinkView[]> {
    const ids = await review(ctx).splitChild(
      requireUuid('childId', childId),
      linkIds.map((id, i) => requireUuid(`linkIds.${i}`, id)),
    );
    return noteShown(ctx, await reads(ctx).views(ids));
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => IdentityMatchStatsView, { description: 'Matching quality for school sources: counts per status and method, the review queue’s size and age.' })
  async identityMatchStats(
    @Ctx() ctx: GraphQLContext,
    @Arg('municipalityCode', () => String, { nullable: true }) municipalityCode?: string | null,
  ): Promise<IdentityMatchStatsView> {
    return reads(ctx).stats(municipalityCode ?? undefined);
  }

  private async shown(ctx: GraphQLContext, id: string): Promise<IdentityLinkView> {
    return noteShown(ctx, [await reads(ctx).one(id)])[0];
  }
}
