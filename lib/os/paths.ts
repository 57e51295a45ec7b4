/**
 * lib/os/paths.ts — where the kit's programs are. The same code runs compiled (dist/lib/..., what `node
 * master.js` runs) and as TypeScript (lib/..., what tap loads), so the root is found, not assumed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

export const ROOT = findRoot();
/** `node master.js`, as a user runs it. */
export const MASTER = path.join(ROOT, 'master.js');
/** A compiled entry point: `compiled('scripts/bench')` is dist/scripts/bench.js. */
export function compiled(name: string): string {
  return path.join(ROOT, 'dist', `${name}.js`);
}
