/**
 * Go's value printing as Docker's templates expose it: fmt's %v and printf verbs, strconv.Quote and
 * float formatting, encoding/json. JS values stand in for Go's: an integral number prints as an int,
 * any other number as a float64, a plain object as a map (sorted keys), an array as a slice.
 */

/** Objects that print like Go structs (`{a b}`) and whose missing fields are errors, by Go type name. */
const structTypes = new WeakMap<object, string>();

/** Marks an object as a Go struct value (e.g. Docker's `*formatter.ContainerContext`). */
export function markStruct<T extends object>(obj: T, typeName: string): T {
  structTypes.set(obj, typeName);
  return obj;
}

export function structTypeOf(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? structTypes.get(v) : undefined;
}

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Go's type name of a value, as error messages and `%!d(type=…)` show it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  return structTypeOf(v) ?? 'map[string]interface {}';
}

const utf8 = new TextEncoder();

export function byteLength(s: string): number {
  return utf8.encode(s).length;
}

// ---------------------------------------------------------------------------------------------
// Floats (strconv.FormatFloat with 'e', 'f', 'g')

interface Digits {
  neg: boolean;
  digits: string; // significant decimal digits, no leading zeros ('0' for zero)
  exp: number; // decimal exponent of the first digit
}

function decompose(x: number, prec?: number): Digits {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const s = prec === undefined ? a.toExponential() : a.toExponential(Math.max(prec - 1, 0));
  const [mant, e] = s.split('e');
  return { neg, digits: mant.replace('.', ''), exp: Number(e) };
}

function expString(exp: number): string {
  const sign = exp < 0 ? '-' : '+';
  const n = Math.abs(exp);
  return `e${sign}${n < 10 ? '0' : ''}${n}`;
}

function fromDigitsE(d: Digits, fracDigits: number | undefined): string {
  let digits = d.digits;
  if (fracDigits !== undefined) digits = digits.padEnd(fracDigits + 1, '0');
  const frac = digits.slice(1);
  return `${d.neg ? '-' : ''}${digits[0]}${frac ? '.' + frac : ''}${expString(d.digits === '0' ? 0 : d.exp)}`;
}

function fromDigitsF(d: Digits): string {
  const { digits, exp } = d;
  let s: string;
  if (digits === '0') s = '0';
  else if (exp < 0) s = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length);
  else s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return (d.neg ? '-' : '') + s;
}

function nonFinite(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return undefined;
}

/** `%.<prec>g` (prec undefined = shortest, as %v prints a float64). */
export function formatFloatG(x: number, prec?: number): string {
  const nf = nonFinite(x);
  if (nf) return nf;
  if (prec === 0) prec = 1;
  const d = decompose(x, prec);
  d.digits = d.digits.replace(/0+$/, '') || '0';
  let eprec = prec ?? 6;
  // strconv: when fewer digits than the precision are needed and they cover the integer part, decide on those
  if (prec !== undefined && eprec > d.digits.length && d.digits.length >= d.exp + 1) eprec = d.digits.length;
  if (d.digits === '0') return d.neg ? '-0' : '0';
  if (d.exp < -4 || d.exp >= eprec) return fromDigitsE(d, undefined);
  return fromDigitsF(d);
}

export function formatFloatE(x: number, prec = 6): string {
  return nonFinite(x) ?? fromDigitsE(decompose(x, prec + 1), prec);
}

export function formatFloatF(x: number, prec = 6): string {
  const nf = nonFinite(x);
  if (nf) return nf;
  const s = Math.abs(x).toFixed(prec);
  return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
}

// ---------------------------------------------------------------------------------------------
// strconv.Quote

