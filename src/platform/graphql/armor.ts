import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { GraphQLError } from 'graphql';

/** Limits on the shape of a request, sized so the partner operations in schema/operations pass. */
export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 3000,
  maxDirectives: 20,
  maxCost: 20_000,
} as const;

/** Reports a rejection as a validation error that names the limit it hit (`extensions.limit`). */
const reject = (limit: string) => ({
  propagateOnRejection: false,
  onReject: [
    ((ctx, error) => ctx?.reportError(new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit } }))) as GraphQLArmorRejectCallback,
  ],
});

/**
 * graphql-armor: depth, aliases, directives and cost limits; batched HTTP requests
 * off. Introspection fields are counted like any other (ignoreIntrospection: false), which
 * also closes the published `__schema`-named-fragment bypasses of the depth and cost rules.
 * Field suggestions are blocked in production so a probe cannot map the schema.
 */
export function armor(production: boolean) {
  return new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...reject('max_depth') },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...reject('max_aliases') },
    // Tokens are limited by graphql-js's own parser (Apollo `parseOptions.maxTokens`), which keeps
    // syntax errors answered as GRAPHQL_PARSE_FAILED; armor's re-parse would relabel them.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...reject('max_directives') },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: false, flattenFragments: true, ...reject('cost_limit') },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}
