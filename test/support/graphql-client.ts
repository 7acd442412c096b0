import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** Posts a typed operation from schema/client over real HTTP. */
export async function execute<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  return post<TData>(url, { query: print(document), variables }, headers);
}

/** Posts any raw request body (for malformed and hand-written queries). */
export async function post<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

type Errors = GraphQLResponse<unknown>['errors'];
/** The first error's stable `extensions.code`. */
export const errorCode = (errors?: Errors) => errors?.[0]?.extensions?.code;
/** The first error's `extensions.reason` (refusals that say which rule refused). */
export const errorReason = (errors?: Errors) => (errors?.[0]?.extensions as { reason?: string } | undefined)?.reason;
