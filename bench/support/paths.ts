import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the benchmarks run compiled from dist-bench/, so it is looked up. */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${from}`);
}
