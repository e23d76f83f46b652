/**
 * Tar archives of, and into, a directory tree seen as a root: every path is an absolute path
 * *inside* the root, symlinks met on the way are resolved as the container would resolve them
 * (an absolute target starts again at the root, `..` stops at it), so nothing read or written
 * ever leaves the root — what moby gets from chroot-ing its archiver. The final component of a
 * written entry is never followed (O_NOFOLLOW, links replaced, not written through).
 *
 * Every access goes through directories held open (inroot.ts), one name at a time, so a process
 * in a *running* container that swaps a directory for a symlink meanwhile (CVE-2018-15664) changes
 * at most which of its own files we reach.
 */
import { constants, type Stats } from 'node:fs';
import {
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  rmdir,
  symlink,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

type Header = Partial<tar.Header> & { name: string };
type Entry = AsyncIterable<unknown> & { header: tar.Header; resume(): void };
import { CopyRuleError, confineEntry, rebaseEntryName, type CopyPlan, type EntryKind } from './cp-rules.js';
import { at, InRoot, O_PATH, reopen } from './inroot.js';

/** The host path of an in-root path. */
export function hostPath(root: string, inRoot: string): string {
  return root === '/' ? inRoot : posix.join(root, inRoot);
}

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

function isEnoent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function withRoot<T>(root: string, fn: (r: InRoot) => Promise<T>): Promise<T> {
  const r = await InRoot.open(root);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

/**
 * Resolves `p` inside `root` (moby's FollowSymlinkInScope): symlinks are read and followed with
 * the root as `/`; components that do not exist are kept as written. With `followLast` false the
 * last component is not followed (it may itself be a symlink). Returns the in-root path.
 */
export function resolveInRoot(root: string, p: string, followLast = true): Promise<string> {
  return withRoot(root, (r) => r.resolve(p, followLast));
}

/** lstat of an in-root path, resolved inside the root (its last component not followed). */
export function lstatInRoot(root: string, p: string): Promise<Stats> {
  return withRoot(root, (r) => r.lstat(p));
}

/** An error on a /proc/self/fd/N/… path, told with the host path of the in-root path instead. */
function named(err: unknown, r: InRoot, inRoot: string): unknown {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (e?.path?.startsWith('/proc/self/fd/')) e.path = r.shown(inRoot);
  if (e?.dest?.startsWith('/proc/self/fd/')) e.dest = r.shown(inRoot);
  return err;
}

/** Removes a name in an open directory, a directory with everything in it, never through a link. */
async function removeAt(dir: FileHandle, name: string): Promise<void> {
  const here = at(dir, name);
  let st: Stats;
  try {
    st = await lstat(here);
  } catch (err) {
    if (isEnoent(err)) return;
    throw err;
  }
  if (!st.isDirectory()) {
    await unlink(here).catch((err: unknown) => {
      if (!isEnoent(err)) throw err;
    });
    return;
  }
  const sub = await open(here, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    for (const c of await readdir(`/proc/self/fd/${sub.fd}`)) await removeAt(sub, c);
  } finally {
    await sub.close();
  }
  await rmdir(here);
}

/** The archive's reader closed its end. */
export class BrokenPipeError extends Error {
  constructor() {
    super('write /dev/stdout: broken pipe');
  }
}

export interface PackSource {
  root: string;
  /** In-root path of the tree to archive (its last component was not followed). */
  path: string;
  /** The name the tree's top entry takes in the archive (`.` for a directory's contents). */
  name: string;
}

function headerOf(st: Stats, name: string): Header {
  return { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

/** Writes a tar of the tree to `out`; returns the archive's size in bytes. */
export async function packTree(src: PackSource, out: Writable): Promise<number> {
  const pack = tar.pack();
  let size = 0;
  pack.on('data', (b: unknown) => (size += (b as Buffer).length));
  // A reader that goes away (`| head`) is an ordinary end, reported as BrokenPipeError, not a crash.
  out.on('error', () => undefined);
  const piped = pipeline(pack, out).catch((err: unknown) => {
    throw (err as NodeJS.ErrnoException).code === 'EPIPE' ? new BrokenPipeError() : err;
  });
  // Every wait on the packer also ends when the output fails (the packer may never call back then).
  const failed = piped.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  try {
    await withRoot(src.root, async (r) => {
      const { dir, name } = await r.openParent(src.path);
      try {
        await addEntry({ pack, failed, r, top: src.path }, dir, name, src.name, src.path);
      } finally {
        await dir.close();
      }
    });
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    const outErr = await piped.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw outErr instanceof BrokenPipeError ? outErr : err;
  }
  await piped;
  return size;
}

interface Packer {
  pack: tar.Pack;
  failed: Promise<never>;
  r: InRoot;
  /** The in-root path asked for: its absence is an error, a child's is a file deleted meanwhile. */
  top: string;
}

/** Archives `base` of the open directory `dir` (the directory itself when `base` is ''). */
async function addEntry(
  p: Packer,
  dir: FileHandle,
  base: string,
  name: string,
  inRoot: string,
): Promise<void> {
  try {
    await addOne(p, dir, base, name, inRoot);
  } catch (err) {
    throw named(err, p.r, inRoot);
  }
}

async function addOne(p: Packer, dir: FileHandle, base: string, name: string, inRoot: string): Promise<void> {
  const here = at(dir, base);
  // Held, then looked at: what is archived is what was opened, even if the name changes meanwhile.
  let held: FileHandle;
  try {
    held =
      base === ''
        ? await reopen(dir, O_PATH | constants.O_DIRECTORY)
        : await open(here, O_PATH | constants.O_NOFOLLOW);
  } catch (err) {
    if (inRoot !== p.top && codeOf(err) === 'ENOENT') return; // deleted since its directory was read
    throw err;
  }
  try {
    await addHeld(p, held, here, name, inRoot);
  } finally {
    await held.close();
  }
}

async function addHeld(
  p: Packer,
  held: FileHandle,
  here: string,
  name: string,
  inRoot: string,
): Promise<void> {
  const st = await held.stat();
  const h = headerOf(st, name);
  if (st.isDirectory()) {
    // An empty name archives the contents without a top entry (`docker export`'s layout).
    if (name !== '')
      await entry(p, { ...h, type: 'directory', name: name.endsWith('/') ? name : `${name}/` });
    const children = (await readdir(`/proc/self/fd/${held.fd}`)).sort();
    for (const c of children) {
      const child = name === '' ? c : name === '.' ? `./${c}` : `${name}/${c}`;
      await addEntry(p, held, c, child, posix.join(inRoot, c));
    }
  } else if (st.isSymbolicLink()) {
    let linkname: string;
    try {
      linkname = await readlink(here);
    } catch (err) {
      if (codeOf(err) === 'EINVAL' || codeOf(err) === 'ENOENT') return; // replaced since: not this link
      throw err;
    }
    await entry(p, { ...h, type: 'symlink', linkname });
  } else if (st.isFile()) {
    // The very file looked at, opened again for reading through its handle: never a link, never a FIFO.
    const fh = await reopen(held, constants.O_RDONLY);
    try {
      await fileEntry(p, fh, { ...h, type: 'file', size: st.size });
    } finally {
      await fh.close();
    }
  } else if (st.isFIFO()) {
    await entry(p, { ...h, type: 'fifo' });
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    await entry(p, {
      ...h,
      type: st.isCharacterDevice() ? 'character-device' : 'block-device',
      devmajor: Math.floor(st.rdev / 256) & 0xfff,
      devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00),
    });
  }
  // sockets are not archived (as Go's archive/tar)
}

async function fileEntry(p: Packer, fh: FileHandle, h: Header & { size: number }): Promise<void> {
  let done!: Promise<void>;
  const w = await new Promise<ReturnType<tar.Pack['entry']>>((resolveEntry) => {
    done = new Promise((res, rej) => {
      resolveEntry(p.pack.entry(h, (err) => (err ? rej(err) : res())));
    });
  });
  done.catch(() => undefined); // awaited below; a failure meanwhile must not go unhandled
  // Exactly the size announced in the header, even if the file grows meanwhile.
  let left = h.size;
  const buf = Buffer.alloc(64 * 1024);
  while (left > 0) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left));
    if (bytesRead === 0) break;
    left -= bytesRead;
    if (!w.write(Buffer.from(buf.subarray(0, bytesRead)))) {
      await Promise.race([new Promise<void>((r) => w.once('drain', () => r())), done, p.failed]);
    }
  }
  if (left > 0) w.write(Buffer.alloc(left)); // the file shrank: pad, the header is written
  w.end(Buffer.alloc(0));
  await Promise.race([done, p.failed]);
}

