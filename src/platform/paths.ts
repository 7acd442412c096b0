import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found the same way from src/ (tests) and dist/src/ (built). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('node_modules')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + from);
    dir = parent;
  }
  return dir;
}
