/**
 * Docker's line-delimited KEY[=VALUE] files (--env-file, --label-file) and the -e/-l validators
 * (docker/cli pkg/kvfile, opts/env.go, opts/opts.go ValidateLabel).
 */
import { readFileSync } from 'node:fs';

export type Lookup = (key: string) => string | undefined;

// ignoreBOM keeps a BOM in the text: only the file's first line loses it, as in Docker.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Go's unicode.IsSpace (JS's \s would also eat U+FEFF).
const leadingSpace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const BOM = [0xef, 0xbb, 0xbf];

/** bufio.ScanLines: split on \n, drop one trailing \r, no empty token after a final newline. */
function scanLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    const next = end === -1 ? buf.length : end + 1;
    if (end === -1) end = buf.length;
    let line = buf.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    lines.push(line);
    start = next;
  }
  return lines;
}

/**
 * Leading whitespace trimmed, `#` lines and blank lines skipped, the value kept verbatim. A bare KEY
 * takes its value from `lookup` and is left out when the lookup has nothing.
 */
export function parseKeyValueContent(content: Buffer | string, lookup?: Lookup): string[] {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const out: string[] = [];
  scanLines(buf).forEach((raw, i) => {
    let bytes = raw;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new Error(`invalid utf8 bytes at line ${i + 1}: [${[...bytes].join(' ')}]`);
    }
    if (i === 0 && BOM.every((b, j) => bytes[j] === b)) {
      bytes = bytes.subarray(3);
      text = utf8.decode(bytes);
    }
    const line = text.replace(leadingSpace, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (key === '') throw new Error(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (eq !== -1) {
      out.push(line);
      return;
    }
    const value = lookup?.(line);
    if (value !== undefined) out.push(`${key}=${value}`);
  });
  return out;
}

function readOrExplain(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`open ${path}: no such file or directory`);
    if (code === 'EACCES') throw new Error(`open ${path}: permission denied`);
    if (code === 'EISDIR') throw new Error(`read ${path}: is a directory`);
    throw err;
  }
}

/** kvfile.Parse: read the file and prefix parse errors with the file name, as Docker does. */
export function parseKeyValueFile(path: string, lookup?: Lookup): string[] {
  const content = readOrExplain(path);
  try {
    return parseKeyValueContent(content, lookup);
  } catch (err) {
    throw new Error(`invalid env file (${path}): ${(err as Error).message}`);
  }
}

/**
 * -e: an empty name is an error; a bare KEY takes the caller's value when it has one and is otherwise
 * kept bare (the daemon then removes KEY from the container's environment, image value included).
 */
export function validateEnv(val: string, lookup: Lookup): string {
  const eq = val.indexOf('=');
  const key = eq === -1 ? val : val.slice(0, eq);
  if (key === '') throw new Error(`invalid environment variable: ${val}`);
  if (eq !== -1) return val;
  const v = lookup(key);
  return v === undefined ? val : `${key}=${v}`;
}

/** -l: `k=v` or `k` (empty value); the name may not be empty nor hold whitespace. */
export function validateLabel(value: string): string {
  const eq = value.indexOf('=');
  const key = (eq === -1 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new Error(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return value;
}

/** ConvertKVStringsToMap: later entries win; `k` alone maps to ''. */
export function kvToMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === -1) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
