import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ConsentGrantorKind } from '../consent/consent.entity';
import { ConsentGrantorKindEnum, DataCategoryEnum } from '../consent/consent.type';
import type { DataCategory } from '../consent/data-category';

/** Why a merge is refused: `extensions.reason` beside the code BAD_USER_INPUT. */
export enum ChildMergeRefusal {
  SameChild = 'SAME_CHILD',
  DifferentMunicipalities = 'DIFFERENT_MUNICIPALITIES',
  /** A person decided a record linked to one child is not the other: decide that again first. */
  ConflictsWithRejection = 'CONFLICTS_WITH_REJECTION',
}

@ObjectType('ChildMergeCounts', { description: 'Rows moved from the merged child to the kept child.' })
export class ChildMergeCounts {
  @Field(() => Int) placements!: number;
  @Field(() => Int) caseContacts!: number;
  @Field(() => Int) custodyHolders!: number;
  @Field(() => Int) interventions!: number;
  @Field(() => Int) enrollments!: number;
  @Field(() => Int) grades!: number;
  @Field(() => Int) wellbeing!: number;
  @Field(() => Int, { description: 'Days moved; clashing days dropped are counted apart.' }) attendanceDays!: number;
  @Field(() => Int, { description: 'Source records now linked to the kept child, the case system’s included.' }) identityLinks!: number;
  @Field(() => Int, { description: 'Remembered rejections (one the kept child already had is not doubled).' }) identityRejections!: number;
  @Field(() => Int, { description: 'Consents and legal bases with their history, whatever their status.' }) consents!: number;
}

@ObjectType('ConsentNeedingReview', { description: 'A consent suspended by a merge: it was valid for one of the two children only.' })
export class ConsentNeedingReview {
  @Field(() => ID) consentId!: string;
  @Field(() => ID, { description: 'The child it was recorded for before the merge.' }) fromChildId!: string;
  @Field(() => ConsentGrantorKindEnum) grantorKind!: ConsentGrantorKind;
  @Field(() => [DataCategoryEnum], { description: 'Categories its permits named.' }) categories!: DataCategory[];
}

@ObjectType('ChildMergeResult', { description: 'What mergeChildren did. The merged child id is unknown to every read from now on.' })
export class ChildMergeResult {
  @Field(() => ID) keptChildId!: string;
  @Field(() => ID) mergedChildId!: string;
  @Field(() => ChildMergeCounts) moved!: ChildMergeCounts;
  @Field(() => Int, { description: 'School days both children had: the older record was dropped.' }) attendanceClashesDropped!: number;
  @Field(() => [ID], { description: 'Consents in force for the merged person: valid for both children.' }) consentsKept!: string[];
  @Field(() => [ID], { description: 'The merged child’s consents the kept child’s already covered: superseded.' }) consentsSuperseded!: string[];
  @Field(() => [ConsentNeedingReview], { description: 'Suspended until an admin records consent for the merged person.' })
  consentsNeedingReview!: ConsentNeedingReview[];
  @Field(() => Int, { description: 'Pending identity reviews that proposed the merged child: sent back to matching.' }) reviewsRequeued!: number;
}
