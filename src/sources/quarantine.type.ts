import { IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { JSONResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { PageInfo } from '../platform/graphql/relay';
import type { QuarantinedRecord } from './quarantined-record.entity';

/** How an admin closes a quarantine entry (a later valid read closes it as "fixed at source"). */
export enum QuarantineResolution {
  FixedAtSource = 'fixed at source',
  Ignored = 'ignored',
}
export const QuarantineResolutionEnum = graphqlEnum(QuarantineResolution, 'QuarantineResolution');

@ObjectType('QuarantinedRecord', { description: 'A source record that failed mapping or validation; payload with CPR redacted.' })
export class QuarantinedRecordView {
  @Field(() => ID) id!: string;
  @Field(() => ID) sourceSystemId!: string;
  @Field(() => ID, { nullable: true, description: 'The run that last met it.' }) syncRunId!: string | null;
  @Field() stream!: string;
  @Field(() => String, { nullable: true }) externalId!: string | null;
  @Field() reason!: string;
  @Field(() => JSONResolver) redactedPayload!: unknown;
  @Field() firstSeenAt!: Date;
  @Field() lastSeenAt!: Date;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true }) resolution!: string | null;
}

export function toQuarantinedRecordView(q: QuarantinedRecord): QuarantinedRecordView {
  return {
    id: q.id,
    sourceSystemId: q.sourceSystem.id,
    syncRunId: q.syncRun?.id ?? null,
    stream: q.stream,
    externalId: q.externalId ?? null,
    reason: q.reason,
    redactedPayload: q.redactedPayload,
    firstSeenAt: q.firstSeenAt,
    lastSeenAt: q.lastSeenAt,
    resolvedAt: q.resolvedAt ?? null,
    resolution: q.resolution ?? null,
  };
}

@ObjectType('QuarantinedRecordEdge')
export class QuarantinedRecordEdge {
  @Field(() => QuarantinedRecordView) node!: QuarantinedRecordView;
  @Field() cursor!: string;
}

@ObjectType('QuarantinedRecordConnection')
export class QuarantinedRecordConnection {
  @Field(() => [QuarantinedRecordEdge]) edges!: QuarantinedRecordEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class ResolveQuarantinedRecordInput {
  @Field(() => ID) @IsString() id!: string;
  @Field(() => QuarantineResolutionEnum) @IsEnum(QuarantineResolution) resolution!: QuarantineResolution;
  @Field(() => String, { nullable: true, description: 'Why, for the next person to look.' })
  @IsOptional()
  @Length(1, 500)
  note?: string | null;
}
