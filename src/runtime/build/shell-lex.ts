/**
 * Variable substitution in Dockerfile words, with the semantics of BuildKit's shell lexer (the
 * `ProcessWord`/`ProcessWords` behaviour its envVarTest and wordsTest cases pin down): `$VAR`,
 * `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`, `${VAR:?msg}`, `${VAR#pat}`,
 * `${VAR%pat}` (and the greedy `##`/`%%`), `${VAR/pat/repl}` and `${VAR//pat/repl}`; single quotes
 * keep everything, double quotes keep everything but `$` and escapes of `"`, `$` and the escape
 * character. It is not a shell: no command substitution, no globbing, no arithmetic.
 */

export type EnvLookup = (name: string) => string | undefined;

export interface LexOptions {
  /** The Dockerfile's escape character (`\` or the `# escape=` directive's). */
  escape?: string;
  /** Keep quote characters in the result (RUN's progress name, for example). */
  rawQuotes?: boolean;
  /** Leave unset variables as written instead of substituting the empty string. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters (ONBUILD-style raw expansion). */
  skipProcessQuotes?: boolean;
}

export class LexError extends Error {}

const EOF = -1;

function isSpace(ch: string): boolean {
  // Go's unicode.IsSpace: ASCII space, \t \n \v \f \r, U+0085, U+00A0 and the Z* separators.
  return /^[\s\u0085]$/u.test(ch);
}

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

function isDigit(ch: string): boolean {
  return /^\p{Nd}$/u.test(ch);
}

