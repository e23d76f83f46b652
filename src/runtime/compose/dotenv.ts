/**
 * The `.env` format of compose-go's dotenv package: `KEY=value`, `KEY: value`, `export KEY=…`,
 * single quotes (literal), double quotes (escapes, several lines), ` #` comments after unquoted
 * values, a bare `KEY` taken from the lookup, and `${VAR}` interpolation in unquoted and
 * double-quoted values against the lookup and the keys read so far.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { ComposeError } from '../errors.js';
import { substitute, type Lookup } from './interpolate.js';

const isSpace = (c: string) =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\x85' || c === '\xa0';

const ESCAPES = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;

function expandEscapes(s: string): string {
  return s.replace(ESCAPES, (m) => {
    // `\$` is kept for the interpolation step, which reads `$$` as a literal `$`.
    if (m === '\\$') return '$$';
    if (m.startsWith('\\0')) {
      const digits = m.slice(2);
      // Go's UnquoteChar wants exactly three octal digits after the backslash.
      if (digits.length !== 3 || !/^[0-7]{3}$/.test(digits)) return m;
      const n = parseInt(digits, 8);
      return n > 255 ? m : String.fromCharCode(n);
    }
    const table: Record<string, string> = {
      a: '\x07',
      b: '\b',
      c: m,
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '"': '"',
      '\\': '\\',
    };
    return table[m[1]!] ?? m;
  });
}

class Parser {
  line = 1;

  parse(src: string, out: Map<string, string>, lookup: Lookup): void {
    let rest = src;
    for (;;) {
      rest = this.statementStart(rest);
      if (rest === '') break;
      const { key, left, inherited } = this.keyName(rest);
      if (key.includes(' ')) throw new Error(`line ${this.line}: key cannot contain a space`);
      if (inherited) {
        const v = lookup(key);
        if (v !== undefined) out.set(key, v);
        rest = left;
        continue;
      }
      const { value, left: after } = this.value(left, out, lookup);
      out.set(key, value);
      rest = after;
    }
  }

  private nonSpace(src: string): number {
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (c === '\n') this.line++;
      if (!(isSpace(c) || c === '\n')) return i;
    }
    return -1;
  }

  private statementStart(src: string): string {
    for (;;) {
      const pos = this.nonSpace(src);
      if (pos === -1) return '';
      src = src.slice(pos);
      if (src[0] !== '#') return src;
      const nl = src.indexOf('\n');
      if (nl === -1) return '';
      src = src.slice(nl);
    }
  }

  private keyName(src: string): { key: string; left: string; inherited: boolean } {
    if (/^export\s+/.test(src)) src = src.slice('export'.length).replace(/^[\t\v\f\r \x85\xa0]+/, '');
    let key = '';
    let offset = 0;
    let inherited = false;
    let found = false;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (isSpace(c)) continue;
      if (c === '=' || c === ':' || c === '\n') {
        key = src.slice(0, i);
        offset = i + 1;
        inherited = c === '\n';
        found = true;
        break;
      }
      if ('_.-[]'.includes(c) || /[\p{L}\p{N}]/u.test(c)) continue;
      throw new Error(
        `line ${this.line}: unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(src.split('\n')[0])}`,
      );
    }
    if (!found) {
      // The last line, a bare KEY without a newline.
      key = src;
      offset = src.length;
      inherited = true;
    }
    if (inherited && !key.includes(' ')) this.line++;
    key = key.replace(/\s+$/, '');
    const left = src.slice(offset).replace(/^[\t\v\f\r \x85\xa0]+/, '');
    return { key, left, inherited };
  }

  private value(src: string, vars: Map<string, string>, lookup: Lookup): { value: string; left: string } {
    const expand = (v: string) => substitute(v, (k) => lookup(k) ?? vars.get(k), { onUnset: undefined });
    const quote = src[0] === '"' || src[0] === "'" ? src[0] : undefined;
    if (!quote) {
      const nl = src.indexOf('\n');
      let value = nl === -1 ? src : src.slice(0, nl);
      const rest = nl === -1 ? '' : src.slice(nl + 1);
      this.line++;
      const hash = value.indexOf(' #');
      if (hash >= 0) value = value.slice(0, hash);
      value = value.replace(/\s+$/, '');
      return { value: expand(value), left: rest };
    }
    let escaped = false;
    let chars = '';
    for (let i = 1; i < src.length; i++) {
      const c = src[i]!;
      if (c === '\n') this.line++;
      if (c !== quote) {
        if (!escaped && c === '\\') {
          escaped = true;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += c;
        continue;
      }
      const value = quote === '"' ? expand(expandEscapes(chars)) : chars;
      return { value, left: src.slice(i + 1) };
    }
    const end = src.indexOf('\n');
    throw new Error(`line ${this.line}: unterminated quoted value ${end === -1 ? src : src.slice(0, end)}`);
  }
}

/** Parses dotenv text; `lookup` answers bare keys and `${VAR}` before the file's own keys. */
export function parseDotenv(text: string, lookup: Lookup = () => undefined): Map<string, string> {
  const out = new Map<string, string>();
  new Parser().parse(text.replace(/^\uFEFF/, ''), out, lookup);
  return out;
}

/**
 * The project's environment files (`--env-file`, or `.env` in the project directory), read in
 * order; a later file sees the earlier ones' keys. `current` (the process environment) wins when
 * values are looked up, as in compose-go's GetEnvFromFile.
 */
export function readEnvFiles(files: string[], current: Record<string, string>): Map<string, string> {
  const env = new Map<string, string>();
  for (const f of files) {
    const abs = resolvePath(f);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new ComposeError(`couldn't find env file: ${abs}`);
    }
    if (st.isDirectory()) throw new ComposeError(`${abs} is a directory`);
    let parsed: Map<string, string>;
    try {
      parsed = parseDotenv(readFileSync(abs, 'utf8'), (k) => current[k] ?? env.get(k));
    } catch (err) {
      throw new ComposeError(`failed to read ${abs}: ${(err as Error).message}`);
    }
    for (const [k, v] of parsed) env.set(k, v);
  }
  return env;
}
