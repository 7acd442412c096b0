/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Standpunktskarakter (TERM), prøvekarakter (EXAM) or årskarakter (YEAR). */
export type GradeKind =
  | 'EXAM'
  | 'TERM'
  | 'YEAR';

/** A value on the Danish 7-step scale (7-trinsskalaen). */
export type GradeValue =
  | 'FOUR'
  | 'MINUS_THREE'
  | 'SEVEN'
  | 'TEN'
  | 'TWELVE'
  | 'ZERO_TWO'
  | 'ZERO_ZERO';

/** Kind of placement outside the home (anbringelse). */
export type PlacementType =
  | 'BOARDING_SCHOOL'
  | 'CHILDRENS_HOME'
  | 'FOSTER_FAMILY'
  | 'NETWORK_FOSTER_FAMILY'
  | 'OPHOLDSSTED'
  | 'OWN_ROOM';

export type ChildViewQueryVariables = Exact<{
  id: string | number;
}>;


export type ChildViewQuery = { child: { id: string, firstName: string, lastName: string, birthDate: string, municipality: { code: string, name: string }, placements: Array<{ type: PlacementType, placeName: string, legalBasis: string, startDate: string, endDate: string | null, current: boolean }>, currentEnrollment: { gradeLevel: number, className: string | null, school: { institutionNumber: string, name: string } } | null, enrollments: Array<{ gradeLevel: number, startDate: string, endDate: string | null, school: { institutionNumber: string } }>, attendanceSummaries: Array<{ periodStart: string, periodEnd: string, schoolDays: number, illnessDays: number, authorisedDays: number, unauthorisedDays: number, absencePercent: number, unauthorisedPercent: number }>, grades: Array<{ subject: string, kind: GradeKind, value: GradeValue, display: string, gradeDate: string, schoolYear: string }> } | null };

export type ChildrenPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  municipalityCode?: string | null | undefined;
}>;


export type ChildrenPageQuery = { children: { edges: Array<{ cursor: string, node: { id: string, firstName: string, lastName: string, municipality: { code: string }, placements: Array<{ type: PlacementType, current: boolean }>, currentEnrollment: { gradeLevel: number, school: { name: string } } | null, attendanceSummaries: Array<{ absencePercent: number, unauthorisedPercent: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };


export const ChildViewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ChildView"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"child"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"birthDate"}},{"kind":"Field","name":{"kind":"Name","value":"municipality"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"placements"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"placeName"}},{"kind":"Field","name":{"kind":"Name","value":"legalBasis"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"current"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currentEnrollment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gradeLevel"}},{"kind":"Field","name":{"kind":"Name","value":"className"}},{"kind":"Field","name":{"kind":"Name","value":"school"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"institutionNumber"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"enrollments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gradeLevel"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"endDate"}},{"kind":"Field","name":{"kind":"Name","value":"school"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"institutionNumber"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"attendanceSummaries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"periodKind"},"value":{"kind":"EnumValue","value":"QUARTER"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"schoolDays"}},{"kind":"Field","name":{"kind":"Name","value":"illnessDays"}},{"kind":"Field","name":{"kind":"Name","value":"authorisedDays"}},{"kind":"Field","name":{"kind":"Name","value":"unauthorisedDays"}},{"kind":"Field","name":{"kind":"Name","value":"absencePercent"}},{"kind":"Field","name":{"kind":"Name","value":"unauthorisedPercent"}}]}},{"kind":"Field","name":{"kind":"Name","value":"grades"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"display"}},{"kind":"Field","name":{"kind":"Name","value":"gradeDate"}},{"kind":"Field","name":{"kind":"Name","value":"schoolYear"}}]}}]}}]}}]} as unknown as DocumentNode<ChildViewQuery, ChildViewQueryVariables>;
export const ChildrenPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ChildrenPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"municipalityCode"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"children"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"municipalityCode"},"value":{"kind":"Variable","name":{"kind":"Name","value":"municipalityCode"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"municipality"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"placements"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"current"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currentEnrollment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gradeLevel"}},{"kind":"Field","name":{"kind":"Name","value":"school"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"attendanceSummaries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"periodKind"},"value":{"kind":"EnumValue","value":"SCHOOL_YEAR"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"absencePercent"}},{"kind":"Field","name":{"kind":"Name","value":"unauthorisedPercent"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ChildrenPageQuery, ChildrenPageQueryVariables>;