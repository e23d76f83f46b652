/**
 * Stopping a container's task: its stop signal, Docker's timeout, then SIGKILL; the exit is recorded
 * before it returns. Used by `stop` and `restart`.
 */
import type { RuntimeContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { finalizeExit } from './exit.js';
import { withLock } from '../state/lock.js';
import { parseSignal, SIGKILL } from '../opts/signals.js';
import { getTask, type Found } from './store.js';
import { recordEvent } from '../events/record.js';

export interface StopOptions {
  /** Seconds before SIGKILL; the container's own (--stop-timeout, default 10) when unset. */
  timeout?: number;
  /** The container's --stop-signal (default SIGTERM) when unset. */
  signal?: string;
}

/**
 * Docker's stop sequence for a task, tsdock's or another client's: the stop signal, up to `timeout`
 * seconds for `waited` to settle, then SIGKILL. A frozen process cannot act on its signal: it gets
 * SIGKILL at once and is thawed.
 */
export async function signalThenKill(
  ctx: RuntimeContext,
  id: string,
  subject: Parameters<typeof recordEvent>[1],
  o: { frozen: boolean; signal: number; timeout: number; waited: Promise<unknown> },
): Promise<void> {
  const client = await ctx.client();
  const kill = async (signal: number) => {
    await recordEvent(ctx, subject, 'kill', { signal: String(signal) });
    if (signal === SIGKILL) {
      // The last word: whatever it meets (a process already gone), the wait below tells the outcome.
      await client.tasks.kill(id, SIGKILL, { all: true }).catch(() => undefined);
      return;
    }
    await client.tasks.kill(id, signal).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  };
  if (o.frozen) {
    await kill(SIGKILL);
    await client.tasks.resume(id).catch(() => undefined);
    return;
  }
  await kill(o.signal);
  if (o.timeout < 0) return;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), o.timeout * 1000)));
  const first = await Promise.race([o.waited.then(() => 'exited' as const), expired]);
  clearTimeout(timer);
  if (first === 'timeout') await kill(SIGKILL);
}

export async function stopContainer(ctx: RuntimeContext, found: Found, opts: StopOptions): Promise<void> {
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (!task || task.status === 'STOPPED') {
    // Waiting out the restart back-off: a stop cancels the restart. The hook restarts under the same
    // lock, so either it sees this or the task is running by now and is stopped below.
    const cancelled = await withLock(found.files.dir, async () => {
      const waiting = await found.files.readState();
      if (waiting.status !== 'restarting') {
        const now = await getTask(client, found.id);
        if (now && now.status !== 'STOPPED') return false;
        // Exited, but the hook may not have decided on a restart yet (it decides under this lock):
        // the mark makes it leave the container down. The next start clears it.
        waiting.stoppedByUser = true;
        await found.files.writeState(waiting);
        return true;
      }
      waiting.stoppedByUser = true;
      waiting.status = 'exited';
      await found.files.writeState(waiting);
      return true;
    });
    if (cancelled) {
      await finalizeExit(ctx, found);
      return;
    }
    return stopContainer(ctx, found, opts);
  }
  // Under the lock: a restart-policy start in progress holds it and writes stoppedByUser=false; this
  // write must come after it, or the container would be restarted once more after this stop.
  await found.files.updateState((state) => {
    state.stoppedByUser = true;
  });

  const signal = parseSignal(opts.signal ?? found.record.stopSignal ?? 'SIGTERM');
  const timeout = opts.timeout ?? found.record.stopTimeout ?? 10;
  const waited = client.tasks.wait(found.id).catch((err) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
  await signalThenKill(ctx, found.id, found.record, {
    frozen: task.status === 'PAUSED',
    signal,
    timeout,
    waited,
  });
  await waited;
  await finalizeExit(ctx, found);
  await recordEvent(ctx, found.record, 'stop');
}
