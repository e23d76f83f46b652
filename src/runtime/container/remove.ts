/** `rm`: everything a container owns goes — task, container record, snapshot, files, name. */
import type { ContainerdClient } from '../containerd/client.js';
import type { RuntimeContext } from '../context.js';
import { traceMark } from '../trace.js';
import { ConflictError, CorruptRecordError, NotFoundError } from '../errors.js';
import { rmNow, sameProcess } from '../state/files.js';
import { getTask, nameStore, type Found } from './store.js';
import { SIGKILL } from '../opts/signals.js';
import { finalizeExit, releaseNetwork } from './exit.js';
import { recordEvent } from '../events/record.js';
import { isAnonymous, readContainerMounts } from '../volumes/usage.js';
import type { MountPoint } from '../opts/mounts.js';

const ignoreNotFound = (err: unknown): void => {
  if (!(err instanceof NotFoundError)) throw err;
};

/**
 * A task that just stopped whose exit the monitor's hook has not recorded yet: the hook is about to
 * decide on a restart, and Docker would show the container running or restarting, never removable,
 * in that moment. Wait (briefly: a crashed hook must not block rm) for the record.
 */
async function awaitExitRecorded(client: ContainerdClient, found: Found): Promise<void> {
  for (let waited = 0; waited < 3000; waited += 100) {
    const s = found.files.readStateOrDead();
    if (s.status !== 'running' && s.status !== 'paused') return;
    const task = await getTask(client, found.id);
    if (task && task.status !== 'STOPPED') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function removeContainer(
  ctx: RuntimeContext,
  found: Found,
  opts: {
    force: boolean;
    /**
     * The caller has just recorded the exit, which deletes the task: no Tasks/Get. (A `start` of the
     * same container racing this removal could slip in between; the Get only narrows that window.)
     */
    taskDeleted?: boolean;
    /** `rm -v`, `--rm`: its anonymous volumes go too (named ones stay). */
    volumes?: boolean;
  },
): Promise<void> {
  const client = await ctx.client();
  if (!opts.force) await awaitExitRecorded(client, found);
  if (!opts.force && found.files.readStateOrDead().status === 'restarting') {
    throw new ConflictError(
      `Error response from daemon: You cannot remove a restarting container ${found.id}. ` +
        'Stop the container before attempting removal or force remove',
    );
  }
  const task = opts.taskDeleted ? undefined : await getTask(client, found.id);
  if (task && task.status !== 'STOPPED') {
    if (!opts.force) {
      throw new ConflictError(
        `Error response from daemon: cannot remove container "/${found.record.name}": container is running: ` +
          'stop the container before removing or force remove',
      );
    }
    const waited = client.tasks.wait(found.id).catch(() => undefined);
    await recordEvent(ctx, found.record, 'kill', { signal: String(SIGKILL) });
    await client.tasks.kill(found.id, SIGKILL, { all: true }).catch(ignoreNotFound);
    if (task.status === 'PAUSED') await client.tasks.resume(found.id).catch(() => undefined);
    await waited;
  }
  // Recording the exit deletes the task; under the container's lock, so the monitor's exit hook
  // doing the same right now neither fails this nor logs the die a second time.
  if (task) await finalizeExit(ctx, found);
  const state = found.files.readStateOrDead();
  // The monitor ends by itself at EOF; one left waiting on a task that never started is ours to end.
  // The exit hook runs in the monitor's process (exec), so there the monitor's pid is our own.
  let monitorEnding: number | undefined;
  if (
    state.monitorPid &&
    state.monitorPid !== process.pid &&
    sameProcess(state.monitorPid, state.monitorStart)
  ) {
    try {
      process.kill(state.monitorPid, 'SIGTERM');
      monitorEnding = state.monitorPid;
    } catch {
      /* already gone */
    }
  }
  // Whoever records an exit releases the network, under the container's lock: after the exit the
  // caller just recorded, there is nothing left to release (~2 ms of a bridge `run --rm`).
  if (!opts.taskDeleted) await releaseNetwork(ctx, found);
  // A shareable IPC tmpfs whose monitor has not unmounted it yet (it ends as the task does).
  if ((found.record.hostConfig as { IpcMode?: string }).IpcMode === 'shareable') {
    await import('./ipc.js').then((m) => m.unmountShm(found.files.dir));
  }
  // Read before the directory goes: what it mounted (a damaged record of it leaves its volumes to prune).
  let anonymous: MountPoint[] = [];
  try {
    if (opts.volumes) anonymous = readContainerMounts(found.files.dir).filter(isAnonymous);
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
  }
  // The monitor (or the exit hook it became) writes into the directory until it ends: let it end
  // first, so the directory is not refilled while it is removed. It ends soon after the task (a
  // hook finds the exit recorded); the bound is for a machine so loaded that it takes seconds.
  for (
    let waited = 0;
    monitorEnding !== undefined && sameProcess(monitorEnding, state.monitorStart) && waited < 20_000;
    waited += 20
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  // Independent: neither containerd nor the state directory needs the others gone first.
  await Promise.all([
    client.containers.delete(found.id).catch(ignoreNotFound),
    client.snapshots.remove(found.id).catch(ignoreNotFound),
    // The monitor, just told to end, may still write its exit marker into io/ (ENOTEMPTY): Node retries.
    rmNow(found.files.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }),
  ]);
  await Promise.all([
    recordEvent(ctx, found.record, 'destroy'),
    nameStore(ctx, client).release(found.record.name, found.id),
    anonymous.length > 0
      ? import('../volumes/remove.js').then((m) =>
          m.removeAnonymousVolumes(
            ctx,
            anonymous.map((v) => v.Name),
          ),
        )
      : undefined,
  ]);
  traceMark('removed');
}

/**
 * `--rm`: a transient failure (a lock held by the exit hook, containerd busy) gets a second try
 * instead of silently leaving the container behind; a lasting one is reported.
 */
export async function autoRemove(
  ctx: RuntimeContext,
  found: Found,
  opts: { taskDeleted?: boolean } = {},
): Promise<void> {
  try {
    await removeContainer(ctx, found, { force: true, taskDeleted: opts.taskDeleted, volumes: true });
  } catch {
    await new Promise((r) => setTimeout(r, 250));
    await removeContainer(ctx, found, { force: true, volumes: true }).catch((err: unknown) => {
      ctx.stdio.stderr.write(`Error response from daemon: removing ${found.id}: ${(err as Error).message}\n`);
    });
  }
}
