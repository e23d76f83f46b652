/**
 * `--since`/`--until` values, parsed the way Docker's client does (api/types/time GetTimestamp):
 * a Go duration before now, an RFC3339-like time (zone-less ones in the local zone), or unix
 * `sec[.nanos]`. Go's own time.Parse is reproduced for the few layouts involved so that the error
 * text for a malformed date is the one Docker prints.
 */
import { RequestError } from '../errors.js';
import { goQuote } from '../format/gofmt.js';
import { goDurationNanos } from '../format/units.js';

const NS_PER_SEC = 1_000_000_000n;
const MAX_INT64 = (1n << 63n) - 1n;

/** The quoting inside Go's time package errors: non-ASCII and control bytes as \xNN. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch)) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
    }
  }
  return out + '"';
}

/** Go's time.ParseDuration in nanoseconds, or undefined when it would fail. */
function parseGoDuration(input: string): bigint | undefined {
  try {
    return goDurationNanos(input);
  } catch {
    return undefined;
  }
}

type Std = '2006' | '01' | '02' | '15' | '04' | '05' | '.999999999' | 'Z07:00';
const STD_TOKENS: Std[] = ['2006', 'Z07:00', '.999999999', '01', '02', '04', '05', '15'];

class GoParseError extends Error {}

function parseError(
  layout: string,
  value: string,
  layoutElem: string,
  valueElem: string,
  message: string,
): never {
  if (message === '') {
    throw new GoParseError(
      `parsing time ${timeQuote(value)} as ${timeQuote(layout)}: cannot parse ${timeQuote(valueElem)} as ${timeQuote(layoutElem)}`,
    );
  }
  throw new GoParseError(`parsing time ${timeQuote(value)}${message}`);
}

function chunks(layout: string): { prefix: string; std?: Std }[] {
  const out: { prefix: string; std?: Std }[] = [];
  let prefix = '';
  for (let i = 0; i < layout.length;) {
    const std = STD_TOKENS.find((t) => layout.startsWith(t, i));
    if (std) {
      out.push({ prefix, std });
      prefix = '';
      i += std.length;
    } else {
      prefix += layout[i++];
    }
  }
  out.push({ prefix });
  return out;
}

const isDigit = (s: string, i: number) => i < s.length && s[i] >= '0' && s[i] <= '9';

/** Go's getnum: one or two digits; `fixed` demands two. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Go's time.Parse/ParseInLocation for the layouts GetTimestamp uses; unix nanoseconds. */
export function goParseTime(layout: string, value: string, localOffsetSec: number): bigint {
  let rest = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let offset: number | undefined;
  const list = chunks(layout);
  for (let k = 0; k < list.length; k++) {
    const { prefix, std } = list[k];
    for (let j = 0; j < prefix.length; j++) {
      if (rest === '' || rest[0] !== prefix[j]) parseError(layout, value, prefix, rest, '');
      rest = rest.slice(1);
    }
    if (!std) {
      if (rest !== '') parseError(layout, value, '', rest, `: extra text: ${timeQuote(rest)}`);
      break;
    }
    const hold = rest;
    let range = '';
    let ok = true;
    const num = (fixed: boolean): number => {
      const r = getnum(rest, fixed);
      if (!r) {
        ok = false;
        return 0;
      }
      rest = r[1];
      return r[0];
    };
    switch (std) {
      case '2006':
        if (rest.length < 4 || !/^\d{4}/.test(rest)) ok = false;
        else {
          year = Number(rest.slice(0, 4));
          rest = rest.slice(4);
        }
        break;
      case '01':
        month = num(true);
        if (ok && (month <= 0 || month > 12)) range = 'month';
        break;
      case '02':
        day = num(true);
        break;
      case '15':
        hour = num(false);
        if (ok && hour >= 24) range = 'hour';
        break;
      case '04':
        min = num(true);
        if (ok && min >= 60) range = 'minute';
        break;
      case '05':
        sec = num(true);
        if (ok && sec >= 60) {
          range = 'second';
          break;
        }
        // A fraction the layout doesn't mention is still accepted right after the seconds.
        if (ok && rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
          if (list[k + 1]?.prefix === '' && list[k + 1]?.std === '.999999999') break;
          let n = 2;
          while (isDigit(rest, n)) n++;
          nsec = Number(rest.slice(1, Math.min(n, 10)).padEnd(9, '0'));
          rest = rest.slice(n);
        }
        break;
      case '.999999999': {
        if (rest.length < 2 || (rest[0] !== '.' && rest[0] !== ',') || !isDigit(rest, 1)) break;
        let n = 1;
        while (isDigit(rest, n)) n++;
        nsec = Number(rest.slice(1, Math.min(n, 10)).padEnd(9, '0'));
        rest = rest.slice(n);
        break;
      }
      case 'Z07:00': {
        if (rest[0] === 'Z') {
          rest = rest.slice(1);
          offset = 0;
          break;
        }
        if (rest.length < 6 || rest[3] !== ':') {
          ok = false;
          break;
        }
        const sign = rest[0];
        const hh = getnum(rest.slice(1, 3), true);
        const mm = getnum(rest.slice(4, 6), true);
        rest = rest.slice(6);
        if (!hh || !mm || (sign !== '+' && sign !== '-')) {
          ok = false;
          break;
        }
        if (hh[0] > 24) range = 'time zone offset hour';
        else if (mm[0] > 60) range = 'time zone offset minute';
        offset = (hh[0] * 60 + mm[0]) * 60 * (sign === '-' ? -1 : 1);
        break;
      }
    }
    if (range) parseError(layout, value, std, rest, `: ${range} out of range`);
    if (!ok) parseError(layout, value, std, hold, '');
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) parseError(layout, value, '', rest, ': day out of range');
  const secs =
    daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - (offset ?? localOffsetSec);
  return BigInt(secs) * NS_PER_SEC + BigInt(nsec);
}

