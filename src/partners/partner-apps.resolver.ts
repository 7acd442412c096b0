import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../platform/graphql/context';
import { requireUuid } from '../platform/graphql/ids';
import { checkPageSize, decodeCursor, toPage } from '../platform/graphql/relay';
import type { PartnerApp } from './partner-app.entity';
import {
  PartnerAppConnection,
  PartnerAppCredentials,
  PartnerAppView,
  RegisterPartnerAppInput,
  toPartnerAppView,
} from './partner-app.type';
import { PartnerAppsService, type PartnerAppWithSecret } from './partner-apps.service';
import { PartnerRole } from './partner-role';

const CURSOR = 'partner-app';

const view = (app: PartnerApp) => toPartnerAppView(app, app.municipality.code);
const credentials = ({ app, clientSecret }: PartnerAppWithSecret): PartnerAppCredentials => ({
  partnerApp: view(app),
  clientId: app.clientId,
  clientSecret,
});
const service = (ctx: Pick<GraphQLContext, 'em' | 'actor' | 'requestId'>) => new PartnerAppsService(ctx.em, ctx.actor, ctx.requestId);

/** Admin API for partner apps: register, list, deactivate, rotate the secret. Tenant-scoped. */
@Resolver()
export class PartnerAppsResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => PartnerAppConnection, { description: 'Registered partner apps, in registration order.' })
  async partnerApps(
    @Ctx() ctx: GraphQLContext,
    @Arg('municipalityCode', () => String, { nullable: true }) municipalityCode?: string | null,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<PartnerAppConnection> {
    checkPageSize(first);
    const afterId = after ? requireUuid('after', decodeCursor(CURSOR, after)) : undefined;
    const apps = await service(ctx).list({ municipalityCode: municipalityCode ?? undefined, first, afterId });
    return toPage(apps.map(view), first, (a) => a.id, CURSOR, Boolean(after));
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => PartnerAppView, { description: 'One partner app.' })
  async partnerApp(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerAppView> {
    return view(await service(ctx).get(requireUuid('id', id)));
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => PartnerAppCredentials, { description: 'Register a partner app. The client secret is in this response only.' })
  async registerPartnerApp(
    @Arg('input', () => RegisterPartnerAppInput) input: RegisterPartnerAppInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PartnerAppCredentials> {
    return credentials(await service(ctx).register(input));
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => PartnerAppView, { description: 'No new tokens; tokens already issued stop working on their next request.' })
  async deactivatePartnerApp(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerAppView> {
    return view(await service(ctx).deactivate(requireUuid('id', id)));
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => PartnerAppCredentials, {
    description: 'A new client secret, in this response only. The old secret and the tokens issued with it stop working at once.',
  })
  async rotatePartnerAppSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerAppCredentials> {
    return credentials(await service(ctx).rotateSecret(requireUuid('id', id)));
  }
}
