import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { BREAK, GraphQLError, Kind, validate, visit, type ArgumentNode, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { MAX_PAGE_SIZE } from './relay';

/** Limits on the shape of a request, sized so the partner operations in schema/operations pass. */
export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 3000,
  maxDirectives: 20,
  // Every operation in schema/operations passes at the largest page (MAX_PAGE_SIZE): the
  // identity review queue of 100 records beside their candidates costs ≈31,000
  // (test/platform/operation-cost.test.ts).
  maxCost: 40_000,
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
  const protection = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...reject('max_depth') },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...reject('max_aliases') },
    // Tokens are limited by graphql-js's own parser (Apollo `parseOptions.maxTokens`), which keeps
    // syntax errors answered as GRAPHQL_PARSE_FAILED; armor's re-parse would relabel them.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...reject('max_directives') },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: false, flattenFragments: true, ...reject('cost_limit') },
    blockFieldSuggestion: { enabled: production },
  }).protect();
  return { ...protection, plugins: [...protection.plugins, pageSizeCost()] };
}

const COST_OPTIONS = { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: false, flattenFragments: true, propagateOnRejection: false } as const;

/**
 * armor's cost rule multiplies a list's cost by its `first`/`last` only when the number is
 * written in the query; validation runs before variables are known, so `children(first: $n)`
 * would cost as one child. Once the operation is resolved, the page-size variables are written
 * into the document and the same rule runs again.
 */
function pageSizeCost(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          const rejections = pageSizeCostRejections(schema, document, request.variables ?? {}, operation);
          if (rejections.length) {
            throw new GraphQLError(rejections[0].message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost_limit', http: { status: 400 } } });
          }
        },
      };
    },
  };
}

/** armor's cost rule over the document with its page-size variables bound (none: nothing to add). */
export function pageSizeCostRejections(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operation?: OperationDefinitionNode,
): GraphQLError[] {
  const bound = withPageSizes(document, variables, operation);
  if (!bound) return [];
  const rejections: GraphQLError[] = [];
  const onReject = [((_ctx, error) => rejections.push(error)) as GraphQLArmorRejectCallback];
  validate(schema, bound, [costLimitRule({ ...COST_OPTIONS, onReject })]);
  return rejections;
}

/**
 * The document with `first`/`last` variables replaced by their values — the value sent, else the
 * variable's default in the operation, else the largest page (what the resolver may then apply
 * is at most that); null if no page size is a variable.
 */
/** Per parsed document (Apollo reuses it for the same query text): does a page size come from a variable? */
const PAGE_SIZE_VARIABLES = new WeakMap<DocumentNode, boolean>();

const isPageSizeVariable = (node: ArgumentNode) => (node.name.value === 'first' || node.name.value === 'last') && node.value.kind === Kind.VARIABLE;

function usesPageSizeVariables(document: DocumentNode): boolean {
  let uses = PAGE_SIZE_VARIABLES.get(document);
  if (uses === undefined) {
    uses = false;
    visit(document, {
      Argument(node: ArgumentNode) {
        if (!isPageSizeVariable(node)) return undefined;
        uses = true;
        return BREAK;
      },
    });
    PAGE_SIZE_VARIABLES.set(document, uses);
  }
  return uses;
}

function withPageSizes(document: DocumentNode, variables: Record<string, unknown>, operation?: OperationDefinitionNode): DocumentNode | null {
  // Most requests (the child view) have none: no walk, no second cost pass.
  if (!usesPageSizeVariables(document)) return null;
  // Defaults of the operation that runs (another operation of the document may declare the same name).
  const running = operation ?? document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const defaults = new Map<string, number>();
  for (const v of running?.variableDefinitions ?? []) {
    if (v.defaultValue?.kind === Kind.INT) defaults.set(v.variable.name.value, Number(v.defaultValue.value));
  }
  const result = visit(document, {
    Argument(node: ArgumentNode) {
      if (!isPageSizeVariable(node) || node.value.kind !== Kind.VARIABLE) return undefined;
      const name = node.value.name.value;
      const sent = variables[name];
      const value = Number.isSafeInteger(sent) ? (sent as number) : (defaults.get(name) ?? MAX_PAGE_SIZE);
      return { ...node, value: { kind: Kind.INT, value: String(value) } };
    },
  });
  return result;
}
