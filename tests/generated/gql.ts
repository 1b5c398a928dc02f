/* eslint-disable */
import * as types from './graphql.js';
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
    "query CatalogPage($first: Int, $after: String, $filter: CourseFilter, $orderBy: CourseOrder) {\n  courses(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        level\n        tags\n        isActive\n        durationMinutes\n        prerequisites {\n          id\n          title\n        }\n      }\n    }\n  }\n}\n\nquery CourseById($id: ID!) {\n  course(id: $id) {\n    id\n    title\n    description\n    level\n    content\n    contentPath\n  }\n}\n\nquery NodeById($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Course {\n      title\n    }\n    ... on Character {\n      displayName\n    }\n    ... on User {\n      displayName\n    }\n  }\n}\n\nquery Characters($first: Int, $filter: CharacterFilter) {\n  characters(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        displayName\n        specialization\n        skillLevel\n        conversationStyle\n      }\n    }\n  }\n}\n\nquery CharacterPersonality($id: ID!) {\n  character(id: $id) {\n    id\n    personalityConfig\n  }\n}\n\nquery Viewer {\n  viewer {\n    id\n    displayName\n    email\n    role\n  }\n}": typeof types.CatalogPageDocument,
};
const documents: Documents = {
    "query CatalogPage($first: Int, $after: String, $filter: CourseFilter, $orderBy: CourseOrder) {\n  courses(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        level\n        tags\n        isActive\n        durationMinutes\n        prerequisites {\n          id\n          title\n        }\n      }\n    }\n  }\n}\n\nquery CourseById($id: ID!) {\n  course(id: $id) {\n    id\n    title\n    description\n    level\n    content\n    contentPath\n  }\n}\n\nquery NodeById($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Course {\n      title\n    }\n    ... on Character {\n      displayName\n    }\n    ... on User {\n      displayName\n    }\n  }\n}\n\nquery Characters($first: Int, $filter: CharacterFilter) {\n  characters(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        displayName\n        specialization\n        skillLevel\n        conversationStyle\n      }\n    }\n  }\n}\n\nquery CharacterPersonality($id: ID!) {\n  character(id: $id) {\n    id\n    personalityConfig\n  }\n}\n\nquery Viewer {\n  viewer {\n    id\n    displayName\n    email\n    role\n  }\n}": types.CatalogPageDocument,
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
export function graphql(source: "query CatalogPage($first: Int, $after: String, $filter: CourseFilter, $orderBy: CourseOrder) {\n  courses(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        level\n        tags\n        isActive\n        durationMinutes\n        prerequisites {\n          id\n          title\n        }\n      }\n    }\n  }\n}\n\nquery CourseById($id: ID!) {\n  course(id: $id) {\n    id\n    title\n    description\n    level\n    content\n    contentPath\n  }\n}\n\nquery NodeById($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Course {\n      title\n    }\n    ... on Character {\n      displayName\n    }\n    ... on User {\n      displayName\n    }\n  }\n}\n\nquery Characters($first: Int, $filter: CharacterFilter) {\n  characters(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        displayName\n        specialization\n        skillLevel\n        conversationStyle\n      }\n    }\n  }\n}\n\nquery CharacterPersonality($id: ID!) {\n  character(id: $id) {\n    id\n    personalityConfig\n  }\n}\n\nquery Viewer {\n  viewer {\n    id\n    displayName\n    email\n    role\n  }\n}"): (typeof documents)["query CatalogPage($first: Int, $after: String, $filter: CourseFilter, $orderBy: CourseOrder) {\n  courses(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        level\n        tags\n        isActive\n        durationMinutes\n        prerequisites {\n          id\n          title\n        }\n      }\n    }\n  }\n}\n\nquery CourseById($id: ID!) {\n  course(id: $id) {\n    id\n    title\n    description\n    level\n    content\n    contentPath\n  }\n}\n\nquery NodeById($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Course {\n      title\n    }\n    ... on Character {\n      displayName\n    }\n    ... on User {\n      displayName\n    }\n  }\n}\n\nquery Characters($first: Int, $filter: CharacterFilter) {\n  characters(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        displayName\n        specialization\n        skillLevel\n        conversationStyle\n      }\n    }\n  }\n}\n\nquery CharacterPersonality($id: ID!) {\n  character(id: $id) {\n    id\n    personalityConfig\n  }\n}\n\nquery Viewer {\n  viewer {\n    id\n    displayName\n    email\n    role\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;