import { Field, ObjectType } from 'type-graphql';
import { HubError } from './errors';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export const MAX_PAGE_SIZE = 100;

/** Opaque cursors: base64url of "<kind>:<key>", so clients cannot depend on their shape. */
export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(`${kind}:`)) throw HubError.badInput('after', 'not a valid cursor');
  return decoded.slice(kind.length + 1);
}

export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw HubError.badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
}

/** Builds a page from `first + 1` rows fetched after the cursor. */
export function toPage<T>(rows: T[], first: number, keyOf: (row: T) => string, kind: string, hasPrevious: boolean) {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor(kind, keyOf(node)) }));
  const pageInfo: PageInfo = {
    hasNextPage: rows.length > first,
    hasPreviousPage: hasPrevious,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
  return { edges, pageInfo };
}