function entry(p: Packer, h: Header): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve, reject) => p.pack.entry(h, (err) => (err ? reject(err) : resolve()))),
    p.failed,
  ]);
}

export interface ExtractOptions {
  root: string;
  /** In-root extraction directory; it exists and is a directory (resolved already). */
  dir: string;
  rebase?: CopyPlan['rebase'];
  /** `keep`: the archive's uid/gid; `none`: leave ownership to the writer; or this owner. */
  owner: 'keep' | 'none' | { uid: number; gid: number };
  /** moby's NoOverwriteDirNonDir: a directory never replaces a file or the reverse. */
  noOverwriteDirNonDir: boolean;
}

function kindOf(type: Header['type']): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

/**
 * Extracts an archive under `dir` inside `root`. Entries that would leave `dir` are refused
 * with moby's messages (the copy stops there, as Docker's does).
 */
export async function extractInto(input: Readable, opts: ExtractOptions): Promise<void> {
  const ex = tar.extract();
  input.on('error', (err) => ex.destroy(err));
  // Piped and iterated at once, before any wait: a caller may have the input flowing already, and
  // tar-stream's extractor must be read from its first entry.
  input.pipe(ex);
  const entries = ex[Symbol.asyncIterator]();
  const rest = { [Symbol.asyncIterator]: () => entries };
  const r = await InRoot.open(opts.root).catch((err: unknown) => {
    ex.destroy();
    throw err;
  });
  try {
    const dirTimes: { path: string; mtime: Date }[] = [];
    for await (const e of rest) {
      try {
        await extractEntry(r, e, opts, dirTimes);
      } finally {
        e.resume();
      }
    }
    // Directory times last: writing into a directory changes its mtime.
    for (const d of dirTimes.reverse()) {
      await r
        .openDir(d.path)
        .then(async ({ dir }) => {
          try {
            const fh = await reopen(dir, constants.O_RDONLY | constants.O_DIRECTORY);
            await fh.utimes(d.mtime, d.mtime).finally(() => fh.close());
          } finally {
            await dir.close();
          }
        })
        .catch(() => undefined);
    }
  } finally {
    await r.close();
  }
}

