import { buildSchema, getNamedType, isObjectType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { DATA_CATEGORY_EXTENSION } from '../../src/consent/child-data.decorator';
import { ALL_DATA_CATEGORIES, type DataCategory } from '../../src/consent/data-category';
import { buildHubSchema } from '../../src/platform/graphql/schema';

/** Child fields without a data category, each with why it is not personal data. */
const NON_PERSONAL: Record<string, string> = {
  id: 'opaque hub id, needed to address the child; every child returned is logged as read anyway',
};

/** Root fields that can return a Child, each with how it logs the children it returns. */
const CHILD_ENTRY_POINTS: Record<string, string> = {
  'Query.child': 'notes the child as read (audit.shown)',
  'Query.children': 'notes every listed child as read (audit.shown)',
};

/** Fields typed Child: every other one would return children without noting them in the log. */
const CHILD_FIELDS: Record<string, string> = {
  'Query.child': 'the child view',
  'ChildEdge.node': 'the page of Query.children',
};

type AnyField = GraphQLField<unknown, unknown>;
const categoryOf = (f: AnyField) => f.extensions?.[DATA_CATEGORY_EXTENSION] as DataCategory | undefined;
const objectTypes = (schema: GraphQLSchema) => Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
const roots = (schema: GraphQLSchema) => [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is GraphQLObjectType => !!t);

/** Child fields that are neither categorised nor allow-listed: each would bypass consent and audit. */
function uncategorisedChildFields(schema: GraphQLSchema): string[] {
  const child = schema.getType('Child') as GraphQLObjectType;
  return Object.values(child.getFields())
    .filter((f) => !(f.name in NON_PERSONAL) && !ALL_DATA_CATEGORIES.includes(categoryOf(f)!))
    .map((f) => f.name);
}

/** Object types reachable from `from`, not going through `stop`. */
function reachable(from: GraphQLObjectType[], stop: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length) {
    const type = queue.pop()!;
    if (seen.has(type.name) || type.name === stop) continue;
    seen.add(type.name);
    for (const f of Object.values(type.getFields())) {
      const t = getNamedType(f.type);
      if (isObjectType(t)) queue.push(t);
    }
  }
  return seen;
}

describe('every Child field carries a data category', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildHubSchema();
  });

  it('finds an undecorated field (the check itself works)', () => {
    const sneaky = buildSchema('type Child { id: ID! secretNote: String } type Query { child: Child }');
    expect(uncategorisedChildFields(sneaky)).toEqual(['secretNote']);
  });

  it('has a known category on every Child field but the allow-listed ones', () => {
    expect(uncategorisedChildFields(schema)).toEqual([]);
    const fields = (schema.getType('Child') as GraphQLObjectType).getFields();
    for (const name of Object.keys(NON_PERSONAL)) expect(categoryOf(fields[name])).toBeUndefined();
  });

  it('guards every categorised field with the consent check of that category', async () => {
    const fields = Object.values((schema.getType('Child') as GraphQLObjectType).getFields()).filter((f) => categoryOf(f));
    for (const field of fields) {
      const asked: string[] = [];
      const refusal = Object.assign(new Error('refused'), { category: categoryOf(field) });
      const context = { access: { require: async (_id: string, category: string) => (asked.push(category), Promise.reject(refusal)) } };
      await expect(Promise.resolve(field.resolve!({ id: 'c1' }, {}, context, {} as never))).rejects.toBe(refusal);
      expect([field.name, asked]).toEqual([field.name, [categoryOf(field)]]);
    }
  });

  it('reaches Child only through entry points that log what they return', () => {
    const entry = roots(schema).flatMap((root) =>
      Object.values(root.getFields())
        .filter((f) => {
          const t = getNamedType(f.type);
          return t.name === 'Child' || (isObjectType(t) && reachable([t], '').has('Child'));
        })
        .map((f) => `${root.name}.${f.name}`),
    );
    expect(entry.sort()).toEqual(Object.keys(CHILD_ENTRY_POINTS).sort());
    const typedChild = objectTypes(schema).flatMap((t) =>
      Object.values(t.getFields())
        .filter((f) => getNamedType(f.type).name === 'Child')
        .map((f) => `${t.name}.${f.name}`),
    );
    expect(typedChild.sort()).toEqual(Object.keys(CHILD_FIELDS).sort());
  });

  // The guard keys on the child id of its root, so it sits on Child only: the types below a Child
  // field (Placement, Grade, School…) are gated by that field's category, as long as nothing
  // reaches them around Child.
  it('keeps the types under Child fields out of reach except through Child', () => {
    const child = schema.getType('Child') as GraphQLObjectType;
    const under = reachable(
      Object.values(child.getFields()).map((f) => getNamedType(f.type)).filter(isObjectType),
      'Child',
    );
    const elsewhere = reachable(roots(schema), 'Child');
    expect([...under].filter((t) => elsewhere.has(t))).toEqual([]);
  });
});
