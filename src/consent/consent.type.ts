import { ArrayMaxSize, ArrayMinSize, IsDate, IsEnum, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PartnerRole } from '../partners/partner-role';
import { PartnerRoleEnum } from '../partners/partner-role.type';
import { graphqlEnum } from '../platform/graphql/enums';
import { ConsentEventKind } from './consent-event.entity';
import { ProvisionEffect } from './consent-provision.entity';
import { ConsentGrantorKind, ConsentStatus } from './consent.entity';
import { ALL_DATA_CATEGORIES, DataCategory } from './data-category';

export const DataCategoryEnum = graphqlEnum(DataCategory, 'DataCategory', 'The unit of consent: every field of a child belongs to one.');
export const ProvisionEffectEnum = graphqlEnum(ProvisionEffect, 'ProvisionEffect', 'Deny beats permit.');
export const ConsentGrantorKindEnum = graphqlEnum(ConsentGrantorKind, 'ConsentGrantorKind', 'Custody holder, the young person (15+), or a recorded legal basis.');
export const ConsentStatusEnum = graphqlEnum(ConsentStatus, 'ConsentStatus');
export const ConsentEventKindEnum = graphqlEnum(ConsentEventKind, 'ConsentEventKind');

export const PURPOSE_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

@ObjectType('ConsentProvision', { description: 'permit/deny × recipient (an app or a role) × categories × purposes × period.' })
export class ConsentProvisionView {
  @Field(() => ProvisionEffectEnum) effect!: ProvisionEffect;
  @Field(() => PartnerRoleEnum, { nullable: true }) recipientRole!: PartnerRole | null;
  @Field(() => ID, { nullable: true }) recipientPartnerAppId!: string | null;
  @Field(() => [DataCategoryEnum]) categories!: DataCategory[];
  @Field(() => [String]) purposes!: string[];
  @Field(() => Date, { nullable: true }) periodStart!: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd!: Date | null;
}

@ObjectType('ConsentEvent', { description: 'One step in a consent’s history.' })
export class ConsentEventView {
  @Field(() => ConsentEventKindEnum) kind!: ConsentEventKind;
  @Field() actor!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field() occurredAt!: Date;
}

@ObjectType('CustodyHolder', { description: 'A holder of custody (indehaver af forældremyndighed) of a child: who may grant consent. Never a CPR number.' })
export class CustodyHolderView {
  @Field(() => ID, { description: 'The id grantConsent takes as custodyHolderId.' }) id!: string;
  @Field() name!: string;
  @Field({ description: 'E.g. mother, father, appointed guardian.' }) relation!: string;
}

@ObjectType('Consent', { description: 'A consent (samtykke) or a recorded legal basis for sharing data about a child. Never edited: changes are new versions.' })
export class ConsentView {
  @Field(() => ID) id!: string;
  @Field(() => ID) childId!: string;
  @Field(() => ConsentGrantorKindEnum) grantorKind!: ConsentGrantorKind;
  @Field(() => ID, { nullable: true }) grantorCustodyHolderId!: string | null;
  @Field(() => String, { nullable: true, description: 'E.g. "Barnets lov §46"; null for a consent.' }) legalBasis!: string | null;
  @Field({ description: 'Where the signed consent or decision is kept.' }) evidenceRef!: string;
  @Field(() => ConsentStatusEnum, { description: 'Effective now: an active consent past its validTo reads EXPIRED.' }) status!: ConsentStatus;
  @Field() validFrom!: Date;
  @Field(() => Date, { nullable: true }) validTo!: Date | null;
  @Field(() => ID, { nullable: true }) supersedesId!: string | null;
  @Field(() => [ConsentProvisionView]) provisions!: ConsentProvisionView[];
  @Field(() => [ConsentEventView]) history!: ConsentEventView[];
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
}

@InputType()
export class ConsentProvisionInput {
  @Field(() => ProvisionEffectEnum) @IsEnum(ProvisionEffect) effect!: ProvisionEffect;

  @Field(() => PartnerRoleEnum, { nullable: true, description: 'Either a role or one partner app, not both.' })
  @IsOptional()
  @IsEnum(PartnerRole)
  recipientRole?: PartnerRole | null;

  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() recipientPartnerAppId?: string | null;

  @Field(() => [DataCategoryEnum]) @ArrayMinSize(1) @IsIn(ALL_DATA_CATEGORIES, { each: true }) categories!: DataCategory[];

  @Field(() => [String], { description: 'Purposes, e.g. "school_support".' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(PURPOSE_PATTERN, { each: true, message: 'each purpose must be a lowercase identifier like school_support' })
  purposes!: string[];

  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() periodStart?: Date | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() periodEnd?: Date | null;
}

@InputType()
export class GrantConsentInput {
  @Field(() => ID) @IsString() childId!: string;
  @Field(() => ConsentGrantorKindEnum) @IsEnum(ConsentGrantorKind) grantorKind!: ConsentGrantorKind;
  @Field(() => ID, { nullable: true, description: 'Required when a custody holder grants.' }) @IsOptional() @IsString() custodyHolderId?: string | null;
  @Field(() => String, { nullable: true, description: 'Required for LEGAL_BASIS, e.g. "Barnets lov §46".' })
  @IsOptional()
  @Length(3, 200)
  legalBasis?: string | null;
  @Field() @Length(1, 200) evidenceRef!: string;
  @Field(() => Date, { nullable: true, description: 'Default: now.' }) @IsOptional() @IsDate() validFrom?: Date | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsDate() validTo?: Date | null;
  @Field(() => ID, { nullable: true, description: 'The consent this version replaces (it becomes SUPERSEDED).' })
  @IsOptional()
  @IsString()
  supersedesId?: string | null;

  @Field(() => [ConsentProvisionInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  provisions!: ConsentProvisionInput[];
}

@InputType()
export class WithdrawConsentInput {
  @Field(() => ID) @IsString() id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 500) reason?: string | null;
}
