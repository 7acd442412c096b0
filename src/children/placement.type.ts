import { LocalDateResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { type Placement, PlacementType } from './placement.entity';

const PlacementTypeEnum = graphqlEnum(PlacementType, 'PlacementType', 'Kind of placement outside the home (anbringelse).');

@ObjectType('Placement')
export class PlacementView {
  @Field(() => ID) id!: string;
  @Field(() => PlacementTypeEnum) type!: PlacementType;
  @Field() placeName!: string;
  @Field({ description: 'Legal basis, e.g. "Barnets lov §46".' }) legalBasis!: string;
  @Field(() => LocalDateResolver) startDate!: string;
  @Field(() => LocalDateResolver, { nullable: true }) endDate!: string | null;
  @Field({ description: 'True while the placement has no end date or ends in the future.' }) current!: boolean;
}

export function toPlacementView(p: Placement, today: string): PlacementView {
  return {
    id: p.id,
    type: p.type,
    placeName: p.placeName,
    legalBasis: p.legalBasis,
    startDate: p.startDate,
    endDate: p.endDate ?? null,
    current: p.startDate <= today && (!p.endDate || p.endDate >= today),
  };
}
