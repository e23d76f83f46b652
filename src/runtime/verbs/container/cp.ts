/**
 * `docker cp` both ways. What Docker splits between the CLI (local paths, PrepareArchiveCopy) and
 * the daemon (container paths, chroot-ed tar) happens here in one process, with the same rules and
 * messages: container paths are resolved inside the container's root (tarfs.ts), the archive is
 * streamed from one side straight into the other, and `-` reads or writes the tar itself.
 */
import { type Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, posix, resolve } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, RequestError, TsdockError, UsageError } from '../../errors.js';
import { humanSize } from '../../format/units.js';
import {
  CopyRuleError,
  CP_ERRORS,
  assertsDirectory,
  containerAbs,
  planCopy,
  preserveTrailing,
  splitCpArg,
  splitPathDirEntry,
  type CopyInfo,
} from '../../container/cp-rules.js';
import { resolveUser } from '../../container/rootfs.js';
import { withContainerRoot, type HostMount } from '../../container/rootfs-mount.js';
import { readContainerMounts } from '../../volumes/usage.js';
import type { MountPoint } from '../../opts/mounts.js';
import { findContainer, type Found } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import {
  BrokenPipeError,
  extractInto,
  goFsMessage,
  lstatInRoot,
  packTree,
  resolveInRoot,
} from '../../container/tarfs.js';

export interface CopyOptions {
  source: string;
  destination: string;
  followLink: boolean;
  /** -a: files copied in are owned by the container's configured user. */
  archive: boolean;
  /** -q given; undefined: quiet unless stdout is a terminal (docker/cli). */
  quiet?: boolean;
}

const isTTY = (s: unknown): boolean => (s as { isTTY?: boolean }).isTTY === true;

function daemonError(message: string): RequestError {
  return new RequestError(`Error response from daemon: ${message}`);
}

function asCopyError(err: unknown, wrap?: (m: string) => string, root = '/'): unknown {
  if (err instanceof CopyRuleError) return new RequestError(wrap ? wrap(err.message) : err.message);
  if (!(err instanceof TsdockError)) {
    const m = goFsMessage(err, root);
    return new RequestError(wrap ? wrap(m) : m, { cause: err });
  }
  return err;
}

const tarError = (m: string) => `Error response from daemon: Error processing tar file(exit status 1): ${m}`;

export async function copyCommand(ctx: RuntimeContext, opts: CopyOptions): Promise<void> {
  if (opts.source === '') throw new RequestError('source can not be empty');
  if (opts.destination === '') throw new RequestError('destination can not be empty');
  const src = splitCpArg(opts.source);
  const dst = splitCpArg(opts.destination);
  const quiet = opts.quiet ?? !isTTY(ctx.stdio.stdout);
  if (src.container !== undefined && dst.container !== undefined) {
    throw new RequestError('copying between containers is not supported');
  }
  if (src.container !== undefined) {
    await copyFromContainer(ctx, src.container, src.path, dst.path, { ...opts, quiet });
  } else if (dst.container !== undefined) {
    await copyToContainer(ctx, dst.container, src.path, dst.path, { ...opts, quiet });
  } else {
    throw new RequestError('must specify at least one container source');
  }
}

/** filepath.Abs keeping the `/` or `/.` the user typed. */
function localAbs(p: string): string {
  return preserveTrailing(resolve(p), p);
}

function fileModeError(st: Stats): string | undefined {
  if (st.isDirectory() || st.isFile()) return undefined;
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'got a device';
  if (st.isFIFO()) return 'got a named pipe';
  if (st.isSocket()) return 'got a socket';
  return 'got an irregular file';
}

/** docker/cli's ValidateOutputPath: the parent must exist, an existing target must be a dir or file. */
async function validateOutputPath(path: string): Promise<void> {
  const dir = dirname(path.replace(/\/\.?$/, '') || '/');
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not dir');
  } catch {
    throw new RequestError(`invalid output path: directory "${dir}" does not exist`);
  }
  try {
    const why = fileModeError(await stat(path));
    if (why)
      throw new RequestError(`invalid output path: "${path}" must be a directory or a regular file: ${why}`);
  } catch (err) {
    if (err instanceof RequestError) throw err;
  }
}

/** archive.CopyInfoDestinationPath for a local path: symlinks followed, absence allowed. */
async function localDestInfo(path: string): Promise<CopyInfo> {
  try {
    const st = await stat(path);
    return { path, exists: true, isDir: st.isDirectory() };
  } catch {
    return { path, exists: false, isDir: false };
  }
}

function summary(ctx: RuntimeContext, quiet: boolean, size: number, to: string): void {
  if (!quiet) ctx.stdio.stderr.write(`Successfully copied ${humanSize(size)} to ${to}\n`);
}

