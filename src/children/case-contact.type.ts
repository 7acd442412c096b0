import { LocalDateResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { type CaseContact, CaseContactRole } from './case-contact.entity';

const CaseContactRoleEnum = graphqlEnum(CaseContactRole, 'CaseContactRole', 'Role in the team around the child.');

@ObjectType('CaseContact', { description: 'A professional in the team around the child.' })
export class CaseContactView {
  @Field(() => ID) id!: string;
  @Field(() => CaseContactRoleEnum) role!: CaseContactRole;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) organisation!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => LocalDateResolver) startDate!: string;
  @Field(() => LocalDateResolver, { nullable: true }) endDate!: string | null;
  @Field({ description: 'True while the contact has no end date or ends in the future.' }) current!: boolean;
}

export function toCaseContactView(c: CaseContact, today: string): CaseContactView {
  return {
    id: c.id,
    role: c.role,
    name: c.name,
    organisation: c.organisation ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    startDate: c.startDate,
    endDate: c.endDate ?? null,
    current: c.startDate <= today && (!c.endDate || c.endDate >= today),
  };
}
