import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PartnerRole } from '../partners/partner-role';
import type { GraphQLContext } from '../platform/graphql/context';
import type { ConsentEvent } from './consent-event.entity';
import { type Consent, ConsentStatus } from './consent.entity';
import { ConsentView, CustodyHolderView, GrantConsentInput, WithdrawConsentInput } from './consent.type';
import { ConsentsService } from './consents.service';

function toView(c: Consent, events: ConsentEvent[], now: Date): ConsentView {
  const expired = c.status === ConsentStatus.Active && c.validTo !== undefined && c.validTo !== null && c.validTo <= now;
  return {
    id: c.id,
    childId: c.child.id,
    grantorKind: c.grantorKind,
    grantorCustodyHolderId: c.grantorCustodyHolder?.id ?? null,
    legalBasis: c.legalBasis ?? null,
    evidenceRef: c.evidenceRef,
    status: expired ? ConsentStatus.Expired : c.status,
    validFrom: c.validFrom,
    validTo: c.validTo ?? null,
    supersedesId: c.supersedes?.id ?? null,
    provisions: c.provisions.getItems().map((p) => ({
      effect: p.effect,
      recipientRole: p.recipientRole ?? null,
      recipientPartnerAppId: p.recipientPartnerApp?.id ?? null,
      categories: p.categories,
      purposes: p.purposes,
      periodStart: p.periodStart ?? null,
      periodEnd: p.periodEnd ?? null,
    })),
    history: events
      .filter((e) => e.consent.id === c.id)
      .map((e) => ({ kind: e.kind, actor: e.actor, reason: e.reason ?? null, occurredAt: e.occurredAt })),
    createdBy: c.createdBy,
    createdAt: c.createdAt,
  };
}

/** Admin API for consents and recorded legal bases. Every change is audited with the change. */
@Resolver()
export class ConsentsResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => [ConsentView], { description: 'Every consent and legal basis of a child, newest first, with provisions and history.' })
  async consents(@Arg('childId', () => ID) childId: string, @Ctx() ctx: GraphQLContext): Promise<ConsentView[]> {
    const service = new ConsentsService(ctx.em, ctx.actor, ctx.requestId);
    const child = await service.child(childId);
    const consents = await service.list(child);
    const events = await service.history(consents.map((c) => c.id));
    // Consents name custody holders and legal bases: reading them is a read about the child.
    ctx.audit.adminRead('consents', child.id, { consentIds: consents.map((c) => c.id) });
    const now = new Date();
    return consents.map((c) => toView(c, events, now));
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => [CustodyHolderView], { description: 'The custody holders of a child (from the case system): who may grant its consents.' })
  async custodyHolders(@Arg('childId', () => ID) childId: string, @Ctx() ctx: GraphQLContext): Promise<CustodyHolderView[]> {
    const service = new ConsentsService(ctx.em, ctx.actor, ctx.requestId);
    const child = await service.child(childId);
    const holders = await service.custodyHolders(child);
    ctx.audit.adminRead('custodyHolders', child.id, { custodyHolderIds: holders.map((h) => h.id) });
    return holders.map((h) => ({ id: h.id, name: h.name, relation: h.relation }));
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => ConsentView, { description: 'Record a consent or legal basis (optionally replacing an active one).' })
  async grantConsent(@Arg('input', () => GrantConsentInput) input: GrantConsentInput, @Ctx() ctx: GraphQLContext): Promise<ConsentView> {
    const service = new ConsentsService(ctx.em, ctx.actor, ctx.requestId);
    const consent = await service.grant(input);
    await ctx.em.populate(consent, ['provisions']);
    return toView(consent, await service.history([consent.id]), new Date());
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => ConsentView, { description: 'Withdraw a consent: sharing stops from the next request on.' })
  async withdrawConsent(@Arg('input', () => WithdrawConsentInput) input: WithdrawConsentInput, @Ctx() ctx: GraphQLContext): Promise<ConsentView> {
    const service = new ConsentsService(ctx.em, ctx.actor, ctx.requestId);
    const consent = await service.withdraw(input.id, input.reason ?? null);
    await ctx.em.populate(consent, ['provisions']);
    return toView(consent, await service.history([consent.id]), new Date());
  }
}
