import { JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import type { PartnerRole } from '../partners/partner-role';
import { PartnerRoleEnum } from '../partners/partner-role.type';
import { AuditAction, AuditDecision } from './audit-event.entity';

export const AuditActionEnum = graphqlEnum(AuditAction, 'AuditAction');
export const AuditDecisionEnum = graphqlEnum(AuditDecision, 'AuditDecision');

@ObjectType('AuditEvent', { description: 'One entry of the append-only access log. Never holds a CPR number.' })
export class AuditEventView {
  @Field(() => ID) id!: string;
  @Field() occurredAt!: Date;
  @Field({ description: 'Partner app client id or admin.' }) actor!: string;
  @Field(() => AuditActionEnum) action!: AuditAction;
  @Field(() => ID, { nullable: true }) childId!: string | null;
  @Field(() => JSONResolver, { nullable: true, description: 'For searches the criterion; for changes what changed.' }) detail!: unknown;
  @Field(() => [String]) categories!: string[];
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => AuditDecisionEnum) decision!: AuditDecision;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => String, { nullable: true }) target!: string | null;
}

@ObjectType('SubjectAccessEntry', { description: 'Who looked at the child’s data, what and why (the right of access).' })
export class SubjectAccessEntry {
  @Field({ description: 'The client id of the partner app (or the system actor) that read.' }) actor!: string;
  @Field(() => String, { nullable: true, description: 'The partner app’s name, as registered; null for a system actor.' }) appName!: string | null;
  @Field(() => PartnerRoleEnum, { nullable: true, description: 'The partner app’s role (school, children’s home, caseworker, …).' }) appRole!: PartnerRole | null;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => [String]) categories!: string[];
  @Field() firstAccess!: Date;
  @Field() lastAccess!: Date;
  @Field(() => Int) reads!: number;
}

@ObjectType('SubjectAccessReport')
export class SubjectAccessReport {
  @Field(() => ID) childId!: string;
  @Field() generatedAt!: Date;
  @Field(() => [SubjectAccessEntry], { description: 'Permitted reads grouped by app and purpose.' }) accesses!: SubjectAccessEntry[];
  @Field(() => [AuditEventView], { description: 'Changes to the child’s consents and mappings.' }) changes!: AuditEventView[];
}
