/**
 * Marks for bin/tsdock's code cache. A command's cache holds the bytecode of what the runs that
 * wrote it executed; a run down another path (a bridge network after `--network none`) compiles
 * that path's functions afresh every time (~10 ms of CPU for a bridge `run`). A run that takes a
 * path its cache has not seen writes the cache again, which then holds both. Modules loaded on
 * demand count themselves (scripts/bundle.mjs); these marks are for paths inside modules that
 * every run of the command loads anyway.
 */
const PATHS = { bridge: 1, ports: 2, attachSession: 4 } as const;

declare global {
  var __tsdockPaths: number | undefined;
}

export function tookPath(path: keyof typeof PATHS): void {
  globalThis.__tsdockPaths = (globalThis.__tsdockPaths ?? 0) | PATHS[path];
}
