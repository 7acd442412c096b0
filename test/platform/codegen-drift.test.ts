import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/platform/paths';

describe('schema/client (typed client from codegen.yml)', () => {
  it('is current with schema/ and schema/operations/ (run `npm run codegen`)', () => {
    // The codegen CLI is ESM-only, so it runs as its own process; --check writes nothing
    // and exits non-zero when an output would change.
    const root = projectRoot();
    const r = spawnSync(join(root, 'node_modules/.bin/graphql-codegen'), ['--config', 'codegen.yml', '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: r.status, output: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({ status: 0, output: '' });
  });
});