/** The unix `sec[.frac]` form, as the daemon's ParseTimestamps reads it. */
function parseUnix(value: string): bigint | undefined {
  const dot = value.indexOf('.');
  const s = dot < 0 ? value : value.slice(0, dot);
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const secs = BigInt(s);
  if (secs > MAX_INT64 || secs < -MAX_INT64 - 1n) return undefined;
  if (dot < 0) return secs * NS_PER_SEC;
  const n = value.slice(dot + 1);
  if (!/^[+-]?\d+$/.test(n)) return undefined;
  // Go scales the fraction through float64 by its length (a sign included), truncating the rest.
  const nsec = Math.trunc(Number(n) * Math.pow(10, 9 - n.length));
  return secs * NS_PER_SEC + BigInt(nsec);
}

/**
 * Docker's GetTimestamp followed by the daemon's ParseTimestamps: the instant `value` names, in
 * unix nanoseconds. Durations count back from `now` and are truncated to whole seconds as Docker's are.
 */
export function parseTimeArg(value: string, name: 'since' | 'until', now: Date): bigint {
  return timeArg(value, name, now).ns;
}

/**
 * parseTimeArg, with the text docker/cli's GetTimestamp sends for it (`sec` for a duration,
 * `sec.nanos` for a date, a unix value as typed): the daemon quotes that text in its errors.
 */
export function timeArg(value: string, name: 'since' | 'until', now: Date): { ns: bigint; text: string } {
  const d = parseGoDuration(value);
  if (value !== '0' && d !== undefined) {
    const nowNs = BigInt(now.getTime()) * 1_000_000n;
    const t = nowNs - d;
    const secs = t / NS_PER_SEC - (t % NS_PER_SEC < 0n ? 1n : 0n); // Go's Unix() floors
    return { ns: secs * NS_PER_SEC, text: String(secs) };
  }
  const inLocation = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  let layout: string;
  if (value.includes('.')) {
    layout = inLocation ? '2006-01-02T15:04:05.999999999' : '2006-01-02T15:04:05.999999999Z07:00';
  } else if (value.includes('T')) {
    let colons = value.split(':').length - 1;
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--;
    const base = ['2006-01-02T15', '2006-01-02T15:04', '2006-01-02T15:04:05'][Math.min(colons, 2)];
    layout = inLocation ? base : base + 'Z07:00';
  } else {
    layout = inLocation ? '2006-01-02' : '2006-01-02Z07:00';
  }
  // Zone-less values are read in the zone `now` is in (Go: FixedZone(reference.Zone())).
  const localOffsetSec = inLocation ? -now.getTimezoneOffset() * 60 : 0;
  try {
    const ns = goParseTime(layout, value, localOffsetSec);
    const secs = ns / NS_PER_SEC - (ns % NS_PER_SEC < 0n ? 1n : 0n);
    return { ns, text: `${secs}.${String(ns - secs * NS_PER_SEC).padStart(9, '0')}` };
  } catch (err) {
    if (!(err instanceof GoParseError)) throw err;
    // Docker's client library rejects the value, not its flag parser: status 1, not 125.
    if (value.includes('-')) throw new RequestError(`invalid value for "${name}": ${err.message}`);
    const unix = parseUnix(value);
    if (unix === undefined) {
      throw new RequestError(
        `invalid value for "${name}": failed to parse value as time or duration: ${goQuote(value)}`,
      );
    }
    return { ns: unix, text: value };
  }
}