async function copyFromContainer(
  ctx: RuntimeContext,
  ref: string,
  srcPath: string,
  dstPath: string,
  opts: CopyOptions & { quiet: boolean },
): Promise<void> {
  const found = await findContainer(ctx, ref);
  if (srcPath === '') throw daemonError('bad parameter: pathcannot be empty');
  const dstAbs = dstPath === '-' ? '-' : localAbs(dstPath);
  if (dstAbs !== '-') await validateOutputPath(dstAbs);
  const abs = containerAbs(srcPath);
  const points = readContainerMounts(found.files.dir);
  await withContainerRoot(
    ctx,
    found,
    async (access) => {
      let root = access.root;
      const { dir, base } = splitPathDirEntry(abs);
      const parent = await resolveInRoot(root, dir);
      let inRoot = base === '.' || base === '/' ? parent : posix.join(parent, base);
      const shown =
        posix
          .normalize(abs)
          .replace(/(.)\/+$/, '$1')
          .replace(/\/\.$/, '') || '/';
      const notFound = () =>
        new NotFoundError(`Error response from daemon: Could not find the file ${shown} in container ${ref}`);
      let st: Stats;
      try {
        st = await lstatInRoot(root, inRoot);
      } catch {
        throw notFound();
      }
      if (opts.followLink && st.isSymbolicLink()) {
        inRoot = await resolveInRoot(root, inRoot, true);
        try {
          st = await lstatInRoot(root, inRoot);
        } catch {
          throw notFound();
        }
      }
      if (assertsDirectory(abs) && !st.isDirectory()) throw daemonError(`lstat ${shown}/: not a directory`);
      const name = base === '/' ? '.' : base;
      // /etc/hosts, /etc/resolv.conf, /etc/hostname are files bind-mounted over the rootfs: the
      // container sees the mounted file, so cp reads that (its source is tsdock's own file).
      const bound = boundFileSource(found, inRoot);
      if (bound) {
        root = '/';
        inRoot = bound;
      }
      if (dstAbs === '-') {
        await packTree({ root, path: inRoot, name }, ctx.stdio.stdout as Writable).catch((err: unknown) => {
          throw err instanceof BrokenPipeError ? new RequestError(err.message) : err;
        });
        return;
      }
      let plan;
      try {
        plan = planCopy({ path: abs, exists: true, isDir: st.isDirectory() }, await localDestInfo(dstAbs));
      } catch (err) {
        throw asCopyError(err);
      }
      const pipe = new PassThrough();
      const packing = packTree({ root, path: inRoot, name }, pipe);
      try {
        await extractInto(pipe, {
          root: '/',
          dir: await realpath(plan.dir),
          rebase: plan.rebase,
          owner: 'none',
          noOverwriteDirNonDir: true,
        });
      } catch (err) {
        pipe.destroy();
        await packing.catch(() => undefined);
        throw asCopyError(err);
      }
      summary(ctx, opts.quiet, await packing, dstAbs);
    },
    { mounts: hostMounts(points) },
  );
  await recordEvent(ctx, found.record, 'archive-path');
}

/** The container's volumes and binds as cp reaches them (tmpfs mounts are the running task's own). */
function hostMounts(points: MountPoint[]): HostMount[] {
  return points
    .filter((m) => m.Type !== 'tmpfs')
    .map((m) => ({ destination: m.Destination, source: m.Source, readOnly: !m.RW }));
}

/**
 * moby's checkWritablePath: an extraction under a read-only mount, or into a read-only root outside
 * any mount, is refused before anything is written.
 */
