/**
 * Docker's `cp` rules, as pure functions: how `CTR:PATH` arguments split, how a source and a
 * destination decide where an archive is extracted and under which name (moby's
 * PrepareArchiveCopy), and which tar entries would land outside the extraction directory (moby's
 * breakout checks). No file system access here: cp.ts and tarfs.ts supply the facts.
 */
import { posix } from 'node:path';

/** docker/cli's splitCpArg: `/abs` and `./rel:x` are local; otherwise `CTR:PATH` splits at the first colon. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** moby's archive errors, with their exact texts. */
export const CP_ERRORS = {
  cannotCopyDir: 'cannot copy directory',
  dirNotExists: 'no such directory',
  notDirectory: 'not a directory',
} as const;

export class CopyRuleError extends Error {}

/** True when the path names a directory by its form: a trailing `/` or a final `.` component. */
export function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || specifiesCurrentDir(p);
}

export function specifiesCurrentDir(p: string): boolean {
  return p === '.' || p.endsWith('/.');
}

/** Go's filepath.Clean plus archive.SplitPathDirEntry: `/a/b/.` → (`/a/b`, `.`). */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = posix.normalize(p || '.');
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(p) && cleaned !== '.') cleaned += '/.';
  if (cleaned === '/') return { dir: '/', base: '/' };
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) };
}

/** archive.PreserveTrailingDotOrSeparator: a cleaned path keeps the `/.` or `/` the user typed. */
export function preserveTrailing(cleaned: string, original: string): string {
  if (specifiesCurrentDir(original) && !cleaned.endsWith('/.')) {
    return cleaned.endsWith('/') ? `${cleaned}.` : `${cleaned}/.`;
  }
  if (original.endsWith('/') && !cleaned.endsWith('/')) return `${cleaned}/`;
  return cleaned;
}

/** A container path made absolute (Docker treats `CTR:tmp/x` as `/tmp/x`), trailing form kept. */
export function containerAbs(p: string): string {
  return preserveTrailing(posix.join('/', p), p);
}

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** With -L on a symlink: the name the followed target takes in the archive. */
  rebaseName?: string;
}

export interface CopyPlan {
  /** Where the archive is extracted. */
  dir: string;
  /** Archive entries named `from` or under `from/` are renamed to `to`. */
  rebase?: { from: string; to: string };
}

/** moby's PrepareArchiveCopy: the extraction directory and the renaming the copy needs. */
export function planCopy(src: CopyInfo, dst: CopyInfo): CopyPlan {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dir: dst.path };
  if (dst.exists && src.isDir) throw new CopyRuleError(CP_ERRORS.cannotCopyDir);
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path))
    throw new CopyRuleError(CP_ERRORS.dirNotExists);
  return { dir: dstDir, rebase: { from: srcBase, to: dstBase } };
}

/** RebaseArchiveEntries for one name (hard link targets are renamed the same way). */
export function rebaseEntryName(name: string, rebase: CopyPlan['rebase']): string {
  if (!rebase) return name;
  const { from, to } = rebase;
  if (name === from || name === `${from}/`) return name.endsWith('/') ? `${to}/` : to;
  if (name.startsWith(`${from}/`)) return `${to}${name.slice(from.length)}`;
  return name;
}

export type EntryKind = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface ConfinedEntry {
  /** Absolute path of the entry inside the root (always under `dir`). */
  path: string;
  /** For hard links: the absolute in-root path of the link's target. */
  linkTarget?: string;
}

/**
 * moby's Untar checks, relative to the extraction directory `dir` (an absolute in-root path):
 * an entry name is cleaned and joined to `dir` (so `/abs` lands at `dir/abs`), and refused when
 * it climbs out (`../x`); a symlink may point anywhere inside `dir` (absolute targets are the
 * container's own paths, resolved inside its root later); a hard link must name a file under `dir`.
 * Returns undefined for the entry naming `dir` itself.
 */
export function confineEntry(
  dir: string,
  name: string,
  kind: EntryKind,
  linkname = '',
): ConfinedEntry | undefined {
  const cleanedName = posix.normalize(name).replace(/\/+$/, '') || '.';
  const path = posix.join(dir, cleanedName);
  const rel = posix.relative(dir, path);
  if (rel === '..' || rel.startsWith('../')) {
    throw new CopyRuleError(`"${cleanedName}" is outside of "${dir}"`);
  }
  if (rel === '') return undefined;
  const within = (p: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
  if (kind === 'symlink') {
    const target = posix.join(posix.dirname(path), linkname);
    if (!within(target)) throw new CopyRuleError(`invalid symlink "${path}" -> "${linkname}"`);
  }
  if (kind === 'link') {
    const target = posix.join(dir, linkname);
    if (!within(target) || target === dir) {
      throw new CopyRuleError(`invalid hardlink "${target}" -> "${linkname}"`);
    }
    return { path, linkTarget: target };
  }
  return { path };
}
