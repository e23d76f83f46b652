/**
 * go-units `RAMInBytes` and `ParseUlimit`, byte for byte: Docker's size flags (--memory, --shm-size,
 * --device-read-bps …) and --ulimit go through these, so their accepted forms and error texts are
 * what scripts see. Errors are plain `Error`s: the caller wraps them the way pflag does.
 */

const binary: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Go's strconv.ParseFloat for the decimal forms a size can take; anything else is its syntax error. */
export function goParseFloat(s: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return Number(s);
}

/** Binary units, case-insensitive, optional `b`/`ib`, one optional space before the unit; fractions truncated. */
export function ramInBytes(size: string): number {
  let sep = -1;
  for (let i = size.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(size[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${size}'`);
  const num = size[sep] === ' ' ? size.slice(0, sep) : size.slice(0, sep + 1);
  let sfx = size.slice(sep + 1);
  let value = goParseFloat(num);
  if (value < 0) throw new Error(`invalid size: '${size}'`);
  if (sfx === '') return Math.trunc(value);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(value);
  }
  const mul = binary[sfx[0]!];
  if (mul === undefined) throw bad();
  value *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
  return Math.trunc(value);
}

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