/** Collects the result split into words after substitution (ProcessWords). */
class Words {
  private buf = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch) && this.inWord) {
      if (this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Scanner {
  private readonly chars: string[];
  private pos = 0;
  constructor(text: string) {
    this.chars = Array.from(text);
  }
  peek(): string | typeof EOF {
    return this.pos < this.chars.length ? this.chars[this.pos]! : EOF;
  }
  next(): string | typeof EOF {
    return this.pos < this.chars.length ? this.chars[this.pos++]! : EOF;
  }
}

class ShellWord {
  private readonly sc: Scanner;
  private rawEscapes = false;
  /** Names looked up while processing, found or not (for reporting which build args were used). */
  readonly used = new Set<string>();

  constructor(
    text: string,
    private readonly env: EnvLookup,
    private readonly opts: Required<LexOptions>,
  ) {
    this.sc = new Scanner(text);
  }

  process(): { word: string; words: string[] } {
    return this.processStopOn(EOF, false);
  }

  private processStopOn(stop: string | typeof EOF, rawEscapes: boolean): { word: string; words: string[] } {
    let result = '';
    const words = new Words();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.sc.peek() !== EOF) {
        const ch = this.sc.peek() as string;
        if (stop !== EOF && ch === stop) {
          this.sc.next();
          return { word: result, words: words.finish() };
        }
        const special =
          ch === '$'
            ? () => this.processDollar()
            : ch === '<'
              ? () => this.processPossibleHeredoc()
              : !this.opts.skipProcessQuotes && ch === "'"
                ? () => this.processSingleQuote()
                : !this.opts.skipProcessQuotes && ch === '"'
                  ? () => this.processDoubleQuote()
                  : undefined;
        if (special) {
          const tmp = special();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        let c = this.sc.next() as string;
        if (c === this.opts.escape) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          const n = this.sc.next();
          if (n === EOF) break;
          c = n;
          words.addRawChar(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
      if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
      return { word: result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let out = '';
    const open = this.sc.next() as string;
    if (this.opts.rawQuotes) out += open;
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF)
        throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) out += ch;
        return out;
      }
      out += ch;
    }
  }

  private processDoubleQuote(): string {
    let out = '';
    const open = this.sc.next() as string;
    if (this.opts.rawQuotes) out += open;
    for (;;) {
      const p = this.sc.peek();
      if (p === EOF)
        throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        this.sc.next();
        if (this.opts.rawQuotes) out += p;
        return out;
      }
      if (p === '$') {
        out += this.processDollar();
        continue;
      }
      let ch = this.sc.next() as string;
      if (ch === this.opts.escape) {
        if (this.rawEscapes) out += ch;
        const after = this.sc.peek();
        if (after === EOF) continue; // an escape at the very end is dropped
        if (after === '"' || after === '$' || after === this.opts.escape) ch = this.sc.next() as string;
      }
      out += ch;
    }
  }

  private lookup(name: string): string | undefined {
    this.used.add(name);
    return this.env(name);
  }

  private processDollar(): string {
    this.sc.next();
    if (this.sc.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.sc.next();
    const first = this.sc.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.sc.next();
    let chs = ch === EOF ? '' : ch;
    let nullIsUnset = false;
    if (ch === '}') {
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.sc.next();
      chs += ch === EOF ? '' : ch;
    }
    if (nullIsUnset || ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      const rawEscapes = ch === '#' || ch === '%';
      if (nullIsUnset && rawEscapes) throw new LexError(`unsupported modifier (${chs}) in substitution`);
      let word: string;
      try {
        word = this.processStopOn('}', rawEscapes).word;
      } catch (err) {
        if (this.sc.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw err;
      }
      const value = this.lookup(name);
      const set = value !== undefined;
      if (this.opts.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`;
      switch (ch) {
        case '-':
          return !set || (nullIsUnset && value === '') ? word : value;
        case '+':
          return !set || (nullIsUnset && value === '') ? '' : word;
        case '?':
          if (!set) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
          if (nullIsUnset && value === '')
            throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
          return value;
        case '%':
        case '#': {
          const greedy = word.length > 0 && word[0] === ch;
          const pattern = greedy ? word.slice(1) : word;
          return ch === '%'
            ? trimSuffix(pattern, value ?? '', greedy)
            : trimPrefix(pattern, value ?? '', greedy);
        }
        default:
          throw new LexError(`unsupported modifier (${chs}) in substitution`);
      }
    }
    if (ch === '/') {
      const all = this.sc.peek() === '/';
      if (all) this.sc.next();
      let pattern: string;
      try {
        pattern = this.processStopOn('/', true).word;
      } catch (err) {
        if (this.sc.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
        throw err;
      }
      let replacement: string;
      try {
        replacement = this.processStopOn('}', true).word;
      } catch (err) {
        if (this.sc.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw err;
      }
      const value = this.lookup(name);
      if (this.opts.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
      const re = shellPatternToRegex(pattern, true, false, all);
      // A function replacement: `$&` and friends in the replacement are literal text here.
      return (value ?? '').replace(re, () => replacement);
    }
    throw new LexError(`unsupported modifier (${chs}) in substitution`);
  }

  private processName(): string {
    let name = '';
    while (this.sc.peek() !== EOF) {
      const ch = this.sc.peek() as string;
      if (name.length === 0 && isDigit(ch)) {
        while (this.sc.peek() !== EOF && isDigit(this.sc.peek() as string)) name += this.sc.next();
        return name;
      }
      if (name.length === 0 && '@*#?-$!0'.includes(ch)) {
        this.sc.next();
        return ch;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.sc.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.sc.next();
    if (this.sc.peek() !== '<') return '<';
    this.sc.next();
    let space = '';
    for (let p = this.sc.peek(); p === ' ' || p === '\t' || p === '\r'; p = this.sc.peek()) {
      space += p;
      this.sc.next();
    }
    return `<<${space}`;
  }
}

/**
 * A `${VAR#pattern}`-style pattern as a regular expression: `*` any string (greedy or not), `?`
 * one character, `\` escapes `*`, `?` and itself (before `}` or `/` it only protects them).
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === '*') {
      out += greedy ? '[^\\n]*' : '[^\\n]*?';
      continue;
    }
    if (tok === '?') {
      out += '[^\\n]';
      continue;
    }
    if (tok === '\\') {
      const next = chars[i + 1];
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\')
        throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${next ?? ''}'`);
      out += `\\${next}`;
      i++;
      continue;
    }
    out += tok.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last;) {
    const tok = chars[i]!;
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = chars[i + 1]!;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // A regular expression finds the leftmost match; reversing both finds the rightmost one.
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

function fill(opts: LexOptions): Required<LexOptions> {
  return {
    escape: opts.escape ?? '\\',
    rawQuotes: opts.rawQuotes ?? false,
    skipUnsetEnv: opts.skipUnsetEnv ?? false,
    skipProcessQuotes: opts.skipProcessQuotes ?? false,
  };
}

function wrap<T>(word: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LexError) throw new LexError(`failed to process "${word}": ${err.message}`);
    throw err;
  }
}

/** One word with its variables substituted and its quotes removed. */
export function processWord(word: string, env: EnvLookup, opts: LexOptions = {}): string {
  return wrap(word, () => new ShellWord(word, env, fill(opts)).process().word);
}

/** Like processWord, also saying which variable names were looked up. */
export function processWordUsing(
  word: string,
  env: EnvLookup,
  opts: LexOptions = {},
): { word: string; used: Set<string> } {
  return wrap(word, () => {
    const sw = new ShellWord(word, env, fill(opts));
    return { word: sw.process().word, used: sw.used };
  });
}

/** The text split into words after substitution (quoted spaces stay inside a word). */
export function processWords(text: string, env: EnvLookup, opts: LexOptions = {}): string[] {
  return wrap(text, () => new ShellWord(text, env, fill(opts)).process().words);
}

/** An environment list (`K=V` entries, the last one winning) as a lookup. */
export function envLookup(entries: string[]): EnvLookup {
  const map = new Map<string, string>();
  for (const e of entries) {
    const at = e.indexOf('=');
    if (at === -1) map.set(e, '');
    else map.set(e.slice(0, at), e.slice(at + 1));
  }
  return (name) => map.get(name);
}
