/**
 * Tar archives of, and into, a directory tree seen as a root: every path is an absolute path
 * *inside* the root, symlinks met on the way are resolved as the container would resolve them
 * (an absolute target starts again at the root, `..` stops at it), so nothing read or written
 * ever leaves the root — what moby gets from chroot-ing its archiver. The final component of a
 * written entry is never followed (O_NOFOLLOW, links replaced, not written through).
 *
 * Limit: a process inside a *running* container could swap a directory for a symlink between
 * our resolution and our write; moby closes that window with a chroot, which Node cannot do.
 */
import { constants, type Stats } from 'node:fs';
import {
  chmod,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

type Header = Partial<tar.Header> & { name: string };
type Entry = AsyncIterable<unknown> & { header: tar.Header; resume(): void };
import { CopyRuleError, confineEntry, rebaseEntryName, type CopyPlan, type EntryKind } from './cp-rules.js';

const MAX_LINKS = 255;

/** The host path of an in-root path. */
export function hostPath(root: string, inRoot: string): string {
  return root === '/' ? inRoot : posix.join(root, inRoot);
}

function isEnoent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Resolves `p` inside `root` (moby's FollowSymlinkInScope): symlinks are read and followed with
 * the root as `/`; components that do not exist are kept as written. With `followLast` false the
 * last component is not followed (it may itself be a symlink). Returns the in-root path.
 */
export async function resolveInRoot(root: string, p: string, followLast = true): Promise<string> {
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  let cur = '/';
  let links = 0;
  let missing = false;
  while (parts.length) {
    const c = parts.shift()!;
    if (c === '..') {
      cur = posix.dirname(cur);
      continue;
    }
    const next = posix.join(cur, c);
    if (missing || (!followLast && parts.length === 0)) {
      cur = next;
      continue;
    }
    let st: Stats;
    try {
      st = await lstat(hostPath(root, next));
    } catch (err) {
      if (!isEnoent(err)) throw err;
      missing = true;
      cur = next;
      continue;
    }
    if (!st.isSymbolicLink()) {
      cur = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new CopyRuleError(`too many links in ${p}`);
    const target = await readlink(hostPath(root, next));
    if (target.startsWith('/')) cur = '/';
    parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
  }
  return cur;
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
    await addEntry({ pack, failed }, src.root, src.path, src.name);
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
}

async function addEntry(p: Packer, root: string, inRoot: string, name: string): Promise<void> {
  const host = hostPath(root, inRoot);
  const st = await lstat(host);
  const h = headerOf(st, name);
  if (st.isDirectory()) {
    // An empty name archives the contents without a top entry (`docker export`'s layout).
    if (name !== '')
      await entry(p, { ...h, type: 'directory', name: name.endsWith('/') ? name : `${name}/` });
    const children = (await readdir(host)).sort();
    for (const c of children) {
      const child = name === '' ? c : name === '.' ? `./${c}` : `${name}/${c}`;
      await addEntry(p, root, posix.join(inRoot, c), child);
    }
  } else if (st.isSymbolicLink()) {
    await entry(p, { ...h, type: 'symlink', linkname: await readlink(host) });
  } else if (st.isFile()) {
    // O_NOFOLLOW: the file we stat-ed may have become a symlink since; never read through one.
    const fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let done!: Promise<void>;
      const w = await new Promise<ReturnType<tar.Pack['entry']>>((resolveEntry) => {
        done = new Promise((res, rej) => {
          resolveEntry(
            p.pack.entry({ ...h, type: 'file', size: st.size }, (err) => (err ? rej(err) : res())),
          );
        });
      });
      done.catch(() => undefined); // awaited below; a failure meanwhile must not go unhandled
      // Exactly the size announced in the header, even if the file grows meanwhile.
      let left = st.size;
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
  input.pipe(ex);
  const dirTimes: { path: string; mtime: Date }[] = [];
  for await (const e of ex) {
    try {
      await extractEntry(e, opts, dirTimes);
    } finally {
      e.resume();
    }
  }
  // Directory times last: writing into a directory changes its mtime.
  for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime).catch(() => undefined);
}

async function extractEntry(
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
  const { root } = opts;
  // The parent is resolved inside the root (a symlink there points into the container, never
  // out); the entry itself is created at that place, never through a link.
  const parent = await resolveInRoot(root, posix.dirname(confined.path));
  const parentHost = hostPath(root, parent);
  await mkdir(parentHost, { recursive: true, mode: 0o755 });
  const target = posix.join(parentHost, posix.basename(confined.path));

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
    if (!(existing.isDirectory() && kind === 'directory')) await rm(target, { recursive: true, force: true });
  }
  const mode = (h.mode ?? 0o644) & 0o7777;
  switch (kind) {
    case 'directory':
      if (!existing?.isDirectory()) await mkdir(target, { mode: 0o755 });
      break;
    case 'file': {
      const fh = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        // streamx entries and Node's pipeline() do not always agree on the end: write chunk by chunk.
        for await (const chunk of e) await fh.write(chunk as Buffer);
      } finally {
        await fh.close();
      }
      break;
    }
    case 'symlink':
      await symlink(linkname, target);
      break;
    case 'link': {
      const from = await resolveInRoot(root, confined.linkTarget!, false);
      await link(hostPath(root, from), target);
      break;
    }
  }
  const owner =
    opts.owner === 'keep'
      ? { uid: h.uid ?? 0, gid: h.gid ?? 0 }
      : opts.owner === 'none'
        ? undefined
        : opts.owner;
  if (owner && kind !== 'link') await lchown(target, owner.uid, owner.gid);
  if (kind === 'symlink') {
    if (h.mtime) await lutimes(target, h.mtime, h.mtime).catch(() => undefined);
    return;
  }
  if (kind === 'link') return;
  await chmod(target, mode);
  if (kind === 'directory') {
    if (h.mtime) dirTimes.push({ path: target, mtime: h.mtime });
  } else if (h.mtime) await utimes(target, h.mtime, h.mtime);
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
