import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { municipalityById } from '../municipalities/municipality.loaders';
import { MunicipalityView } from '../municipalities/municipality.type';
import type { GraphQLContext } from '../platform/graphql/context';
import { HubError } from '../platform/graphql/errors';
import { requireUuid } from '../platform/graphql/ids';
import { checkPageSize, decodeCursor, toPage } from '../platform/graphql/relay';
import { todayInDenmark } from '../platform/time';
import { placementsByChild } from './children.loaders';
import { ChildrenService } from './children.service';
import { ChildConnection, ChildView, toChildView } from './child.type';
import { PlacementView, toPlacementView } from './placement.type';

const CHILD_CURSOR = 'child';

@Resolver(() => ChildView)
export class ChildResolver {
  @Query(() => ChildView, { nullable: true, description: 'One child by id; NOT_FOUND when unknown.' })
  async child(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ChildView> {
    const child = await new ChildrenService(ctx.em).findById(requireUuid('id', id));
    if (!child) throw HubError.notFound('child');
    return toChildView(child);
  }

  @Query(() => ChildConnection, { description: 'Children, a Relay connection ordered by id.' })
  async children(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('municipalityCode', () => String, { nullable: true, description: 'Kommunekode filter.' })
    municipalityCode?: string | null,
  ): Promise<ChildConnection> {
    checkPageSize(first);
    const afterId = after ? requireUuid('after', decodeCursor(CHILD_CURSOR, after)) : undefined;
    const rows = await new ChildrenService(ctx.em).page({ first, afterId, municipalityCode: municipalityCode ?? undefined });
    return toPage(rows.map(toChildView), first, (c) => c.id, CHILD_CURSOR, Boolean(after));
  }

  @FieldResolver(() => MunicipalityView)
  async municipality(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<MunicipalityView> {
    const m = await ctx.loaders.get(municipalityById).load(child.municipalityId);
    if (!m) throw new Error(`municipality ${child.municipalityId} missing`);
    return { code: m.code, name: m.name };
  }

  @FieldResolver(() => [PlacementView], { description: 'Placements, newest first.' })
  async placements(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<PlacementView[]> {
    const today = todayInDenmark();
    const rows = await ctx.loaders.get(placementsByChild).load(child.id);
    return rows.map((p) => toPlacementView(p, today));
  }
}
