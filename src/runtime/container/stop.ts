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
  if (task.status === 'PAUSED') {
    // A frozen process cannot act on SIGTERM: like Docker, go straight to SIGKILL and thaw.
    await recordEvent(ctx, found.record, 'kill', { signal: String(SIGKILL) });
    await client.tasks.kill(found.id, SIGKILL, { all: true }).catch(() => undefined);
    await client.tasks.resume(found.id).catch(() => undefined);
  } else {
    await recordEvent(ctx, found.record, 'kill', { signal: String(signal) });
    await client.tasks.kill(found.id, signal).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
    if (timeout >= 0) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeout * 1000)));
      const first = await Promise.race([waited.then(() => 'exited' as const), expired]);
      clearTimeout(timer);
      if (first === 'timeout') {
        await recordEvent(ctx, found.record, 'kill', { signal: String(SIGKILL) });
        await client.tasks.kill(found.id, SIGKILL, { all: true }).catch(() => undefined);
      }
    }
  }
  await waited;
  await finalizeExit(ctx, found);
  await recordEvent(ctx, found.record, 'stop');
}