function isGoPrint(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c >= 0x20 && c < 0x7f; // ASCII without compiling the Unicode classes
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (isGoPrint(ch)) out += ch;
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

// ---------------------------------------------------------------------------------------------
// %v

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** time.Time.String(): `2024-01-02 15:04:05.123 +0000 UTC`, in the local zone as Go prints it. */
export function goTimeString(date: Date, nanos?: number): string {
  const offMin = -date.getTimezoneOffset();
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  const offset = `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
  const ns = nanos ?? date.getMilliseconds() * 1e6;
  const frac = ns ? '.' + String(ns).padStart(9, '0').replace(/0+$/, '') : '';
  const day = `${String(date.getFullYear()).padStart(4, '0')}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${day} ${time}${frac} ${offset} ${zoneName(date, offMin)}`;
}

function zoneName(date: Date, offMin: number): string {
  const tz = process.env.TZ;
  if (offMin === 0 && (!tz || tz === 'UTC' || tz === 'Etc/UTC' || tz === ':UTC')) return 'UTC';
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  if (name && /^[A-Z]{2,5}$/.test(name)) return name;
  // Go prints zones without an abbreviation as their offset: "+01", "+0530"
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  return `${sign}${pad2(Math.floor(abs / 60))}${abs % 60 ? pad2(abs % 60) : ''}`;
}

/** fmt's %v. */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  return formatV(v);
}

function formatV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatFloatG(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return '0x' + (0xc000010000).toString(16);
  if (Array.isArray(v)) return '[' + v.map((e) => formatV(e)).join(' ') + ']';
  if (v instanceof Date) return goTimeString(v);
  const obj = v as Record<string, unknown>;
  if (structTypeOf(obj)) {
    const inner = Object.keys(obj)
      .filter((k) => typeof obj[k] !== 'function')
      .map((k) => formatV(obj[k]))
      .join(' ');
    // printableValue dereferences the top-level pointer, so Go prints struct contexts as {…}
    return `{${inner}}`;
  }
  const keys = Object.keys(obj).sort(compareGoStrings);
  return 'map[' + keys.map((k) => `${k}:${formatV(obj[k])}`).join(' ') + ']';
}

/** Go compares strings bytewise (UTF-8), which differs from UTF-16 order above the BMP only. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// ---------------------------------------------------------------------------------------------
// fmt.Sprint / Sprintln / Sprintf

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a === undefined ? null : a);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map((a) => printValue(a === undefined ? null : a)).join(' ') + '\n';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function padTo(s: string, spec: Spec, numeric = false): string {
  const w = spec.width;
  const len = [...s].length;
  if (w === undefined || len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && numeric) {
    const m = /^[+\- ]/.exec(s);
    const sign = m ? m[0] : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${printValue(v)})`;
}

function signed(s: string, n: number, spec: Spec): string {
  if (n < 0 || s.startsWith('-')) return s;
  if (spec.plus) return '+' + s;
  if (spec.space) return ' ' + s;
  return s;
}

function fmtInteger(n: number | bigint, verb: string, spec: Spec): string {
  const neg = n < 0;
  const abs = neg ? -n : n;
  let digits: string;
  switch (verb) {
    case 'd':
    case 'v':
      digits = abs.toString(10);
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) digits = '0x' + digits;
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) digits = '0X' + digits;
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) digits = '0' + digits;
      break;
    case 'b':
      digits = abs.toString(2);
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  const s = signed((neg ? '-' : '') + digits, Number(n), spec);
  return padTo(s, spec, spec.prec === undefined);
}

function fmtFloat(x: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case 'e':
    case 'E':
      s = formatFloatE(x, spec.prec ?? 6);
      break;
    case 'f':
    case 'F':
      s = formatFloatF(x, spec.prec ?? 6);
      break;
    default:
      s = formatFloatG(x, spec.prec);
  }
  if (verb === 'E' || verb === 'G') s = s.toUpperCase();
  return padTo(signed(s, x, spec), spec, true);
}

