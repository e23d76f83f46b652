/**
 * The text layout of docker/cli's help: pflag's two-column flag list (FlagUsagesWrapped, with its
 * word wrapping) and cobra's padded command lists. Pure functions; help.ts decides what to show.
 */

/** A flag as the manifest describes it (oclif's flag cache) — what help needs of it. */
export interface HelpFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  description?: string;
  multiple?: boolean;
  default?: unknown;
  /** The value's name in the left column (Docker's pflag type: bytes, duration, list …). */
  helpValue?: string;
  hidden?: boolean;
}

/**
 * The value name pflag prints after a flag: its type's name. Docker's names come from the
 * declaration (`helpValue`); otherwise a repeatable flag is a `list`, `--filter` a `filter`
 * (docker/cli's FilterOpt), anything else a `string`.
 */
export function valueName(f: HelpFlag): string {
  if (f.type === 'boolean') return '';
  if (f.helpValue) return f.helpValue;
  if (f.name === 'filter') return 'filter';
  return f.multiple ? 'list' : 'string';
}

/** pflag's " (default …)" suffix: only for a default that is not the type's zero value. */
function defaultSuffix(f: HelpFlag): string {
  const d = f.default;
  if (f.type === 'boolean' || d === undefined || d === null || d === '' || d === 0 || d === false) return '';
  if (Array.isArray(d)) return d.length ? ` (default [${d.join(',')}])` : '';
  return valueName(f) === 'string' ? ` (default ${JSON.stringify(String(d))})` : ` (default ${String(d)})`;
}

/**
 * pflag's wrapN: splits s at whitespace into a first part of at most i characters and the rest;
 * goes up to slop characters over when that takes the whole string (no short orphan line).
 */
function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ''];
  const head = s.slice(0, i);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

/** pflag's wrap: s wrapped to width w, continuation lines indented by i (the first is the caller's). */
export function wrap(i: number, w: number, s: string): string {
  const indentNl = (t: string, n: number) => t.replace(/\n/g, `\n${' '.repeat(n)}`);
  if (w === 0) return indentNl(s, i);
  let width = w - i;
  let r = '';
  // Not enough room beside the names: the text goes below them, indented 16.
  if (width < 24) {
    i = 16;
    width = w - i;
    r += `\n${' '.repeat(i)}`;
  }
  if (width < 24) return s.replace(/\n/g, r);
  const slop = 5;
  width -= slop;
  let [line, rest] = wrapN(width, slop, s);
  r += indentNl(line, i);
  while (rest !== '') {
    [line, rest] = wrapN(width, slop, rest);
    r += `\n${' '.repeat(i)}${indentNl(line, i)}`;
  }
  return r;
}

/** pflag's FlagUsagesWrapped(cols): one line (or wrapped block) per visible flag, sorted by name. */
export function flagUsages(flags: HelpFlag[], cols: number): string {
  const rows: [string, string][] = [];
  let maxlen = 0;
  for (const f of [...flags].filter((x) => !x.hidden).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    let left = f.char ? `  -${f.char}, --${f.name}` : `      --${f.name}`;
    const v = valueName(f);
    if (v) left += ` ${v}`;
    // pflag counts the separator it puts after the names.
    maxlen = Math.max(maxlen, left.length + 1);
    rows.push([left, (f.description ?? '') + defaultSuffix(f)]);
  }
  return rows
    .map(([left, usage]) => `${left} ${' '.repeat(maxlen - left.length)} ${wrap(maxlen + 2, cols, usage)}\n`)
    .join('');
}

/** cobra's command list: each name padded to the longest (at least 11), then its description. */
export function commandList(entries: { name: string; description: string }[], padding: number): string {
  return entries.map((e) => `  ${e.name.padEnd(padding)} ${e.description}`).join('\n');
}

/** cobra's NamePadding: the longest name among a command's subcommands, at least 11. */
export function namePadding(names: string[]): number {
  return Math.max(11, ...names.map((n) => n.length));
}

/** docker/cli wraps flag text to the terminal's width less one; 80 columns when there is no terminal. */
export function terminalColumns(): number {
  const cols = process.stdout.isTTY
    ? process.stdout.columns
    : process.stderr.isTTY
      ? process.stderr.columns
      : 0;
  return (cols || 80) - 1;
}
