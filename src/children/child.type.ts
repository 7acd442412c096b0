import { LocalDateResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { PageInfo } from '../platform/graphql/relay';
import type { Child } from './child.entity';

@ObjectType('Child', { description: 'One child placed in care, joined across the case system and the school systems.' })
export class ChildView {
  @Field(() => ID) id!: string;
  @Field() firstName!: string;
  @Field() lastName!: string;
  @Field(() => LocalDateResolver) birthDate!: string;

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