function fmtString(s: string, verb: string, spec: Spec): string {
  if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('');
  switch (verb) {
    case 's':
    case 'v':
      return padTo(s, spec);
    case 'q':
      return padTo(spec.sharp && !/[`\p{Cc}]/u.test(s) ? '`' + s + '`' : goQuote(s), spec);
    case 'x':
    case 'X': {
      let hex = Buffer.from(s).toString('hex');
      if (verb === 'X') hex = hex.toUpperCase();
      return padTo(hex, spec);
    }
  }
  return badVerb(verb, s);
}

function fmtArg(v: unknown, verb: string, spec: Spec): string {
  if (verb === 'T') return padTo(v === undefined || v === null ? '<nil>' : goTypeName(v), spec);
  if (verb === 'v') {
    if (typeof v === 'number' && Number.isInteger(v)) return fmtInteger(v, 'd', spec);
    if (typeof v === 'number') return fmtFloat(v, 'g', spec);
    return padTo(printValue(v === undefined ? null : v), spec);
  }
  if (v === null || v === undefined) return badVerb(verb, null);
  if (typeof v === 'string') return fmtString(v, verb, spec);
  if (typeof v === 'boolean') return verb === 't' ? padTo(String(v), spec) : badVerb(verb, v);
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    if ('dxXob'.includes(verb)) return fmtInteger(v, verb, spec);
    if (verb === 'c') return padTo(String.fromCodePoint(Number(v)), spec);
    if (verb === 'q') return padTo(`'${String.fromCodePoint(Number(v))}'`, spec);
    if (verb === 'U') return padTo('U+' + Number(v).toString(16).toUpperCase().padStart(4, '0'), spec);
    if ('eEfFgG'.includes(verb)) return fmtFloat(Number(v), verb, spec);
    return badVerb(verb, v);
  }
  if (typeof v === 'number') {
    if ('eEfFgG'.includes(verb)) return fmtFloat(v, verb, spec);
    return badVerb(verb, v);
  }
  if (Array.isArray(v)) return '[' + v.map((e) => fmtArg(e, verb, spec)).join(' ') + ']';
  if (verb === 's') return padTo(printValue(v), spec);
  return badVerb(verb, v);
}

/** fmt.Sprintf with Go's verbs and its in-band error notation (`%!d(string=x)`, `%!s(MISSING)`). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' ? Math.trunc(a) : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    if (!'vTdsqxXobcUeEfFgGt'.includes(verb)) {
      out += badVerb(verb, arg);
      continue;
    }
    out += fmtArg(arg, verb, spec);
  }
  if (argi < args.length) {
    const extra = args
      .slice(argi)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${printValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// encoding/json with SetEscapeHTML(false)

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += '\\u00' + c.toString(16).padStart(2, '0');
    else if (c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else out += s[i];
  }
  return out + '"';
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${formatFloatG(n)}`);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go writes the shortest %e with a two-digit exponent trimmed back: 1e-07 -> 1e-7
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$1$2');
  }
  return String(n);
}

/**
 * json.Marshal (indent "" = compact; else MarshalIndent with that indent). Object keys keep their
 * insertion order (the callers build Docker's structs in field order); functions and undefined are
 * skipped as Go skips methods.
 */
export function goJson(v: unknown, indent = ''): string {
  return encode(v, indent, '');
}

function encode(v: unknown, indent: string, cur: string): string {
  if (v === null || v === undefined || typeof v === 'function') return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date)
    return jsonString(
      v
        .toISOString()
        .replace(/(\.\d*?)0+Z$/, '$1Z')
        .replace(/\.Z$/, 'Z'),
    );
  const nl = indent ? '\n' : '';
  const inner = cur + indent;
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + nl + v.map((e) => inner + encode(e, indent, inner)).join(',' + nl) + nl + cur + ']';
  }
  const obj = v as Record<string, unknown>;
  const toJSON = (obj as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(obj), indent, cur);
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function');
  if (keys.length === 0) return '{}';
  return (
    '{' +
    nl +
    keys.map((k) => inner + jsonString(k) + sep + encode(obj[k], indent, inner)).join(',' + nl) +
    nl +
    cur +
    '}'
  );
}
