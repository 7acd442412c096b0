import Module, { createRequire } from 'node:module';
import type * as JoseModule from 'jose' with { 'resolution-mode': 'import' };

export type Jose = typeof JoseModule;

type NodeModuleInternals = {
  new (id: string): { filename: string; paths: string[] };
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _nodeModulePaths(dir: string): string[];
};

/**
 * jose 6 ships only as ES modules, and this build is CommonJS (tsc `module: node16` refuses a
 * static import of it). Node ≥ 20.19 (see `engines`) loads ES modules with `require()`, which is
 * what the first branch does. Jest's own module registry (on Node < 24.9) refuses that and answers
 * ERR_REQUIRE_ESM; there we ask Node's loader directly. Either way it is the same jose, once.
 */
function loadJose(): Jose {
  try {
    return createRequire(__filename)('jose') as Jose;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
    const M = Module as unknown as NodeModuleInternals;
    const parent = new M(__filename);
    parent.filename = __filename;
    parent.paths = M._nodeModulePaths(__dirname);
    return M._load('jose', parent, false) as Jose;
  }
}

export const jose: Jose = loadJose();
