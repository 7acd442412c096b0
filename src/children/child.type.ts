import { LocalDateResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { ChildData } from '../consent/child-data.decorator';
import { DataCategory } from '../consent/data-category';
import { PageInfo } from '../platform/graphql/relay';
import type { Child } from './child.entity';

@ObjectType('Child', {
  description:
    'One child placed in care, joined across the case system and the school systems. Each field belongs to one data category; a field whose category this app may not see is null with a CONSENT_REQUIRED error.',
})
export class ChildView {
  @Field(() => ID) id!: string;
  @ChildData(DataCategory.Identity) @Field(() => String, { nullable: true }) firstName!: string;
  @ChildData(DataCategory.Identity) @Field(() => String, { nullable: true }) lastName!: string;
  @ChildData(DataCategory.Identity) @Field(() => LocalDateResolver, { nullable: true }) birthDate!: string;

  /** Resolved through a loader; not a GraphQL field itself. */
  municipalityId!: string;
}

export function toChildView(child: Child): ChildView {
  return {
    id: child.id,
    firstName: child.firstName,
    lastName: child.lastName,
    birthDate: child.birthDate,
    municipalityId: child.municipality.id,
  };
}

@ObjectType('ChildEdge')
export class ChildEdge {
  @Field(() => ChildView) node!: ChildView;
  @Field() cursor!: string;
}

@ObjectType('ChildConnection')
export class ChildConnection {
  @Field(() => [ChildEdge]) edges!: ChildEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
