/**
 * Where tsdock is installed. Code runs both as tsc output (dist/…) and as esbuild chunks
 * (dist/bundle/…), so paths are found from the package root rather than relative to each file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function installRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tsdock') {
      cached = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('tsdock: cannot find its install root (package.json)');
    dir = up;
  }
}

export const rootPath = (...parts: string[]): string => join(installRoot(), ...parts);
