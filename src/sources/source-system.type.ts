import { IsBoolean, IsEnum, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import { JSONObjectResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { type SourceSystem, SourceSystemKind } from './source-system.entity';

export const SourceSystemKindEnum = graphqlEnum(SourceSystemKind, 'SourceSystemKind', 'Which connector reads the source.');

@ObjectType('SourceSystem', { description: 'A configured source of data (case system, school system, file drop).' })
export class SourceSystemView {
  @Field(() => ID) id!: string;
  @Field({ description: 'Kommunekode of the municipality the source belongs to.' }) municipalityCode!: string;
  @Field() name!: string;
  @Field(() => SourceSystemKindEnum) kind!: SourceSystemKind;
  @Field(() => String, { nullable: true }) baseUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the secret holding the credentials (never the credentials).' })
  credentialRef!: string | null;
  @Field(() => JSONObjectResolver, { description: 'Non-secret connector settings (page size, rate, timeouts).' })
  config!: Record<string, unknown>;
  @Field(() => String, { nullable: true, description: 'Cron (Europe/Copenhagen) for incremental syncs.' }) schedule!: string | null;
  @Field(() => String, { nullable: true, description: 'Cron (Europe/Copenhagen) for full resyncs that repair drift.' })
  fullResyncSchedule!: string | null;
  @Field({ description: 'False when paused: no scheduled or triggered syncs run.' }) enabled!: boolean;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export function toSourceSystemView(s: SourceSystem, municipalityCode: string): SourceSystemView {
  return {
    id: s.id,
    municipalityCode,
    name: s.name,
    kind: s.kind,
    baseUrl: s.baseUrl ?? null,
    credentialRef: s.credentialRef ?? null,
    config: s.config,
    schedule: s.schedule ?? null,
    fullResyncSchedule: s.fullResyncSchedule ?? null,
    enabled: s.enabled,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

@InputType({ description: 'Create a source (no id) or change one (id). Kind and municipality are fixed once created.' })
export class SourceSystemInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() id?: string | null;

  @Field({ description: 'Kommunekode, 3 digits.' }) @Matches(/^\d{3}$/, { message: 'must be a 3-digit kommunekode' })
  municipalityCode!: string;

  @Field() @IsString() @Length(1, 200) name!: string;

  @Field(() => SourceSystemKindEnum) @IsEnum(SourceSystemKind) kind!: SourceSystemKind;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'must be an http(s) URL' })
  baseUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'Secret name; the value lives in env SKOLEBRO_SECRET_<REF>.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,64}$/, { message: 'must be 1-64 letters, digits or underscores' })
  credentialRef?: string | null;

  @Field(() => JSONObjectResolver, { nullable: true }) @IsOptional() config?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() schedule?: string | null;

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() fullResyncSchedule?: string | null;

  // No GraphQL default: an edit that omits it must keep a paused source paused.
  @Field(() => Boolean, { nullable: true, description: 'Omitted: true on create, unchanged on update.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;
}
