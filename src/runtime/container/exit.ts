/**
 * Recording a container's exit. Whoever sees the task stopped first does it — the monitor's exit
 * hook (so it happens even when no tsdock client is around), `stop`, or a foreground `run` — under
 * the container's lock, so it happens once: the task is deleted (freeing the shim), the exit status
 * and time land in state.json, and what the running container held is released.
 */
import { nowRfc3339Nano, rfc3339NanoOf } from '../state/clock.js';
import type { Exited } from '../containerd/client.js';
import type { RuntimeContext } from '../context.js';
import type { Process } from '../containerd/types.js';
import { wasOomKilled } from '../cgroups/oom.js';
import { NotFoundError } from '../errors.js';
import { withLock } from '../state/lock.js';
import { cgroupPathOf, type ContainerRunState } from '../state/records.js';
import { getTask, type Found } from './store.js';
import { traceMark } from '../trace.js';
import { recordEvent } from '../events/record.js';

/**
 * `onRecorded` runs under the same lock when this call is the one recording the exit, before the
 * state is written: the exit hook decides on a restart there, so no one sees the container exited
 * (and removable) in between.
 */
export async function finalizeExit(
  ctx: RuntimeContext,
  found: Found,
  opts: {
    onRecorded?: (state: ContainerRunState) => void;
    /**
     * The caller's Tasks/Wait on the task it started (pid) has returned. If the state still shows
     * that run, no one recorded its exit, so the task is still there, stopped: no Tasks/Get.
     */
    waited?: Exited & { pid: number };
  } = {},
): Promise<ContainerRunState> {
  const client = await ctx.client();
  return withLock(
    found.files.dir,
    async () => {
      // A damaged state.json does not stop the exit from being recorded (over it).
      const state = found.files.readStateOrDead();
      // Every path that deletes a task records the exit (pid 0) under this lock, and a new task cannot
      // exist before the old one is deleted: a state still on the waited pid means that task, stopped.
      const w = opts.waited;
      const task: Pick<Process, 'status' | 'exitStatus' | 'exitedAtNanos'> | undefined =
        w && w.pid > 0 && state.pid === w.pid && state.status === 'running'
          ? { status: 'STOPPED', exitStatus: w.exitStatus, exitedAtNanos: w.exitedAtNanos }
          : await getTask(client, found.id);
      if (task && task.status !== 'STOPPED') return state;
      // Only an exit recorded here releases the network: a late exit hook of the previous run must not
      // undo what a new start (restart, restart policy) is setting up before its task exists.
      let ended = false;
      let released: Promise<unknown> | undefined;
      /** Set when this call is the one that turns the run into an exit: its die event is ours to log. */
      let died = false;
      if (task) {
        ended = true;
        let exitStatus = task.exitStatus;
        let exitedAt = task.exitedAtNanos;
        // Before the delete: runc removes the cgroup, and its OOM counter with it.
        const oomKilled = wasOomKilled(cgroupPathOf(found.record));
        // The process is gone and the namespace is ours (a path runc never deletes): its veth, rules
        // and address go while containerd deletes the task, not after (~30 ms less for a --rm run).
        released = releaseNetwork(ctx, found);
        released.catch(() => undefined);
        try {
          const deleted = await client.tasks.delete(found.id);
          exitStatus = deleted.exitStatus;
          exitedAt = deleted.exitedAtNanos ?? exitedAt;
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
        if (state.status === 'running' || state.status === 'paused' || state.status === 'restarting') {
          died = true;
          state.status = 'exited';
          state.exitCode = exitStatus;
          state.finishedAt = exitedAt ? rfc3339NanoOf(exitedAt) : nowRfc3339Nano();
          state.oomKilled = oomKilled;
        }
      } else if (state.status === 'running' || state.status === 'paused' || state.status === 'restarting') {
        // Task vanished without a recorded exit (containerd restarted, shim killed): Docker shows 255.
        ended = true;
        died = true;
        state.status = 'exited';
        state.exitCode = state.exitCode || 255;
        state.finishedAt = nowRfc3339Nano();
      }
      state.pid = 0;
      const { exitCode, oomKilled } = state;
      if (ended) opts.onRecorded?.(state);
      await found.files.writeState(state);
      // Still under the lock, so a stop or restart waiting for it logs its own events after these.
      if (died) {
        if (oomKilled) await recordEvent(ctx, found.record, 'oom');
        await recordEvent(ctx, found.record, 'die', { exitCode: String(exitCode) });
      }
      // Docker frees published ports and the address when the container stops, not at rm.
      if (ended) await (released ?? releaseNetwork(ctx, found));
      traceMark('exit recorded');
      return state;
    },
    { create: false },
  ).catch((err: unknown) => {
    // Removed (by a concurrent rm) while the exit was being recorded: nothing left to record it in.
    if (err instanceof NotFoundError) throw new NotFoundError(`Error: No such container: ${found.id}`);
    throw err;
  });
}

/** Releases the container's network (nothing to do without a namespace of its own). */
export async function releaseNetwork(
  ctx: RuntimeContext,
  found: Pick<Found, 'id' | 'record'>,
): Promise<void> {
  if (!found.record.netns) return;
  const { teardownEndpoint } = await import('../network/endpoint.js');
  await teardownEndpoint(ctx, found.id);
  // A namespace its monitor made for a start that never got its endpoint (a killed `run`).
  const { deleteNetns } = await import('../network/links.js');
  await deleteNetns(found.record.netns);
  traceMark('network released');
}
