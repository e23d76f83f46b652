/** docker/go-units and Go's time formats, byte for byte: scripts parse these strings. */
import { UsageError } from '../errors.js';
import { formatFloatG, goQuote, goTimeString } from './gofmt.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** units.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / HOUR + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / HOUR) / 24 / 365)} years`;
}

const decimalAbbrs = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryAbbrs = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, abbrs: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return [size, abbrs[i]];
}

/** units.HumanSizeWithPrecision(size, precision); Docker's lists use precision 3. */
export function humanSize(bytes: number, precision = 3): string {
  const [size, unit] = sizeAndUnit(bytes, 1000, decimalAbbrs);
  return formatFloatG(size, precision) + unit;
}

/** units.BytesSize: binary units, 4 significant digits. */
export function bytesSize(bytes: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1024, binaryAbbrs);
  return formatFloatG(size, 4) + unit;
}

const decimalMap: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const binaryMap: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** strconv.ParseFloat's accepted decimal syntax (Infinity/NaN spellings included). */
export function goParseFloat(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m) return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  throw new UsageError(`strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
}

function parseSize(sizeStr: string, map: Record<string, number>): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(sizeStr[i])) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new UsageError(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] !== ' ' ? sizeStr.slice(0, sep + 1) : sizeStr.slice(0, sep);
  let sfx = sizeStr.slice(sep + 1);
  let size = goParseFloat(num);
  if (size < 0) throw new UsageError(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const badSuffix = (): UsageError => new UsageError(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = map[sfx[0]];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw badSuffix();
  return Math.trunc(size);
}

/** units.RAMInBytes: `256m`, `1.5g`, `512k`, `2GB` (binary multiples, case-insensitive). */
export function ramInBytes(s: string): number {
  return parseSize(s, binaryMap);
}

/** units.FromHumanSize: decimal multiples. */
export function fromHumanSize(s: string): number {
  return parseSize(s, decimalMap);
}

// ---------------------------------------------------------------------------------------------
// Go time formats

/** time.Time.String() of Docker's `CreatedAt` in ps: `2024-01-02 15:04:05 +0000 UTC` (local zone). */
export function goTime(date: Date, nanos?: number): string {
  return goTimeString(date, nanos ?? 0);
}

export function isZeroTime(d: Date | undefined): boolean {
  return !d || Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5
  μs: 1000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_DURATION = (1n << 63n) - 1n;

/**
 * time.ParseDuration: `10m`, `1h30m`, `1.5s`, `300ms`, `-1h`, in nanoseconds exactly (Go's int64
 * range and float64 rounding of fractions); Go's messages on failure.
 */
export function goDurationNanos(input: string): bigint {
  const invalid = (): UsageError => new UsageError(`time: invalid duration ${goQuote(input)}`);
  let s = input;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const [whole, intPart, fracPart] = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (intPart === '' && !fracPart) throw invalid(); // a digit before or after the dot
    s = s.slice(whole.length);
    const u = /^[^\d.]*/.exec(s)![0];
    if (u === '') throw new UsageError(`time: missing unit in duration ${goQuote(input)}`);
    const unit = UNIT_NS[u];
    if (unit === undefined)
      throw new UsageError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(input)}`);
    s = s.slice(u.length);
    let v = BigInt(intPart || '0');
    if (v > (1n << 63n) / unit) throw invalid();
    v *= unit;
    if (fracPart) {
      // Go accumulates the fraction as an integer plus a scale, in float64 — same rounding here.
      let f = 0;
      let scale = 1;
      for (const d of fracPart) {
        if (f > (2 ** 63 - 1 - 9) / 10) break;
        f = f * 10 + Number(d);
        scale *= 10;
      }
      v += BigInt(Math.trunc(f * (Number(unit) / scale)));
      if (v > 1n << 63n) throw invalid();
    }
    total += v;
    if (total > 1n << 63n) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX_DURATION) throw invalid();
  return total;
}

/** goDurationNanos as a number of nanoseconds (exact up to 2^53 ns, about 104 days). */
export function goDurationParse(s: string): number {
  return Number(goDurationNanos(s));
}

/** time.Duration.String(): `1h30m0s`, `1.5s`, `300ms`, `0s` (the healthcheck's timeout message). */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFrac(u / div) + unit;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    out = (h ? `${h}h${m}m` : m ? `${m}m` : '') + trimFrac(u / 1e9) + 's';
  }
  return (neg ? '-' : '') + out;
}

function trimFrac(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
}
