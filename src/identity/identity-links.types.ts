import { LocalDateResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { graphqlEnum } from '../platform/graphql/enums';
import { PageInfo } from '../platform/graphql/relay';
import { SourceSystemKindEnum } from '../sources/source-system.type';
import { SourceSystemKind } from '../sources/source-system.entity';
import { IdentityLinkMethod, IdentityLinkStatus } from './identity-link.entity';

export const IdentityLinkStatusEnum = graphqlEnum(
  IdentityLinkStatus,
  'IdentityLinkStatus',
  'LINKED: school data flows to the child. PENDING_REVIEW: proposals wait for a person. REJECTED: a person decided the record is none of the proposed children.',
);
export const IdentityLinkMethodEnum = graphqlEnum(IdentityLinkMethod, 'IdentityLinkMethod', 'How a record was matched to its child.');

@ObjectType('IdentityLinkSource', { description: 'The school source a record comes from.' })
export class IdentityLinkSourceView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => SourceSystemKindEnum) kind!: SourceSystemKind;
  @Field({ description: 'Kommunekode of the municipality the source belongs to.' }) municipalityCode!: string;
}

@ObjectType('PupilRecord', {
  description: 'The pupil as the school source describes them, held for matching. Identifiers only as presence flags: never a CPR number or its hash.',
})
export class PupilRecordView {
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => LocalDateResolver, { nullable: true }) birthDate!: string | null;
  @Field(() => String, { nullable: true, description: 'Institutionsnummer of the pupil’s school.' }) institutionNumber!: string | null;
  @Field({ description: 'The source sends a UNI-Login id for the pupil.' }) hasUniLogin!: boolean;
  @Field({ description: 'The source sends a CPR number for the pupil (held only as a keyed hash).' }) hasCprHash!: boolean;
  @Field() stagedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When matching last decided the record; null = waiting for matching.' }) matchedAt!: Date | null;
}

@ObjectType('IdentityCandidateChild', {
  description: 'A hub child proposed for a record. Name and birth date only when the child belongs to the admin’s municipality.',
})
export class IdentityCandidateChildView {
  @Field(() => ID) id!: string;
  @Field() municipalityCode!: string;
  @Field({ description: 'The child belongs to the admin’s municipality, so its name and birth date are shown.' }) ownMunicipality!: boolean;
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => LocalDateResolver, { nullable: true }) birthDate!: string | null;
}

@ObjectType('IdentityCandidate', {
  description: 'A proposed child beside the record: the score and which fields agree (names of fields, never their values).',
})
export class IdentityCandidateView {
  @Field(() => IdentityCandidateChildView) child!: IdentityCandidateChildView;
  @Field(() => Float, { description: '0–1.' }) score!: number;
  @Field(() => [String], { description: 'Fields that agree exactly: first_name, last_name, middle_names, birth_date, school, municipality, cpr, uni_login.' })
  agree!: string[];
  @Field(() => [String], { description: 'Fields that nearly agree (a letter off, a spelling variant, part of a double surname, ±1 day).' }) partial!: string[];
  @Field(() => [String]) disagree!: string[];
  @Field(() => [String], { description: 'Fields missing on one side.' }) missing!: string[];
  @Field(() => [String], { description: 'How partial agreements came about, e.g. name_order_swapped.' }) notes!: string[];
}

@ObjectType('IdentityLink', { description: 'A school record and the hub child it is, may be, or is not.' })
export class IdentityLinkView {
  @Field(() => ID) id!: string;
  @Field(() => IdentityLinkSourceView) source!: IdentityLinkSourceView;
  @Field({ description: 'The pupil’s id in the source.' }) externalId!: string;
  @Field(() => IdentityLinkMethodEnum) method!: IdentityLinkMethod;
  @Field(() => IdentityLinkStatusEnum) status!: IdentityLinkStatus;
  @Field(() => Float) confidence!: number;
  @Field(() => [String], { description: 'Why matching decided as it did, e.g. twin_candidates, ambiguous.' }) reasons!: string[];
  @Field(() => String, { nullable: true, description: 'Client id of the admin who decided; null = automatic.' }) decidedBy!: string | null;
  @Field(() => Date, { nullable: true }) decidedAt!: Date | null;
  @Field({ description: 'When the status last changed: the age of a pending review.' }) statusChangedAt!: Date;
  @Field() createdAt!: Date;
  @Field(() => PupilRecordView, { nullable: true, description: 'Null when the record is no longer held (minimisation).' }) pupil!: PupilRecordView | null;
  @Field(() => IdentityCandidateChildView, { nullable: true, description: 'The child, when linked.' }) linkedChild!: IdentityCandidateChildView | null;
  @Field(() => [IdentityCandidateView], { description: 'Proposals, best first; for a linked record without stored proposals, the linked child.' })
  candidates!: IdentityCandidateView[];
}

@ObjectType('IdentityLinkEdge')
export class IdentityLinkEdge {
  @Field(() => IdentityLinkView) node!: IdentityLinkView;
  @Field() cursor!: string;
}

@ObjectType('IdentityLinkConnection')
export class IdentityLinkConnection {
  @Field(() => [IdentityLinkEdge]) edges!: IdentityLinkEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType('IdentityLinkCount')
export class IdentityLinkCountView {
  @Field(() => IdentityLinkStatusEnum) status!: IdentityLinkStatus;
  @Field(() => IdentityLinkMethodEnum) method!: IdentityLinkMethod;
  @Field(() => Int) count!: number;
}

@ObjectType('ReviewQueueStats', { description: 'Records waiting for a person.' })
export class ReviewQueueStatsView {
  @Field(() => Int) size!: number;
  @Field(() => Date, { nullable: true, description: 'Since when the oldest pending review waits.' }) oldestSince!: Date | null;
  @Field(() => Int, { nullable: true }) oldestAgeSeconds!: number | null;
  @Field(() => Int, { nullable: true }) medianAgeSeconds!: number | null;
}

@ObjectType('IdentityMatchStats', { description: 'Quality figures of identity matching for school sources (case-system records are not matched).' })
export class IdentityMatchStatsView {
  @Field(() => [IdentityLinkCountView], { description: 'Every status × method, zeros included.' }) counts!: IdentityLinkCountView[];
  @Field(() => Int) linked!: number;
  @Field(() => Int) pendingReview!: number;
  @Field(() => Int) rejected!: number;
  @Field(() => Int, { description: 'Linked records a person decided (confirmed or linked by hand).' }) decidedByPerson!: number;
  @Field(() => Int, { description: 'Pupil records waiting for the matching job.' }) awaitingMatching!: number;
  @Field(() => ReviewQueueStatsView) reviewQueue!: ReviewQueueStatsView;
  @Field(() => Int, { description: 'Remembered (record, child) pairs a person rejected.' }) rejections!: number;
}
