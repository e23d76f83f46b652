/**
 * `stop`, `kill` and `rm` of another client's container, through containerd alone: its task gets
 * the signal, its container and snapshot are deleted. Docker's messages and rules (a running
 * container is removed only with -f) apply as to tsdock's own.
 */
import type { RuntimeContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { recordEvent } from '../events/record.js';
import { parseSignal, SIGKILL } from '../opts/signals.js';
import { foreignRecord, kubeletPod, type Foreign } from './foreign.js';
import { signalThenKill, type StopOptions } from './stop.js';
import { getTask } from './store.js';

const ignoreNotFound = (err: unknown): void => {
  if (!(err instanceof NotFoundError)) throw err;
};

const live = (status: string | undefined) =>
  status === 'RUNNING' || status === 'PAUSED' || status === 'PAUSING';

/**
 * The stop signal (the image's STOPSIGNAL, as containerd's client labels it, else SIGTERM), the
 * timeout, then SIGKILL. The stopped task stays, as another client left it: its exit status is
 * what ps shows until the container is removed or started by its client.
 */
export async function stopForeign(ctx: RuntimeContext, f: Foreign, opts: StopOptions): Promise<void> {
  const client = await ctx.client();
  const task = await getTask(client, f.id);
  if (!live(task?.status)) return;
  const subject = foreignRecord(f);
  const signal = parseSignal(opts.signal ?? subject.stopSignal);
  const timeout = opts.timeout ?? subject.stopTimeout;
  const waited = client.tasks.wait(f.id).catch(ignoreNotFound);
  await signalThenKill(ctx, f.id, subject, { frozen: task!.status !== 'RUNNING', signal, timeout, waited });
  const exited = await waited;
  if (exited) await recordEvent(ctx, subject, 'die', { exitCode: String(exited.exitStatus) });
  await recordEvent(ctx, subject, 'stop');
}

export async function killForeign(ctx: RuntimeContext, f: Foreign, opts: { signal?: string }): Promise<void> {
  const client = await ctx.client();
  const signal = parseSignal(opts.signal ?? 'KILL');
  const task = await getTask(client, f.id);
  if (!live(task?.status)) {
    throw new ConflictError(
      `Error response from daemon: cannot kill container: ${f.name}: container ${f.id} is not running`,
    );
  }
  await recordEvent(ctx, foreignRecord(f), 'kill', { signal: String(signal) });
  await client.tasks.kill(f.id, signal, { all: signal === SIGKILL });
  if (task!.status !== 'RUNNING' && signal === SIGKILL)
    await client.tasks.resume(f.id).catch(() => undefined);
}

/**
 * The task (ended first with -f, refused without it while it runs), the container, its snapshot.
 * A kubelet's container (a pod's sandbox or one of its containers) is removed only with -f, running
 * or not: the kubelet owns it and would otherwise find its pod broken.
 */
export async function removeForeign(
  ctx: RuntimeContext,
  f: Foreign,
  opts: { force: boolean },
): Promise<void> {
  const pod = kubeletPod(f.container.labels);
  if (pod && !opts.force) {
    throw new ConflictError(
      `Error response from daemon: cannot remove container "${f.name}": it belongs to pod ` +
        `${pod.namespace}/${pod.pod}, managed by a kubelet: delete the pod through Kubernetes, or force remove`,
    );
  }
  const client = await ctx.client();
  const task = await getTask(client, f.id);
  const subject = foreignRecord(f);
  if (task && live(task.status)) {
    if (!opts.force) {
      throw new ConflictError(
        `Error response from daemon: cannot remove container "/${f.name}": container is running: ` +
          'stop the container before removing or force remove',
      );
    }
    const waited = client.tasks.wait(f.id).catch(() => undefined);
    await recordEvent(ctx, subject, 'kill', { signal: String(SIGKILL) });
    await client.tasks.kill(f.id, SIGKILL, { all: true }).catch(ignoreNotFound);
    if (task.status !== 'RUNNING') await client.tasks.resume(f.id).catch(() => undefined);
    await waited;
  }
  if (task) await client.tasks.delete(f.id).catch(ignoreNotFound);
  await client.containers.delete(f.id).catch(ignoreNotFound);
  const { snapshotKey, snapshotter } = f.container;
  if (snapshotKey)
    await client.snapshots.remove(snapshotKey, snapshotter || undefined).catch(() => undefined);
  await recordEvent(ctx, subject, 'destroy');
}
