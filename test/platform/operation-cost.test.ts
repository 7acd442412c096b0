import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, print, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { pageSizeCostRejections, QUERY_LIMITS } from '../../src/platform/graphql/armor';
import { MAX_PAGE_SIZE } from '../../src/platform/graphql/relay';
import { buildHubSchema } from '../../src/platform/graphql/schema';
import { projectRoot } from '../../src/platform/paths';

const OPERATIONS = join(projectRoot(), 'schema/operations');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.graphql') ? [join(dir, e.name)] : []));
const atLargestPage = { first: MAX_PAGE_SIZE, last: MAX_PAGE_SIZE };

/** The cost limit is sized to the operations the hub publishes, at their largest page. */
describe('query cost of the published operations', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildHubSchema();
  });

  it.each(files(OPERATIONS).map((f) => [f.slice(OPERATIONS.length + 1), f]))('%s passes with the largest page size', (_name, file) => {
    expect(pageSizeCostRejections(schema, parse(readFileSync(file, 'utf8')), atLargestPage)).toEqual([]);
  });

  const node = 'id firstName lastName placements { type placeName legalBasis startDate endDate } grades { subject kind value gradeDate } attendanceSummaries { periodStart schoolDays absencePercent }';

  it('refuses the same shapes multiplied by aliases', () => {
    const many = parse(`query($first: Int!) { ${Array.from({ length: 12 }, (_, i) => `c${i}: children(first: $first) { edges { node { ${node} } } }`).join(' ')} }`);
    const rejections = pageSizeCostRejections(schema, many, atLargestPage);
    expect(rejections.map((e) => e.message)).toEqual([expect.stringContaining(`Query Cost limit of ${QUERY_LIMITS.maxCost} exceeded`)]);
  });

  it('costs a page size left to a variable’s default, or to nothing, as that default or the largest page', () => {
    const shape = (head: string) =>
      parse(`query(${head}) { ${Array.from({ length: 12 }, (_, i) => `c${i}: children(first: $first) { edges { node { ${node} } } }`).join(' ')} }`);
    const exceeded = [expect.stringContaining('Query Cost limit')];
    expect(pageSizeCostRejections(schema, shape('$first: Int = 100'), {}).map((e) => e.message)).toEqual(exceeded);
    expect(pageSizeCostRejections(schema, shape('$first: Int'), {}).map((e) => e.message)).toEqual(exceeded);
    expect(pageSizeCostRejections(schema, shape('$first: Int = 100'), { first: 1 })).toEqual([]);
    // Another operation's default for the same variable name does not stand in for the running one's.
    const two = parse(`${print(shape('$first: Int = 100'))} query Other($first: Int = 1) { __typename }`);
    const running = two.definitions[0] as OperationDefinitionNode;
    expect(pageSizeCostRejections(schema, two, {}, running).map((e) => e.message)).toEqual(exceeded);
  });
});
