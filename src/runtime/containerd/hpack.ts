/**
 * HPACK (RFC 7541), as much as a gRPC client needs: the encoder writes every field as a literal
 * that is never added to the peer's table (so it keeps no state), the decoder understands all of
 * it — containerd's Go server indexes fields and Huffman-codes values. Used by h2.ts.
 */

/** RFC 7541 Appendix A: index 1..61. */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/**
 * Code lengths of symbols 0..256 (256 = EOS), RFC 7541 Appendix B. The code is canonical (codes of
 * one length are consecutive, in symbol order, after all shorter ones), so the lengths define it.
 */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28,
  28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7,
  8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19,
  13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13,
  28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21,
  22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23,
  22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25,
  25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];
const EOS = 256;

export class HpackError extends Error {}

/** Canonical decoding tables, built on first use: per length, its first code and its symbols. */
interface Canonical {
  first: number[];
  count: number[];
  offset: number[];
  symbols: number[];
}
let canonical: Canonical | undefined;

function huffmanTables(): Canonical {
  if (canonical) return canonical;
  const count = new Array<number>(31).fill(0);
  for (const len of CODE_LENGTHS) count[len]!++;
  const symbols = CODE_LENGTHS.map((len, sym) => [len, sym] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, sym]) => sym);
  const first = new Array<number>(31).fill(0);
  const offset = new Array<number>(31).fill(0);
  let code = 0;
  let seen = 0;
  for (let len = 1; len <= 30; len++) {
    first[len] = code;
    offset[len] = seen;
    code = (code + count[len]!) * 2;
    seen += count[len]!;
  }
  canonical = { first, count, offset, symbols };
  return canonical;
}

/** The code of each symbol, for tests (and an encoder, should one be needed). */
export function huffmanCode(sym: number): { code: number; bits: number } {
  const t = huffmanTables();
  const bits = CODE_LENGTHS[sym]!;
  const rank = t.symbols.indexOf(sym) - t.offset[bits]!;
  return { code: t.first[bits]! + rank, bits };
}

export function huffmanDecode(src: Uint8Array): string {
  const t = huffmanTables();
  let out = '';
  let code = 0;
  let len = 0;
  for (const byte of src) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const rank = code - t.first[len]!;
      if (rank >= 0 && rank < t.count[len]!) {
        const sym = t.symbols[t.offset[len]! + rank]!;
        if (sym === EOS) throw new HpackError('hpack: EOS in a Huffman string');
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len === 30) throw new HpackError('hpack: invalid Huffman code');
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (the start of EOS).
  if (len > 7 || code !== 2 ** len - 1) throw new HpackError('hpack: invalid Huffman padding');
  return out;
}

export type HeaderField = readonly [name: string, value: string];

function entrySize(name: string, value: string): number {
  // Octets, as the peer counts them; header bytes are latin1 here (gRPC's are ASCII).
  return name.length + value.length + 32;
}

export class HpackDecoder {
  /** Newest first: index 62 is dynamic[0]. */
  private dynamic: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  /** `limit`: the SETTINGS_HEADER_TABLE_SIZE this side announced (4096 unless changed). */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /** The dynamic table, newest first (for tests). */
  table(): HeaderField[] {
    return [...this.dynamic];
  }

  decode(block: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    let pos = 0;
    const integer = (prefixBits: number): number => {
      const max = (1 << prefixBits) - 1;
      if (pos >= block.length) throw new HpackError('hpack: truncated integer');
      let value = block[pos++]! & max;
      if (value < max) return value;
      let shift = 0;
      for (;;) {
        if (pos >= block.length) throw new HpackError('hpack: truncated integer');
        const b = block[pos++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
        if (shift > 28) throw new HpackError('hpack: integer too large');
      }
      return value;
    };
    const string = (): string => {
      if (pos >= block.length) throw new HpackError('hpack: truncated string');
      const huffman = (block[pos]! & 0x80) !== 0;
      const len = integer(7);
      if (pos + len > block.length) throw new HpackError('hpack: truncated string');
      const raw = block.subarray(pos, pos + len);
      pos += len;
      return huffman
        ? huffmanDecode(raw)
        : Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
    };
    const field = (index: number): HeaderField => {
      if (index >= 1 && index <= STATIC.length) return STATIC[index - 1]!;
      const d = this.dynamic[index - STATIC.length - 1];
      if (!d) throw new HpackError(`hpack: invalid index ${index}`);
      return d;
    };
    let fieldSeen = false;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        const idx = integer(7);
        if (idx === 0) throw new HpackError('hpack: index 0');
        out.push(field(idx));
        fieldSeen = true;
      } else if (b & 0x40) {
        const idx = integer(6);
        const name = idx === 0 ? string() : field(idx)[0];
        const value = string();
        out.push([name, value]);
        this.add(name, value);
        fieldSeen = true;
      } else if (b & 0x20) {
        // Only at the start of a block (RFC 7541 §4.2).
        if (fieldSeen) throw new HpackError('hpack: table size update after a field');
        const size = integer(5);
        if (size > this.limit) throw new HpackError('hpack: table size above the announced limit');
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001): both leave the table alone.
        const idx = integer(4);
        const name = idx === 0 ? string() : field(idx)[0];
        out.push([name, string()]);
        fieldSeen = true;
      }
    }
    return out;
  }

  private add(name: string, value: string): void {
    const size = entrySize(name, value);
    this.evict(size);
    // An entry larger than the whole table empties it and is not added (RFC 7541 §4.4).
    if (size > this.maxSize) return;
    this.dynamic.unshift([name, value]);
    this.size += size;
  }

  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.dynamic.length > 0) {
      const [n, v] = this.dynamic.pop()!;
      this.size -= entrySize(n, v);
    }
  }
}

function pushInteger(out: number[], value: number, prefixBits: number, first: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function pushString(out: number[], s: string): void {
  pushInteger(out, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

const STATIC_NAME = new Map<string, number>();
const STATIC_FIELD = new Map<string, number>();
STATIC.forEach(([n, v], i) => {
  if (!STATIC_NAME.has(n)) STATIC_NAME.set(n, i + 1);
  if (v) STATIC_FIELD.set(`${n}\0${v}`, i + 1);
});

/**
 * A header block: fields of the static table by index, the rest as literals without indexing
 * (names from the static table where it has them). Names must be lower case (HTTP/2).
 */
export function encodeHeaders(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const full = STATIC_FIELD.get(`${name}\0${value}`);
    if (full !== undefined) {
      pushInteger(out, full, 7, 0x80);
      continue;
    }
    const idx = STATIC_NAME.get(name);
    if (idx !== undefined) pushInteger(out, idx, 4, 0);
    else {
      out.push(0);
      pushString(out, name);
    }
    pushString(out, value);
  }
  return Buffer.from(out);
}
