import { registerEnumType } from 'type-graphql';

const screamingSnake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * Registers a domain string enum for GraphQL with conventional SCREAMING_SNAKE value
 * names (PlacementType.ChildrensHome → CHILDRENS_HOME) while the runtime values stay the
 * domain's, so resolvers pass entity values straight through.
 */
export function graphqlEnum<E extends Record<string, string>>(domainEnum: E, name: string, description?: string): E {
  const mirror = Object.fromEntries(Object.entries(domainEnum).map(([k, v]) => [screamingSnake(k), v]));
  registerEnumType(mirror, { name, description });
  return mirror as E;
}
