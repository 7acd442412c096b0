import { Field, ObjectType } from 'type-graphql';

@ObjectType('Municipality', { description: 'A Danish municipality (kommune), the tenant.' })
export class MunicipalityView {
  @Field({ description: 'Kommunekode, 3 digits.' }) code!: string;
  @Field() name!: string;
}