async function extractEntry(
  r: InRoot,
  e: Entry,
  opts: ExtractOptions,
  dirTimes: { path: string; mtime: Date }[],
): Promise<void> {
  const h = e.header;
  const kind = kindOf(h.type);
  const name = rebaseEntryName(h.name, opts.rebase);
  const linkname = kind === 'link' ? rebaseEntryName(h.linkname ?? '', opts.rebase) : (h.linkname ?? '');
  const confined = confineEntry(opts.dir, name, kind, linkname);
  if (!confined) return; // the extraction directory itself
  if (kind === 'other') return; // devices and FIFOs: not created by cp
  // The parent is resolved (and made) inside the root (a symlink there points into the
  // container, never out) and held open; the entry is created in it, never through a link.
  const parent = await r.openDir(posix.dirname(confined.path), true);
  const entryPath = posix.join(parent.path, posix.basename(confined.path));
  try {
    await writeEntry(r, e, opts, dirTimes, { kind, name, linkname, confined, dir: parent.dir });
  } catch (err) {
    throw named(err, r, entryPath);
  } finally {
    await parent.dir.close();
  }
}

async function writeEntry(
  r: InRoot,
  e: Entry,
  opts: ExtractOptions,
  dirTimes: { path: string; mtime: Date }[],
  w: {
    kind: EntryKind;
    name: string;
    linkname: string;
    confined: NonNullable<ReturnType<typeof confineEntry>>;
    dir: FileHandle;
  },
): Promise<void> {
  const { kind, name, linkname, confined, dir } = w;
  const h = e.header;
  const base = posix.basename(confined.path);
  const target = at(dir, base);

  let existing: Stats | undefined;
  try {
    existing = await lstat(target);
  } catch (err) {
    if (!isEnoent(err)) throw err;
  }
  if (existing) {
    if (opts.noOverwriteDirNonDir) {
      if (existing.isDirectory() && kind !== 'directory') {
        throw new CopyRuleError(`cannot overwrite directory "${confined.path}" with non-directory "${name}"`);
      }
      if (!existing.isDirectory() && kind === 'directory') {
        throw new CopyRuleError(`cannot overwrite non-directory "${confined.path}" with directory "${name}"`);
      }
    }
    if (!(existing.isDirectory() && kind === 'directory')) await removeAt(dir, base);
  }
  const mode = (h.mode ?? 0o644) & 0o7777;
  const owner =
    opts.owner === 'keep'
      ? { uid: h.uid ?? 0, gid: h.gid ?? 0 }
      : opts.owner === 'none'
        ? undefined
        : opts.owner;
  let fh: FileHandle | undefined;
  try {
    switch (kind) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(target, { mode: 0o755 });
        // What we made (or found), opened without following: chmod/chown go to it, not to a link.
        fh = await open(target, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        break;
      case 'file':
        fh = await open(
          target,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        // streamx entries and Node's pipeline() do not always agree on the end: write chunk by chunk.
        for await (const chunk of e) await fh.write(chunk as Buffer);
        break;
      case 'symlink':
        await symlink(linkname, target);
        if (owner) await lchown(target, owner.uid, owner.gid);
        if (h.mtime) await lutimes(target, h.mtime, h.mtime).catch(() => undefined);
        return;
      case 'link': {
        const from = await r.openParent(confined.linkTarget!);
        try {
          await link(from.name === '' ? `/proc/self/fd/${from.dir.fd}` : at(from.dir, from.name), target);
        } finally {
          await from.dir.close();
        }
        return;
      }
    }
    if (!fh) return;
    if (owner) await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode);
    if (kind === 'directory') {
      if (h.mtime) dirTimes.push({ path: posix.join(posix.dirname(confined.path), base), mtime: h.mtime });
    } else if (h.mtime) await fh.utimes(h.mtime, h.mtime);
  } finally {
    await fh?.close();
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'invalid cross-device link',
};

/** A Node fs error as Go prints it (`link /a /b: no such file or directory`), host root hidden. */
export function goFsMessage(err: unknown, root: string): string {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (!e?.code || !e.syscall) return (err as Error)?.message ?? String(err);
  const strip = (p?: string) => (p && root !== '/' && p.startsWith(root) ? p.slice(root.length) || '/' : p);
  const paths = [strip(e.path), strip(e.dest)].filter(Boolean).join(' ');
  return `${e.syscall} ${paths}: ${ERRNO_TEXT[e.code] ?? e.code.toLowerCase()}`;
}
