/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ChildView($id: ID!) {\n  child(id: $id) {\n    id\n    firstName\n    lastName\n    birthDate\n    municipality {\n      code\n      name\n    }\n    placements {\n      type\n      placeName\n      legalBasis\n      startDate\n      endDate\n      current\n    }\n    currentEnrollment {\n      gradeLevel\n      className\n      school {\n        institutionNumber\n        name\n      }\n    }\n    enrollments {\n      gradeLevel\n      startDate\n      endDate\n      school {\n        institutionNumber\n      }\n    }\n    attendanceSummaries(periodKind: QUARTER) {\n      periodStart\n      periodEnd\n      schoolDays\n      illnessDays\n      authorisedDays\n      unauthorisedDays\n      absencePercent\n      unauthorisedPercent\n    }\n    grades {\n      subject\n      kind\n      value\n      display\n      gradeDate\n      schoolYear\n    }\n  }\n}": typeof types.ChildViewDocument,
    "query ChildrenPage($first: Int!, $after: String, $municipalityCode: String) {\n  children(first: $first, after: $after, municipalityCode: $municipalityCode) {\n    edges {\n      cursor\n      node {\n        id\n        firstName\n        lastName\n        municipality {\n          code\n        }\n        placements {\n          type\n          current\n        }\n        currentEnrollment {\n          gradeLevel\n          school {\n            name\n          }\n        }\n        attendanceSummaries(periodKind: SCHOOL_YEAR) {\n          absencePercent\n          unauthorisedPercent\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ChildrenPageDocument,
};
const documents: Documents = {
    "query ChildView($id: ID!) {\n  child(id: $id) {\n    id\n    firstName\n    lastName\n    birthDate\n    municipality {\n      code\n      name\n    }\n    placements {\n      type\n      placeName\n      legalBasis\n      startDate\n      endDate\n      current\n    }\n    currentEnrollment {\n      gradeLevel\n      className\n      school {\n        institutionNumber\n        name\n      }\n    }\n    enrollments {\n      gradeLevel\n      startDate\n      endDate\n      school {\n        institutionNumber\n      }\n    }\n    attendanceSummaries(periodKind: QUARTER) {\n      periodStart\n      periodEnd\n      schoolDays\n      illnessDays\n      authorisedDays\n      unauthorisedDays\n      absencePercent\n      unauthorisedPercent\n    }\n    grades {\n      subject\n      kind\n      value\n      display\n      gradeDate\n      schoolYear\n    }\n  }\n}": types.ChildViewDocument,
    "query ChildrenPage($first: Int!, $after: String, $municipalityCode: String) {\n  children(first: $first, after: $after, municipalityCode: $municipalityCode) {\n    edges {\n      cursor\n      node {\n        id\n        firstName\n        lastName\n        municipality {\n          code\n        }\n        placements {\n          type\n          current\n        }\n        currentEnrollment {\n          gradeLevel\n          school {\n            name\n          }\n        }\n        attendanceSummaries(periodKind: SCHOOL_YEAR) {\n          absencePercent\n          unauthorisedPercent\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ChildrenPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChildView($id: ID!) {\n  child(id: $id) {\n    id\n    firstName\n    lastName\n    birthDate\n    municipality {\n      code\n      name\n    }\n    placements {\n      type\n      placeName\n      legalBasis\n      startDate\n      endDate\n      current\n    }\n    currentEnrollment {\n      gradeLevel\n      className\n      school {\n        institutionNumber\n        name\n      }\n    }\n    enrollments {\n      gradeLevel\n      startDate\n      endDate\n      school {\n        institutionNumber\n      }\n    }\n    attendanceSummaries(periodKind: QUARTER) {\n      periodStart\n      periodEnd\n      schoolDays\n      illnessDays\n      authorisedDays\n      unauthorisedDays\n      absencePercent\n      unauthorisedPercent\n    }\n    grades {\n      subject\n      kind\n      value\n      display\n      gradeDate\n      schoolYear\n    }\n  }\n}"): (typeof documents)["query ChildView($id: ID!) {\n  child(id: $id) {\n    id\n    firstName\n    lastName\n    birthDate\n    municipality {\n      code\n      name\n    }\n    placements {\n      type\n      placeName\n      legalBasis\n      startDate\n      endDate\n      current\n    }\n    currentEnrollment {\n      gradeLevel\n      className\n      school {\n        institutionNumber\n        name\n      }\n    }\n    enrollments {\n      gradeLevel\n      startDate\n      endDate\n      school {\n        institutionNumber\n      }\n    }\n    attendanceSummaries(periodKind: QUARTER) {\n      periodStart\n      periodEnd\n      schoolDays\n      illnessDays\n      authorisedDays\n      unauthorisedDays\n      absencePercent\n      unauthorisedPercent\n    }\n    grades {\n      subject\n      kind\n      value\n      display\n      gradeDate\n      schoolYear\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChildrenPage($first: Int!, $after: String, $municipalityCode: String) {\n  children(first: $first, after: $after, municipalityCode: $municipalityCode) {\n    edges {\n      cursor\n      node {\n        id\n        firstName\n        lastName\n        municipality {\n          code\n        }\n        placements {\n          type\n          current\n        }\n        currentEnrollment {\n          gradeLevel\n          school {\n            name\n          }\n        }\n        attendanceSummaries(periodKind: SCHOOL_YEAR) {\n          absencePercent\n          unauthorisedPercent\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query ChildrenPage($first: Int!, $after: String, $municipalityCode: String) {\n  children(first: $first, after: $after, municipalityCode: $municipalityCode) {\n    edges {\n      cursor\n      node {\n        id\n        firstName\n        lastName\n        municipality {\n          code\n        }\n        placements {\n          type\n          current\n        }\n        currentEnrollment {\n          gradeLevel\n          school {\n            name\n          }\n        }\n        attendanceSummaries(periodKind: SCHOOL_YEAR) {\n          absencePercent\n          unauthorisedPercent\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;