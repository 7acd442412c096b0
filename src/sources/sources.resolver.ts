import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { CONNECTOR_KINDS } from '../../connectors/registry';
import { redactCpr } from '../identity/cpr';
import { PartnerRole } from '../partners/partner-role';
import type { GraphQLContext } from '../platform/graphql/context';
import { HubError } from '../platform/graphql/errors';
import { requireUuid } from '../platform/graphql/ids';
import { checkPageSize, decodeCursor, toPage } from '../platform/graphql/relay';
import {
  QuarantinedRecordConnection,
  QuarantinedRecordView,
  ResolveQuarantinedRecordInput,
  toQuarantinedRecordView,
} from './quarantine.type';
import { SourcesService } from './sources.service';
import { SourceSystemInput, SourceSystemView, toSourceSystemView } from './source-system.type';
import type { SourceSystem } from './source-system.entity';
import { SyncMode } from './sync-run.entity';
import { SyncModeEnum, SyncRunConnection, toSyncRunView, TriggeredSync } from './sync-run.type';

const RUN_CURSOR = 'sync-run';
const QUARANTINE_CURSOR = 'quarantine';

const view = (s: SourceSystem) => toSourceSystemView(s, s.municipality.code);
const service = (ctx: GraphQLContext) => new SourcesService(ctx.em, ctx.actor, ctx.requestId);

/** Admin API for connectors: sources, their schedules, runs and quarantine. */
@Resolver()
export class SourcesResolver {
  @Authorized(PartnerRole.Admin)
  @Query(() => [SourceSystemView], { description: 'Configured sources, by municipality and name.' })
  async sourceSystems(
    @Ctx() ctx: GraphQLContext,
    @Arg('municipalityCode', () => String, { nullable: true }) municipalityCode?: string | null,
  ): Promise<SourceSystemView[]> {
    return (await service(ctx).list(municipalityCode ?? undefined)).map(view);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => SourceSystemView, { description: 'Create or change a source; its schedules change at once.' })
  async upsertSourceSystem(@Arg('input', () => SourceSystemInput) input: SourceSystemInput, @Ctx() ctx: GraphQLContext): Promise<SourceSystemView> {
    if (input.id) input.id = requireUuid('input.id', input.id);
    const source = await service(ctx).upsert(input);
    await ctx.jobs.reconcileSchedules();
    return view(source);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => SourceSystemView, { description: 'Stop scheduled and triggered syncs; a running sync finishes its pass.' })
  async pauseSourceSystem(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SourceSystemView> {
    const source = await service(ctx).setEnabled(requireUuid('id', id), false);
    await ctx.jobs.reconcileSchedules();
    return view(source);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => SourceSystemView, { description: 'Undo a pause: schedules resume.' })
  async resumeSourceSystem(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SourceSystemView> {
    const source = await service(ctx).setEnabled(requireUuid('id', id), true);
    await ctx.jobs.reconcileSchedules();
    return view(source);
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => TriggeredSync, { description: 'Queue a sync now; at most one per source is queued or running.' })
  async triggerSync(
    @Arg('sourceId', () => ID) sourceId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('mode', () => SyncModeEnum, { defaultValue: SyncMode.Incremental }) mode: SyncMode,
  ): Promise<TriggeredSync> {
    const source = await service(ctx).get(requireUuid('sourceId', sourceId));
    if (!source.enabled) throw HubError.badInput('sourceId', 'source system is paused');
    // Generated data (the demo's synthetic source) has no connector: a job would only fail in the worker's log.
    if (!CONNECTOR_KINDS.includes(source.kind)) throw HubError.badInput('sourceId', `a ${source.kind} source has no connector to sync`);
    const queued = await ctx.jobs.triggerSync(source.id, mode);
    ctx.audit.change(`source_system:${source.id}`, { change: 'trigger_sync', mode, jobId: queued.jobId });
    return queued;
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => SyncRunConnection, { description: 'Runs of a source (one per stream per sync), newest first.' })
  async syncRuns(
    @Arg('sourceId', () => ID) sourceId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SyncRunConnection> {
    checkPageSize(first);
    const afterId = after ? requireUuid('after', decodeCursor(RUN_CURSOR, after)) : undefined;
    const rows = await service(ctx).runs(requireUuid('sourceId', sourceId), first, afterId);
    return toPage(rows.map(toSyncRunView), first, (r) => r.id, RUN_CURSOR, Boolean(after));
  }

  @Authorized(PartnerRole.Admin)
  @Query(() => QuarantinedRecordConnection, { description: 'Quarantined source records, most recently seen first.' })
  async quarantinedRecords(
    @Ctx() ctx: GraphQLContext,
    @Arg('sourceId', () => ID, { nullable: true }) sourceId?: string | null,
    @Arg('stream', () => String, { nullable: true }) stream?: string | null,
    @Arg('open', () => Boolean, { defaultValue: true, description: 'Only entries nobody resolved yet.' }) open = true,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<QuarantinedRecordConnection> {
    checkPageSize(first);
    const criterion = {
      sourceId: sourceId ? requireUuid('sourceId', sourceId) : undefined,
      stream: stream ?? undefined,
      open,
      first,
      afterId: after ? requireUuid('after', decodeCursor(QUARANTINE_CURSOR, after)) : undefined,
    };
    const rows = await service(ctx).quarantined(criterion);
    const page = toPage(rows.map(toQuarantinedRecordView), first, (q) => q.id, QUARANTINE_CURSOR, Boolean(after));
    // Payloads hold pupils' names, birth dates and grades; the records are not tied to a hub child,
    // so the search is logged with its criterion and the ids of the records shown. `stream` is free
    // text: a CPR number typed or pasted there is masked before it reaches audit_event.
    const logged = { ...criterion, stream: criterion.stream === undefined ? undefined : redactCpr(criterion.stream) };
    ctx.audit.search({ query: 'quarantinedRecords', ...logged, shown: page.edges.map((e) => e.node.id) }, 'quarantined_record');
    return page;
  }

  @Authorized(PartnerRole.Admin)
  @Mutation(() => QuarantinedRecordView, { description: 'Close a quarantine entry; a record that fails again opens a new one.' })
  async resolveQuarantinedRecord(
    @Arg('input', () => ResolveQuarantinedRecordInput) input: ResolveQuarantinedRecordInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<QuarantinedRecordView> {
    const by = ctx.actor.clientId;
    const record = await service(ctx).resolveQuarantined(requireUuid('input.id', input.id), input.resolution, input.note ?? null, by);
    return toQuarantinedRecordView(record);
  }
}
