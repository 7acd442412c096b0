import { readFile } from 'node:fs/promises';
import { buildHubSchema, printHubSchema, SCHEMA_FILE } from '../../src/platform/graphql/schema';

describe('schema/schema.graphql', () => {
  it('matches the schema built from the code (run `npm run schema:emit` after changing types)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(printHubSchema(await buildHubSchema())).toBe(committed);
  });
});
