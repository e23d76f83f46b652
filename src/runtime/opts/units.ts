/**
 * go-units `RAMInBytes` and `ParseUlimit`, byte for byte: Docker's size flags (--memory, --shm-size,
 * --device-read-bps …) and --ulimit go through these, so their accepted forms and error texts are
 * what scripts see.
 */

// One go-units parser serves the whole tool (src/runtime/format/units.ts); its UsageErrors carry
// go-units' text, which callers here wrap the way pflag does.
export { goParseFloat, ramInBytes } from '../format/units.js';

export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

/** Resource names --ulimit accepts ("as" is deliberately absent, as in go-units). */
export const ulimitNames = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;

function goParseInt(s: string): number {
  if (!/^[+-]?\d+$/.test(s))
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) {
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return Number(n);
}

function ulimitValue(s: string): number {
  return s === 'infinity' ? -1 : goParseInt(s);
}

/** `name=soft[:hard]`; hard defaults to soft; -1/infinity mean unlimited. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq === -1) throw new Error(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  const rest = val.slice(eq + 1);
  if (!(ulimitNames as readonly string[]).includes(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = rest.split(':');
  if (parts.length > 2) {
    throw new Error(`too many limit value arguments - ${rest}, can only have up to two, \`soft[:hard]\``);
  }
  const hard = parts.length === 2 ? ulimitValue(parts[1]!) : undefined;
  const soft = ulimitValue(parts[0]!);
  const h = hard ?? soft;
  if (h !== -1) {
    if (soft === -1) {
      throw new Error(
        `ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${h}`,
      );
    }
    if (soft > h)
      throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  }
  return { Name: name, Hard: h, Soft: soft };
}
