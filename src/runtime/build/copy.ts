/**
 * COPY and ADD into a build step's root, mounted on the host: nothing runs inside it. Docker's
 * rules: a directory source copies its contents; a destination ending in `/` (or an existing
 * directory, or several sources) receives each source by its name, otherwise it is the file's new
 * name; missing parents are created; everything written is owned by 0:0 unless `--chown`, keeps
 * its permission bits unless `--chmod`, and keeps its modification time. The destination path
 * resolves inside the root (its symlinks cannot lead out). ADD also unpacks local tar archives
 * (plain, gzip, bzip2, xz) and fetches URLs.
 */
import { constants, createReadStream, type Stats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  lutimes,
  mkdir,
  open,
  readlink,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { posix } from 'node:path';
import { walkTree, type SourceMatch, type SourceTree } from './context.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyTarget {
  /** Host directory where the step's root is mounted. */
  root: string;
  /** Absolute destination inside the root, with its trailing slash if written so. */
  dest: string;
  owner?: Owner;
  /** --chmod's bits, applied to everything copied. */
  mode?: number;
}

async function inRoot(root: string, p: string): Promise<string> {
  const { hostPath, resolveInRoot } = await import('../container/tarfs.js');
  return hostPath(root, await resolveInRoot(root, p));
}

/** `mkdir -p` inside the root, created directories 0755 and owned by the copy's owner. */
async function mkdirs(t: CopyTarget, dir: string): Promise<string> {
  const parts = dir.split('/').filter(Boolean);
  let cur = '/';
  for (const part of parts) {
    cur = posix.join(cur, part);
    const host = await inRoot(t.root, cur);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) await rm(host, { force: true });
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    await lchown(host, t.owner?.uid ?? 0, t.owner?.gid ?? 0);
  }
  return inRoot(t.root, dir);
}

async function place(t: CopyTarget, src: string, st: Stats, dest: string): Promise<void> {
  const uid = t.owner?.uid ?? 0;
  const gid = t.owner?.gid ?? 0;
  const existing = await lstat(dest).catch(() => undefined);
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) await rm(dest, { force: true });
    if (!existing?.isDirectory()) await mkdir(dest);
    await lchown(dest, uid, gid);
    await chmod(dest, t.mode ?? st.mode & 0o7777);
    return;
  }
  if (existing) await rm(dest, { recursive: true, force: true });
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dest);
    await lchown(dest, uid, gid);
    await lutimes(dest, st.atime, st.mtime).catch(() => undefined);
    return;
  }
  if (st.isFile()) {
    await copyFile(src, dest, constants.COPYFILE_FICLONE);
    await lchown(dest, uid, gid);
    await chmod(dest, t.mode ?? st.mode & 0o7777);
    await utimes(dest, st.atime, st.mtime);
    return;
  }
  // Devices, FIFOs and sockets in a context are not copied (BuildKit skips sockets too).
}

/** Copies one matched source to the target (directory contents, or the entry itself). */
export async function copySource(
  tree: SourceTree,
  match: SourceMatch,
  t: CopyTarget,
  intoDir: boolean,
): Promise<void> {
  if (match.stat.isDirectory()) {
    const destDir = await mkdirs(t, t.dest);
    const entries = await walkTree(tree, match);
    const dirTimes: { path: string; st: Stats }[] = [];
    for (const e of entries) {
      const dest = posix.join(destDir, e.rel);
      await place(t, e.abs, e.stat, dest);
      if (e.stat.isDirectory()) dirTimes.push({ path: dest, st: e.stat });
    }
    // Directory times last: writing into a directory changes its mtime.
    for (const d of dirTimes.reverse()) await utimes(d.path, d.st.atime, d.st.mtime).catch(() => undefined);
    return;
  }
  const destPath = intoDir ? posix.join(t.dest, posix.basename(match.rel)) : t.dest;
  const parent = await mkdirs(t, posix.dirname(destPath));
  const hostDest = posix.join(parent, posix.basename(destPath));
  // The source path itself was followed: copy what it points to.
  await place(t, match.abs, match.stat, hostDest);
}

/** Writes inline content (a COPY heredoc) as a file. */
export async function writeContent(
  t: CopyTarget,
  name: string,
  data: string,
  intoDir: boolean,
): Promise<void> {
  const destPath = intoDir ? posix.join(t.dest, name) : t.dest;
  const parent = await mkdirs(t, posix.dirname(destPath));
  const host = posix.join(parent, posix.basename(destPath));
  await rm(host, { recursive: true, force: true });
  const fh = await open(host, 'w', 0o644);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
  await lchown(host, t.owner?.uid ?? 0, t.owner?.gid ?? 0);
  await chmod(host, t.mode ?? 0o644);
}

/** The compression of a local archive ADD unpacks, or undefined when the file is not one. */
export async function archiveKind(path: string): Promise<'tar' | 'gzip' | 'bzip2' | 'xz' | undefined> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(512);
  let n = 0;
  try {
    n = (await fh.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (n >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (n >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** ADD of a local archive: its entries are extracted under the destination directory. */
export async function unpackArchive(
  path: string,
  kind: 'tar' | 'gzip' | 'bzip2' | 'xz',
  t: CopyTarget,
): Promise<void> {
  const { extractInto } = await import('../container/tarfs.js');
  const dir = t.dest.endsWith('/') ? t.dest : `${t.dest}/`;
  await mkdirs(t, dir);
  const { resolveInRoot } = await import('../container/tarfs.js');
  const resolved = await resolveInRoot(t.root, dir);
  let input: NodeJS.ReadableStream = createReadStream(path);
  let child: import('node:child_process').ChildProcess | undefined;
  if (kind === 'gzip') input = input.pipe((await import('node:zlib')).createGunzip());
  if (kind === 'bzip2' || kind === 'xz') {
    const { spawn } = await import('node:child_process');
    child = spawn(kind === 'xz' ? 'xz' : 'bzip2', ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    input = child.stdout!;
  }
  await extractInto(input as import('node:stream').Readable, {
    root: t.root,
    dir: resolved,
    owner: t.owner ?? 'keep',
    noOverwriteDirNonDir: false,
  });
}

/** WORKDIR's `mkdir -p` inside the root (directories 0755, owned by the stage's USER when set). */
export async function mkdirIn(root: string, dir: string, owner?: Owner): Promise<void> {
  await mkdirs({ root, dest: dir, ...(owner ? { owner } : {}) }, dir);
}
