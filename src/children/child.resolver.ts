import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { ChildData } from '../consent/child-data.decorator';
import { DataCategory } from '../consent/data-category';
import { municipalityById } from '../municipalities/municipality.loaders';
import { MunicipalityView } from '../municipalities/municipality.type';
import type { GraphQLContext } from '../platform/graphql/context';
import { HubError } from '../platform/graphql/errors';
import { requireUuid } from '../platform/graphql/ids';
import { checkPageSize, decodeCursor, toPage } from '../platform/graphql/relay';
import { todayInDenmark } from '../platform/time';
import { caseContactsByChild, placementsByChild } from './children.loaders';
import { ChildrenService } from './children.service';
import { ChildConnection, ChildView, toChildView } from './child.type';
import { CaseContactView, toCaseContactView } from './case-contact.type';
import { PlacementView, toPlacementView } from './placement.type';

const CHILD_CURSOR = 'child';

@Resolver(() => ChildView)
export class ChildResolver {
  @Query(() => ChildView, {
    nullable: true,
    description: 'One child by id. NOT_FOUND when unknown, in another municipality, or with nothing this app may see.',
  })
  async child(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ChildView> {
    const who = ctx.access.requester();
    const childId = requireUuid('id', id);
    // The child row and its consents are fetched side by side: one round trip on the critical path.
    const [child, categories] = await Promise.all([
      ctx.childEm().then((em) => new ChildrenService(em).findById(childId, who.municipalityId)),
      ctx.access.categoriesOf(childId),
    ]);
    if (!child || categories.size === 0) {
      ctx.audit.refused(childId);
      throw HubError.notFound('child');
    }
    ctx.audit.shown(child.id);
    return toChildView(child);
  }

  @Query(() => ChildConnection, { description: 'The children this app may see for its purpose, a Relay connection ordered by id.' })
  async children(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('municipalityCode', () => String, { nullable: true, description: 'Kommunekode; only the app’s own municipality has children.' })
    municipalityCode?: string | null,
  ): Promise<ChildConnection> {
    checkPageSize(first);
    const who = ctx.access.requester();
    let afterId = after ? requireUuid('after', decodeCursor(CHILD_CURSOR, after)) : undefined;
    ctx.audit.search({ query: 'children', first, after: afterId ?? null, municipalityCode: municipalityCode ?? null });
    const service = new ChildrenService(await ctx.childEm());
    const visible: ChildView[] = [];
    // Candidates have some permit; the access decision (time, periods, denies) has the last word.
    while (visible.length <= first) {
      const batch = await service.candidates({ ...who, municipalityCode: municipalityCode ?? undefined, afterId, limit: Math.max(first + 1, 50) });
      const categories = await Promise.all(batch.map((c) => ctx.access.categoriesOf(c.id)));
      batch.forEach((c, i) => categories[i].size > 0 && visible.push(toChildView(c)));
      if (batch.length < Math.max(first + 1, 50)) break;
      afterId = batch.at(-1)!.id;
    }
    const page = toPage(visible, first, (c) => c.id, CHILD_CURSOR, Boolean(after));
    // Every listed child gets its own read row, even for `{ id }` only; the look-ahead row is not shown.
    for (const { node } of page.edges) ctx.audit.shown(node.id);
    return page;
  }

  @ChildData(DataCategory.Identity)
  @FieldResolver(() => MunicipalityView, { nullable: true })
  async municipality(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<MunicipalityView> {
    const m = await ctx.loaders.get(municipalityById).load(child.municipalityId);
    if (!m) throw new Error(`municipality ${child.municipalityId} missing`);
    return { code: m.code, name: m.name };
  }

  @ChildData(DataCategory.Placement)
  @FieldResolver(() => [PlacementView], { nullable: true, description: 'Placements, newest first.' })
  async placements(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<PlacementView[]> {
    const today = todayInDenmark();
    const rows = await ctx.loaders.get(placementsByChild).load(child.id);
    return rows.map((p) => toPlacementView(p, today));
  }

  @ChildData(DataCategory.Team)
  @FieldResolver(() => [CaseContactView], { nullable: true, description: 'The team around the child: caseworker, contacts at home and school.' })
  async team(@Root() child: ChildView, @Ctx() ctx: GraphQLContext): Promise<CaseContactView[]> {
    const today = todayInDenmark();
    const rows = await ctx.loaders.get(caseContactsByChild).load(child.id);
    return rows.map((c) => toCaseContactView(c, today));
  }
}
