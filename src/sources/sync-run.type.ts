import { JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { PageInfo } from '../platform/graphql/relay';
import { type SyncRun, SyncMode, SyncRunStatus } from './sync-run.entity';

export const SyncModeEnum = graphqlEnum(SyncMode, 'SyncMode', 'INCREMENTAL reads changes since the cursor; FULL rereads all and applies deletions.');
export const SyncRunStatusEnum = graphqlEnum(SyncRunStatus, 'SyncRunStatus');

@ObjectType('SyncRun', { description: 'One run of one stream of a source, with what it did.' })
export class SyncRunView {
  @Field(() => ID) id!: string;
  @Field(() => ID) sourceSystemId!: string;
  @Field() stream!: string;
  @Field(() => SyncModeEnum) mode!: SyncMode;
  @Field(() => SyncRunStatusEnum) status!: SyncRunStatus;
  @Field(() => String, { nullable: true, description: 'The queue job that ran it.' }) jobId!: string | null;
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int) read!: number;
  @Field(() => Int) inserted!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) deleted!: number;
  @Field(() => Int) quarantined!: number;
  @Field(() => Int, { description: 'School records of pupils not linked to a child in the hub: dropped, never stored.' }) skippedUnlinked!: number;
  @Field(() => JSONResolver, { nullable: true }) cursorBefore!: unknown;
  @Field(() => JSONResolver, { nullable: true }) cursorAfter!: unknown;
  @Field(() => String, { nullable: true, description: 'Why the run failed (CPR redacted).' }) error!: string | null;
}

export function toSyncRunView(r: SyncRun): SyncRunView {
  return {
    id: r.id,
    sourceSystemId: r.sourceSystem.id,
    stream: r.stream,
    mode: r.mode,
    status: r.status,
    jobId: r.jobId ?? null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null,
    read: r.readCount,
    inserted: r.insertedCount,
    updated: r.updatedCount,
    unchanged: r.unchangedCount,
    deleted: r.deletedCount,
    quarantined: r.quarantinedCount,
    skippedUnlinked: r.skippedUnlinkedCount,
    cursorBefore: r.cursorBefore ?? null,
    cursorAfter: r.cursorAfter ?? null,
    error: r.error ?? null,
  };
}

@ObjectType('SyncRunEdge')
export class SyncRunEdge {
  @Field(() => SyncRunView) node!: SyncRunView;
  @Field() cursor!: string;
}

@ObjectType('SyncRunConnection')
export class SyncRunConnection {
  @Field(() => [SyncRunEdge]) edges!: SyncRunEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType('TriggeredSync')
export class TriggeredSync {
  @Field({ description: 'The queue job id; equal for triggers that found a sync already queued.' }) jobId!: string;
  @Field({ description: 'True when a sync of this source was already queued or running (no second run starts).' })
  alreadyQueued!: boolean;
}
