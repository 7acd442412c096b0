import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { PartnerRole } from '../partners/partner-role';
import type { GraphQLContext } from '../platform/graphql/context';
import { ChildMergeService } from './child-merge.service';
import { ChildMergeResult } from './child-merge.types';

/** Admin API: merging two hub children who are one person. */
@Resolver()
export class ChildMergeResolver {
  @Authorized(PartnerRole.Admin)
  @Mutation(() => ChildMergeResult, {
    description:
      'Merge two children of one municipality who are one person: every record of mergeChildId moves to keepChildId, ' +
      'consents valid for only one of them are suspended for review (a merge never widens access), and mergeChildId ' +
      'is unknown from now on. Refusals carry extensions.reason (SAME_CHILD, DIFFERENT_MUNICIPALITIES, CONFLICTS_WITH_REJECTION).',
  })
  async mergeChildren(
    @Arg('keepChildId', () => ID) keepChildId: string,
    @Arg('mergeChildId', () => ID) mergeChildId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ChildMergeResult> {
    const { requeuedSources, ...result } = await new ChildMergeService(ctx.em, ctx.actor, ctx.requestId).merge(keepChildId, mergeChildId);
    // After commit: reviews that proposed the merged child are matched again against the kept one.
    for (const sourceId of requeuedSources) await ctx.jobs.triggerIdentityMatch(sourceId);
    return result;
  }
}
