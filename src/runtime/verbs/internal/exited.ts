/**
 * `tsdock internal exited ID`: the exit hook tsdock-mon runs when a container's output ends (see
 * container/restart-policy.ts). It records the exit, then applies --rm or the restart policy;
 * while containerd is unreachable (restarting) it waits for it, so an `always` container comes
 * back after a containerd restart.
 */
import { access } from 'node:fs/promises';
import type { RuntimeContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { finalizeExit } from '../../container/exit.js';
import { autoRemove } from '../../container/remove.js';
import {
  applyRestartPolicy,
  decideInPlace,
  policyOf,
  type Decision,
} from '../../container/restart-policy.js';
import {
  findContainer,
  ForeignContainerError,
  getTask,
  statePaths,
  type Found,
} from '../../container/store.js';
import { forgetGone } from '../../container/gone.js';

/** How long an exit hook waits for an unreachable containerd before giving up. */
const CONTAINERD_WAIT_MS = 10 * 60_000;
/** How long after its output ended a container's task may still show as running. */
const EXIT_SEEN_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** findContainer, waiting while containerd is unreachable (it is restarting) and the container's files exist. */
async function findWaiting(ctx: RuntimeContext, id: string): Promise<Found | undefined> {
  const dir = statePaths(ctx).container(id);
  const end = Date.now() + CONTAINERD_WAIT_MS;
  for (;;) {
    try {
      return await findContainer(ctx, id);
    } catch (err) {
      // Removed meanwhile, or its record is (a removal is under way).
      if (err instanceof NotFoundError || err instanceof ForeignContainerError) return undefined;
      try {
        await access(dir);
      } catch {
        return undefined; // removed (or the data root is gone): nothing left to restart
      }
      if (Date.now() > end) throw err;
      await sleep(1000);
    }
  }
}

/** `tsdock internal exited ID`: record the exit, then --rm or the restart policy. */
export async function onContainerExited(ctx: RuntimeContext, id: string): Promise<void> {
  const found = await findWaiting(ctx, id);
  if (!found) {
    // Deleted by another client (`ctr task rm`, `ctr c rm`) rather than by tsdock: what the
    // container held is released now, not at the next listing.
    await forgetGone(ctx, id);
    return;
  }
  // The output ends as the process exits, but containerd may learn of the exit later: the shim
  // reaps it first, and containerd 1.6's shim shows the task UNKNOWN for up to half a minute when
  // a probe's exec raced the exit. Found not stopped, the exit would be recorded by no one. A
  // process that closed its output and goes on is not waited for beyond that (no resident hook per
  // container), nor is a task never started (rm ends such a monitor and removes the container).
  const client = await ctx.client();
  const task = await getTask(client, id);
  if (task && task.status !== 'STOPPED' && task.status !== 'CREATED')
    await client.tasks.wait(id, '', EXIT_SEEN_WAIT_MS).catch(() => undefined);
  const policy = policyOf((await found.files.readRecord()) ?? found.record);
  let decided: Decision | undefined;
  let recorded = false;
  let state;
  try {
    state = await finalizeExit(ctx, found, {
      onRecorded: (s) => {
        recorded = true;
        if (!found.record.autoRemove && policy.name !== 'no') decided = decideInPlace(policy, s);
      },
    });
  } catch (err) {
    if (err instanceof NotFoundError) return; // rm'd meanwhile: it recorded the exit itself
    throw err;
  }
  if (found.record.autoRemove && state.status === 'exited') {
    await autoRemove(ctx, found);
    return;
  }
  // Recorded by someone else (a foreground run, stop): decide now, as before.
  if (recorded) await applyRestartPolicy(ctx, found, decided ?? null);
  else await applyRestartPolicy(ctx, found);
}
