/**
 * `--filter key=value` as docker/cli reads it (FilterOpt: a value without `=` is the flag's own
 * error, exit 125) and the daemon checks it (an unknown key: `invalid filter 'k'`). The same key
 * twice is an OR, different keys an AND (moby's filters.Args), which is each command's to apply.
 */
import { RequestError, UsageError } from '../errors.js';

export type FilterArgs = Map<string, string[]>;

export function parseFilterArgs(
  raw: string[],
  accepted: Iterable<string>,
  flag = '-f, --filter',
): FilterArgs {
  const known = new Set(accepted);
  const out: FilterArgs = new Map();
  for (const f of raw) {
    const eq = f.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(
        `invalid argument "${f}" for "${flag}" flag: bad format of filter (expected name=value)`,
      );
    }
    const key = f.slice(0, eq).toLowerCase();
    if (!known.has(key)) throw new RequestError(`Error response from daemon: invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), f.slice(eq + 1)]);
  }
  return out;
}
