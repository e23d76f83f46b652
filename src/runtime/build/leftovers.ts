/**
 * What a build may leave if its process dies (SIGKILL, a crash): RUN containers with their tasks,
 * their network endpoints and step directories, mounts of step snapshots. Snapshots and blobs are
 * held by the build's expiring lease and go with containerd's GC; these need removing. A small
 * reaper process, started with the first RUN, does it as soon as the build's process is gone (it
 * learns so from its stdin closing without the "done" word); every build and `builder prune` also
 * sweep what dead builds left, in case the reaper was killed too.
 */
import { spawn } from 'node:child_process';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerdClient } from '../containerd/client.js';
import type { RuntimeContext } from '../context.js';
import { pidAlive } from '../state/files.js';
import { internalCommand } from '../container/start.js';
import { BUILD_PID_LABEL } from './run-step.js';

/** Removes the RUN containers (and what goes with them) of builds whose process is gone, or of `pid`. */
export async function sweepBuildLeftovers(
  ctx: RuntimeContext,
  client: ContainerdClient,
  pid?: number,
): Promise<void> {
  const containers = await client.containers.list([`labels."${BUILD_PID_LABEL}"`]);
  for (const c of containers) {
    const owner = Number(c.labels?.[BUILD_PID_LABEL]);
    if (pid !== undefined ? owner !== pid : pidAlive(owner)) continue;
    await client.tasks.kill(c.id, 9).catch(() => undefined);
    await client.tasks.delete(c.id).catch(() => undefined);
    await client.containers.delete(c.id).catch(() => undefined);
    await import('../network/endpoint.js').then((m) => m.teardownEndpoint(ctx, c.id)).catch(() => undefined);
    await rm(join(ctx.globals.dataRoot, 'tmp', 'build', c.id), { recursive: true, force: true });
  }
  // Step snapshots mounted for COPY/WORKDIR by a process that is gone.
  const base = join(ctx.globals.dataRoot, 'tmp', 'mnt');
  const names = await readdir(base).catch(() => [] as string[]);
  for (const n of names) {
    const owner = Number(/^(\d+)-/.exec(n)?.[1]);
    if (!owner || (pid !== undefined ? owner !== pid : pidAlive(owner))) continue;
    const { unmount } = await import('../container/rootfs-mount.js');
    await unmount(join(base, n)).catch(() => undefined);
    await rmdir(join(base, n)).catch(() => rm(join(base, n), { recursive: true, force: true }));
  }
}

export interface Reaper {
  /** The build ended by itself: the reaper exits without doing anything. */
  stop(): void;
}

/** Starts `tsdock internal build-reap PID`, which sweeps after this process if it dies. */
export function startReaper(ctx: RuntimeContext): Reaper {
  const [node, ...argv] = internalCommand(ctx, 'build-reap', String(process.pid));
  const child = spawn(node!, argv, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    stop: () => {
      child.stdin!.end('done\n');
    },
  };
}

/** The reaper's side: wait for the build's end, sweep if it did not say "done". */
export async function reap(ctx: RuntimeContext, pid: number, input: NodeJS.ReadableStream): Promise<void> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  if (text.includes('done')) return;
  await sweepBuildLeftovers(ctx, await ctx.client(), pid);
  const client = await ctx.client();
  const leases = await client.leases.list();
  for (const l of leases) {
    if (l.labels?.['tsdock/pid'] === String(pid))
      await client.leases.delete(l.id, false).catch(() => undefined);
  }
}