function checkWritablePath(points: MountPoint[], inRoot: string, readOnlyRootfs: boolean): void {
  const under = points
    .filter((m) => inRoot === m.Destination || inRoot.startsWith(`${m.Destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  if (under) {
    if (!under.RW) throw daemonError('mounted volume is marked read-only');
    return;
  }
  if (readOnlyRootfs) throw daemonError('container rootfs is marked read-only');
}

/** The host file bind-mounted at this in-container path (the /etc files tsdock writes), if any. */
function boundFileSource(found: Found, inRoot: string): string | undefined {
  const mounts = (
    found.container.spec as { mounts?: { destination: string; type?: string; source?: string }[] }
  )?.mounts;
  const m = mounts?.find((x) => x.type === 'bind' && x.destination === inRoot);
  if (!m?.source || !m.source.startsWith(`${found.files.dir}/`)) return undefined;
  return m.source;
}

async function containerDestInfo(root: string, abs: string, shownRef: string): Promise<CopyInfo> {
  const { dir, base } = splitPathDirEntry(abs);
  const parent = await resolveInRoot(root, dir);
  const inRoot = base === '.' || base === '/' ? parent : posix.join(parent, base);
  let st: Stats;
  try {
    st = await lstatInRoot(root, inRoot);
  } catch {
    return { path: abs, exists: false, isDir: false };
  }
  let path = abs;
  if (st.isSymbolicLink()) {
    // docker/cli follows a destination symlink (inside the container) and copies to its target.
    path = await resolveInRoot(root, inRoot, true);
    try {
      st = await lstatInRoot(root, path);
    } catch {
      return { path, exists: false, isDir: false };
    }
  }
  const why = fileModeError(st);
  if (why) throw new RequestError(`destination "${shownRef}" must be a directory or a regular file: ${why}`);
  return { path, exists: true, isDir: st.isDirectory() };
}

/** archive.CopyInfoSourcePath for the local source (with -L, a symlink is replaced by its target). */
async function localSourceInfo(
  path: string,
  followLink: boolean,
): Promise<{ info: CopyInfo; resolved: string }> {
  let st: Stats;
  try {
    st = await lstat(path.replace(/\/\.$/, '/'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new RequestError(CP_ERRORS.notDirectory);
    throw new RequestError(`lstat ${path}: no such file or directory`);
  }
  let resolved = path;
  let rebaseName: string | undefined;
  if (followLink && st.isSymbolicLink()) {
    resolved = await realpath(path);
    st = await stat(resolved);
    rebaseName = basename(path);
  }
  if (assertsDirectory(path) && !st.isDirectory()) throw new RequestError(CP_ERRORS.notDirectory);
  return { info: { path, exists: true, isDir: st.isDirectory(), rebaseName }, resolved };
}

async function ownerFor(
  ctx: RuntimeContext,
  found: Found,
  archive: boolean,
): Promise<'keep' | { uid: number; gid: number }> {
  const user = (found.record.config as { User?: string }).User ?? '';
  if (!archive || !user) return 'keep';
  const client = await ctx.client();
  const mounts = await client.snapshots.mounts(found.container.snapshotKey || found.id);
  const u = await resolveUser(mounts, user);
  return { uid: u.uid, gid: u.gid };
}

async function copyToContainer(
  ctx: RuntimeContext,
  ref: string,
  srcPath: string,
  dstPath: string,
  opts: CopyOptions & { quiet: boolean },
): Promise<void> {
  const srcAbs = srcPath === '-' ? '-' : localAbs(srcPath);
  // The local source is checked before the container is looked up, as docker/cli stats it first.
  const local = srcAbs === '-' ? undefined : await localSourceInfo(srcAbs, opts.followLink);
  const found = await findContainer(ctx, ref);
  const owner = await ownerFor(ctx, found, opts.archive);
  const abs = containerAbs(dstPath);
  const points = readContainerMounts(found.files.dir);
  await withContainerRoot(
    ctx,
    found,
    async ({ root }) => {
      const dstInfo = await containerDestInfo(root, abs, `${ref}:${dstPath}`);
      let input: Readable;
      let extractDir: string;
      let rebase;
      let packing: Promise<number> | undefined;
      if (!local) {
        if (!dstInfo.isDir) throw new RequestError(`destination "${ref}:${dstPath}" must be a directory`);
        input = ctx.stdio.stdin as Readable;
        extractDir = dstInfo.path;
      } else {
        let plan;
        try {
          plan = planCopy(local.info, dstInfo);
        } catch (err) {
          throw asCopyError(err);
        }
        extractDir = plan.dir;
        rebase = plan.rebase;
        const { base } = splitPathDirEntry(local.info.path);
        const pipe = new PassThrough();
        input = pipe;
        packing = packTree({ root: '/', path: local.resolved, name: local.info.rebaseName ?? base }, pipe);
        packing.catch(() => undefined);
      }
      // The daemon's side: the extraction point must exist inside the container and be a directory.
      const dir = await resolveInRoot(root, extractDir);
      let st: Stats;
      try {
        st = await lstatInRoot(root, dir);
      } catch {
        (input as PassThrough).destroy?.();
        throw new NotFoundError(
          `Error response from daemon: Could not find the file ${extractDir} in container ${ref}`,
        );
      }
      if (!st.isDirectory()) throw daemonError('extraction point is not a directory');
      checkWritablePath(points, dir, found.record.hostConfig.ReadonlyRootfs === true);
      let counted = 0;
      if (!local) input.on('data', (b: Buffer) => (counted += b.length));
      try {
        await extractInto(input, { root, dir, rebase, owner, noOverwriteDirNonDir: true });
      } catch (err) {
        if (input instanceof PassThrough) input.destroy();
        if (packing) await packing.catch(() => undefined);
        if (err instanceof UsageError || err instanceof RequestError) throw err;
        throw asCopyError(err, tarError, root);
      }
      summary(ctx, opts.quiet, packing ? await packing : counted, `${ref}:${dstInfo.path}`);
    },
    { mounts: hostMounts(points) },
  );
  await recordEvent(ctx, found.record, 'extract-to-dir');
}
