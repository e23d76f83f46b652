/**
 * `.dockerignore`: reading the file and matching paths the way Docker does (moby's
 * patternmatcher and ignorefile packages): patterns are cleaned like Go's filepath.Clean, a leading
 * `/` is dropped, `!` makes an exception, later patterns win, `**` spans directories, and the rest
 * is Go's filepath.Match (`*`, `?`, `[...]`, `\` escapes). A pattern that names a directory also
 * excludes everything under it. The npm ignore libraries were checked against moby's test cases
 * and fail some (regex metacharacters in names, case-insensitivity), hence this module.
 */

/** Go's path.Clean (lexical: `.` and `..` resolved, slashes collapsed). */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** The patterns of an ignore file (moby ignorefile.ReadAll). */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

/**
 * Whether a pattern is well-formed for Go's filepath.Match (which reports ErrBadPattern for an
 * unterminated class, an empty range end, a trailing `\`, …), whatever the name matched.
 */
function checkGoPattern(pattern: string): void {
  const chars = Array.from(pattern);
  let i = 0;
  const bad = () => {
    throw new BadPatternError();
  };
  const escaped = (): void => {
    // after `\`: one character must follow
    if (i >= chars.length) bad();
    i++;
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\\') {
      i++;
      escaped();
      continue;
    }
    if (c !== '[') {
      i++;
      continue;
    }
    i++;
    if (chars[i] === '^') i++;
    let n = 0;
    for (;;) {
      if (i >= chars.length) bad();
      if (chars[i] === ']' && n > 0) {
        i++;
        break;
      }
      // a range bound: one character, `-` and `]` only escaped
      const bound = (): void => {
        if (i >= chars.length) bad();
        const ch = chars[i]!;
        if (ch === '-' || ch === ']') bad();
        if (ch === '\\') {
          i++;
          escaped();
          return;
        }
        i++;
      };
      bound();
      if (chars[i] === '-') {
        i++;
        bound();
      }
      n++;
    }
  }
}

const REGEX_ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

class Pattern {
  readonly dirs: number;
  private type: MatchType = 'exact';
  private regexp?: RegExp;

  constructor(
    readonly cleaned: string,
    readonly exclusion: boolean,
  ) {
    this.dirs = cleaned.split('/').length;
    this.compile();
  }

  private compile(): void {
    let re = '^';
    let type: MatchType = 'exact';
    const chars = Array.from(this.cleaned);
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === '*') {
        if (chars[i + 1] === '*') {
          const first = i === 0;
          i++;
          if (chars[i + 1] === '/') i++;
          if (i + 1 >= chars.length) {
            if (type === 'exact') type = 'prefix';
            else {
              re += '.*';
              type = 'regexp';
            }
          } else {
            re += '(.*/)?';
            type = 'regexp';
          }
          // A leading `**`: whatever follows is matched as a suffix.
          if (first) type = 'suffix';
        } else {
          re += '[^/]*';
          type = 'regexp';
        }
      } else if (ch === '?') {
        re += '[^/]';
        type = 'regexp';
      } else if (REGEX_ESCAPED.has(ch)) {
        re += `\\${ch}`;
      } else if (ch === '\\') {
        if (i + 1 < chars.length) {
          const next = chars[++i]!;
          // Go's regexp reads `\` + punctuation as that character; letters and digits as themselves
          // is the nearest JavaScript can say without Go's escape classes.
          re += /[A-Za-z0-9]/.test(next) ? next : `\\${next}`;
          type = 'regexp';
        } else {
          re += '\\\\';
        }
      } else if (ch === '[' || ch === ']') {
        re += ch;
        type = 'regexp';
      } else {
        re += ch;
      }
    }
    if (type === 'regexp') {
      try {
        this.regexp = new RegExp(`${re}$`, 'u');
      } catch {
        throw new BadPatternError();
      }
    }
    this.type = type;
  }

  match(path: string): boolean {
    switch (this.type) {
      case 'exact':
        return path === this.cleaned;
      case 'prefix':
        return path.startsWith(this.cleaned.slice(0, -2));
      case 'suffix': {
        const suffix = this.cleaned.slice(2);
        if (path.endsWith(suffix)) return true;
        return suffix.startsWith('/') && path === suffix.slice(1);
      }
      case 'regexp':
        return this.regexp!.test(path);
    }
  }
}

/** What a directory's walk hands to its children: which patterns matched the directory. */
export type ParentMatches = boolean[] | undefined;

export class PatternMatcher {
  private readonly patterns: Pattern[] = [];
  /** Whether some pattern is an exception (`!…`): excluded directories must then still be walked. */
  readonly exclusions: boolean = false;

  constructor(patterns: string[]) {
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = goClean(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
        this.exclusions = true;
      }
      checkGoPattern(p);
      this.patterns.push(new Pattern(p, exclusion));
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** moby MatchesOrParentMatches: the path or one of its parent directories is excluded. */
  matches(file: string): boolean {
    const cleaned = goClean(file);
    if (cleaned === '.') return false;
    return this.matchesUsingParents(cleaned, undefined).matched;
  }

  /**
   * moby MatchesUsingParentResults: as `matches`, reusing what the parent directory's own check
   * found (for a walk, which checks each directory before its entries).
   */
  matchesUsingParents(file: string, parent: ParentMatches): { matched: boolean; info: boolean[] } {
    let matched = false;
    const info = new Array<boolean>(this.patterns.length).fill(false);
    this.patterns.forEach((pattern, i) => {
      let match = parent ? parent[i]! : false;
      if (!match) {
        if (pattern.exclusion !== matched) return;
        match = pattern.match(file);
        if (!match && !parent) {
          const at = file.lastIndexOf('/');
          if (at > 0) {
            const dirs = file.slice(0, at).split('/');
            for (let j = 0; j < dirs.length && !match; j++)
              match = pattern.match(dirs.slice(0, j + 1).join('/'));
          }
        }
      }
      info[i] = match;
      if (match) matched = !pattern.exclusion;
    });
    return { matched, info };
  }
}
