/**
 * Access to a container's root filesystem from the host, for cp and export. A running container's
 * root is the overlay mount its task uses (found in /proc/self/mountinfo by the snapshot's
 * upperdir: the shim mounts it in the host's mount namespace). A stopped container's snapshot is
 * mounted in a private temporary directory under the data root for the duration of the call and
 * unmounted after, whatever happens; mounts a killed tsdock left there are swept by the next call.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Mount } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { SystemError } from '../errors.js';
import { pidAlive } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { mountOption } from './rootfs.js';
import { getTask, type Found } from './store.js';

const run = promisify(execFile);

/** Mount points (unescaped) and their superblock options, from /proc/self/mountinfo. */
async function mountTable(): Promise<{ point: string; fstype: string; superOpts: string[] }[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre = '', post = ''] = line.split(' - ');
      const f = pre.split(' ');
      const g = post.split(' ');
      return { point: unescape(f[4] ?? ''), fstype: g[0] ?? '', superOpts: (g[2] ?? '').split(',') };
    });
}

/** The mount point of the running task's rootfs, if the task is up. */
export async function taskRootfs(mounts: Mount[]): Promise<string | undefined> {
  const m = mounts[0];
  if (!m) return undefined;
  const upper = m.type === 'overlay' ? mountOption(m, 'upperdir') : undefined;
  const table = await mountTable();
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
    names = await readdir(base);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^(\d+)-/.exec(n)?.[1]);
    if (!pid || pidAlive(pid)) continue;
    const dir = join(base, n);
    await run('umount', [dir]).catch(() => undefined);
    await rmdir(dir).catch(() => undefined);
  }
}

export async function mountSnapshot(mounts: Mount[], target: string): Promise<void> {
  const m = mounts[0];
  if (!m || mounts.length !== 1) throw new SystemError(`unsupported snapshot mounts`);
  const options = m.type === 'bind' ? [...m.options.filter((o) => o !== 'rbind'), 'bind'] : m.options;
  try {
    await run('mount', [
      '-t',
      m.type === 'bind' ? 'none' : m.type,
      '-o',
      options.join(','),
      m.source,
      target,
    ]);
  } catch (err) {
    throw new SystemError(
      `mounting the container's filesystem: ${(err as { stderr?: string }).stderr ?? err}`,
      {
        cause: err,
      },
    );
  }
}

export async function unmount(target: string): Promise<void> {
  try {
    await run('umount', [target]);
  } catch {
    // Busy (a reader still open): detach it now, the kernel finishes when the last user goes.
    await run('umount', ['-l', target]).catch(() => undefined);
  }
}

export interface RootAccess {
  /** Host path of the container's `/`. */
  root: string;
  running: boolean;
}

/**
 * Runs fn with the container's root filesystem reachable on the host. A stopped container is
 * held under its lock so a concurrent start cannot mount the same overlay upper dir twice.
 */
export async function withContainerRoot<T>(
  ctx: RuntimeContext,
  found: Found,
  fn: (access: RootAccess) => Promise<T>,
): Promise<T> {
  const client = await ctx.client();
  const mounts = await client.snapshots.mounts(found.container.snapshotKey || found.id);
  const task = await getTask(client, found.id);
  if (task && task.status !== 'STOPPED') {
    const root = await taskRootfs(mounts);
    if (root) return fn({ root, running: true });
  }
  const base = mountDir(ctx);
  await mkdir(base, { recursive: true, mode: 0o700 });
  await sweepStale(base);
  return withLock(found.files.dir, async () => {
    const dir = await mkdtemp(join(base, `${process.pid}-`));
    try {
      await mountSnapshot(mounts, dir);
      try {
        return await fn({ root: dir, running: false });
      } finally {
        await unmount(dir);
      }
    } finally {
      await rmdir(dir).catch(() => undefined);
    }
  });
}
