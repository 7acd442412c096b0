import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsEnum, IsString, Length, Matches } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PageInfo } from '../platform/graphql/relay';
import type { PartnerApp } from './partner-app.entity';
import { PartnerRole } from './partner-role';
import { PartnerRoleEnum } from './partner-role.type';
import { MAX_PURPOSES, PURPOSE_PATTERN, PURPOSE_RULE } from './purposes';

@ObjectType('PartnerApp', { description: 'An application registered to query the hub for one municipality. Never carries its secret.' })
export class PartnerAppView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'Kommunekode of the municipality the app is bound to.' }) municipalityCode!: string;
  @Field(() => PartnerRoleEnum) role!: PartnerRole;
  @Field({ description: 'OAuth client id (`client_id` at POST /oauth/token).' }) clientId!: string;
  @Field(() => [String], { description: 'Purposes the app may ask for (its OAuth scopes).' }) purposes!: string[];
  @Field({ description: 'False once deactivated: no new tokens, and issued tokens stop working at once.' }) active!: boolean;
  @Field() createdAt!: Date;
}

export function toPartnerAppView(app: PartnerApp, municipalityCode: string): PartnerAppView {
  return {
    id: app.id,
    name: app.name,
    municipalityCode,
    role: app.role,
    clientId: app.clientId,
    purposes: [...app.purposes],
    active: app.active,
    createdAt: app.createdAt,
  };
}

@ObjectType('PartnerAppEdge')
export class PartnerAppEdge {
  @Field(() => PartnerAppView) node!: PartnerAppView;
  @Field() cursor!: string;
}

@ObjectType('PartnerAppConnection')
export class PartnerAppConnection {
  @Field(() => [PartnerAppEdge]) edges!: PartnerAppEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType('PartnerAppCredentials', {
  description: 'Returned once by registration and rotation: the client secret is not stored and cannot be shown again.',
})
export class PartnerAppCredentials {
  @Field(() => PartnerAppView) partnerApp!: PartnerAppView;
  @Field() clientId!: string;
  @Field({ description: 'Shown only in this response. Keep it in a secret store; rotate it if it leaks.' }) clientSecret!: string;
}

@InputType({ description: 'Register a partner app for one municipality.' })
export class RegisterPartnerAppInput {
  @Field() @IsString() @Length(1, 200) name!: string;

  @Field({ description: 'Kommunekode, 3 digits.' }) @Matches(/^\d{3}$/, { message: 'must be a 3-digit kommunekode' })
  municipalityCode!: string;

  @Field(() => PartnerRoleEnum) @IsEnum(PartnerRole) role!: PartnerRole;

  @Field(() => [String], { description: `At least one purpose: ${PURPOSE_RULE}.` })
  @ArrayMinSize(1, { message: 'must name at least one purpose' })
  @ArrayMaxSize(MAX_PURPOSES, { message: `at most ${MAX_PURPOSES} purposes` })
  @ArrayUnique({ message: 'must not repeat a purpose' })
  @Matches(PURPOSE_PATTERN, { each: true, message: `each purpose: ${PURPOSE_RULE}` })
  purposes!: string[];
}
