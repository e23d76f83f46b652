/**
 * Access to a container's root filesystem from the host, for cp and export. A running container's
 * root is the overlay mount its task uses (found in /proc/self/mountinfo by the snapshot's
 * upperdir: the shim mounts it in the host's mount namespace). A stopped container's snapshot is
 * mounted in a private temporary directory under the data root for the duration of the call and
 * unmounted after, whatever happens; mounts a killed tsdock left there are swept by the next call.
 */
// fs.promises is a getter: node:fs/promises loads when cp or export mounts, not for inspect's taskRootfs.
import { existsSync, mkdirSync, promises as fsp, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Mount } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { SystemError } from '../errors.js';
import { isMountPoint, mountOn, mountTable, unmount } from '../mounts.js';
import { pidAlive } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { mountOption } from './rootfs.js';
import { getTask, type Found } from './store.js';

/** The mount point of the running task's rootfs, if the task is up. */
export async function taskRootfs(mounts: Mount[]): Promise<string | undefined> {
  const m = mounts[0];
  if (!m) return undefined;
  const upper = m.type === 'overlay' ? mountOption(m, 'upperdir') : undefined;
  const table = mountTable();
  if (upper) {
    return table.find((t) => t.fstype === 'overlay' && t.superOpts.includes(`upperdir=${upper}`))?.point;
  }
  return undefined;
}

function mountDir(ctx: RuntimeContext): string {
  return join(ctx.globals.dataRoot, 'tmp', 'mnt');
}

/** Unmounts and removes temp mount dirs whose owning tsdock (pid in the name) is gone. */
async function sweepStale(base: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(base);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^(\d+)-/.exec(n)?.[1]);
    if (!pid || pidAlive(pid)) continue;
    const dir = join(base, n);
    if (isMountPoint(dir)) await unmount(dir);
    await fsp.rmdir(dir).catch(() => undefined);
  }
}

export async function mountSnapshot(mounts: Mount[], target: string): Promise<void> {
  const m = mounts[0];
  if (!m || mounts.length !== 1) throw new SystemError(`unsupported snapshot mounts`);
  const options = m.type === 'bind' ? [...m.options.filter((o) => o !== 'rbind'), 'bind'] : m.options;
  await mountOn(
    target,
    { type: m.type === 'bind' ? 'none' : m.type, source: m.source, options },
    "mounting the container's filesystem",
  );
}

// Build (its steps' roots, its exports) unmounts what it mounted with mountSnapshot.
export { unmount };

export interface RootAccess {
  /** Host path of the container's `/`. */
  root: string;
  running: boolean;
}

/** A mount of the container (a volume or bind), as cp must see it inside the container's root. */
export interface HostMount {
  destination: string;
  source: string;
  readOnly?: boolean;
}

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** Binds each mount at its destination, resolved inside `root` (symlinks there stay inside). */
async function bindMounts(root: string, mounts: HostMount[]): Promise<string[]> {
  // tarfs (and tar-stream with it) only for cp: inspect reaches this module for taskRootfs.
  const { hostPath, resolveInRoot } = await import('./tarfs.js');
  const done: string[] = [];
  try {
    for (const m of [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination))) {
      const target = hostPath(root, await resolveInRoot(root, m.destination));
      if (!existsSync(target)) {
        if (statSync(m.source).isDirectory()) mkdirSync(target, { recursive: true, mode: 0o755 });
        else {
          mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
          writeFileSync(target, '', { flag: 'a' });
        }
      }
      await mountOn(
        target,
        { type: 'none', source: m.source, options: ['rbind'] },
        `mounting ${m.destination}`,
      );
      done.push(target);
    }
  } catch (err) {
    for (const t of done.reverse()) await unmount(t);
    throw err;
  }
  return done;
}

/**
 * Runs fn with the container's root filesystem reachable on the host, with its volumes and binds
 * at their places when `mounts` are given (cp reaches them as Docker's does). A running container
 * with mounts is seen through its init's root (/proc/PID/root), where they already are. A stopped
 * container is held under its lock so a concurrent start cannot mount the same overlay upper dir
 * twice.
 */
export async function withContainerRoot<T>(
  ctx: RuntimeContext,
  found: Found,
  fn: (access: RootAccess) => Promise<T>,
  opts: { mounts?: HostMount[] } = {},
): Promise<T> {
  const client = await ctx.client();
  const mounts = await client.snapshots.mounts(found.container.snapshotKey || found.id);
  const task = await getTask(client, found.id);
  const withMounts = (opts.mounts?.length ?? 0) > 0;
  if (task && task.status !== 'STOPPED') {
    if (withMounts && task.pid > 0) return fn({ root: `/proc/${task.pid}/root`, running: true });
    const root = await taskRootfs(mounts);
    if (root) return fn({ root, running: true });
  }
  return withLock(found.files.dir, () =>
    inTempMount(
      ctx,
      (dir) => mountSnapshot(mounts, dir),
      async (dir) => {
        const bound = withMounts ? await bindMounts(dir, opts.mounts!) : [];
        try {
          return await fn({ root: dir, running: false });
        } finally {
          for (const t of bound.reverse()) await unmount(t);
        }
      },
    ),
  );
}

/**
 * Runs fn with the image's content under a container's snapshot readable at a host path: the
 * snapshot's lower layers (what the image has, without the container's own changes), one layer
 * as it is, several as a read-only overlay in a private temporary directory. undefined: no layer.
 */
export async function withImageView<T>(
  ctx: RuntimeContext,
  mounts: Mount[],
  fn: (root: string | undefined) => Promise<T>,
): Promise<T> {
  const m = mounts[0];
  const lower = m?.type === 'overlay' ? (mountOption(m, 'lowerdir')?.split(':') ?? []) : [];
  if (lower.length === 0) return fn(m?.type === 'bind' && m.options.includes('ro') ? m.source : undefined);
  if (lower.length === 1) return fn(lower[0]);
  return inTempMount(
    ctx,
    (dir) =>
      mountOn(
        dir,
        { type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${lower.join(':')}`] },
        "reading the image's content",
      ),
    fn,
  );
}

/**
 * fn with a private temporary directory under the data root, mounted by `mount`; unmounted and
 * removed after, whatever happens (one a killed tsdock left is swept by the next call).
 */
async function inTempMount<T>(
  ctx: RuntimeContext,
  mount: (dir: string) => Promise<void>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const base = mountDir(ctx);
  await fsp.mkdir(base, { recursive: true, mode: 0o700 });
  await sweepStale(base);
  const dir = await fsp.mkdtemp(join(base, `${process.pid}-`));
  try {
    await mount(dir);
    try {
      return await fn(dir);
    } finally {
      await unmount(dir);
    }
  } finally {
    await fsp.rmdir(dir).catch(() => undefined);
  }
}
