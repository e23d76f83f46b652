/** `kill`: a signal (default SIGKILL) to each running container, in parallel. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { recordEvent } from '../../events/record.js';
import { parseSignal, SIGKILL } from '../../opts/signals.js';
import { getTask, type Found } from '../../container/store.js';
import { killForeign } from '../../container/foreign-task.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';

export function killContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: { signal?: string },
): Promise<void> {
  const killed = forEachContainer(ctx, refs, (f) => killContainer(ctx, f, opts), {
    parallel: true,
    foreign: (f) => killForeign(ctx, f, opts),
  });
  return printDone(ctx, killed);
}

export async function killContainer(
  ctx: RuntimeContext,
  found: Found,
  opts: { signal?: string },
): Promise<void> {
  const client = await ctx.client();
  const signal = parseSignal(opts.signal ?? 'KILL');
  const task = await getTask(client, found.id);
  if (!task || (task.status !== 'RUNNING' && task.status !== 'PAUSED')) {
    let cancelled = false;
    await found.files.updateState((waiting) => {
      if (waiting.status !== 'restarting') return;
      // Docker: killing a container in its restart back-off cancels the restart.
      waiting.stoppedByUser = true;
      waiting.status = 'exited';
      cancelled = true;
    });
    if (cancelled) return;
    throw new ConflictError(
      `Error response from daemon: cannot kill container: ${found.record.name}: container ${found.id} is not running`,
    );
  }
  // moby marks any `kill` as a manual stop, so restart policies leave the container down.
  await found.files.updateState((state) => {
    state.stoppedByUser = true;
  });
  await recordEvent(ctx, found.record, 'kill', { signal: String(signal) });
  await client.tasks.kill(found.id, signal, { all: signal === SIGKILL });
  // A frozen process gets its signal only when thawed (moby resumes after a kill, too).
  if (task.status === 'PAUSED' && signal === SIGKILL)
    await client.tasks.resume(found.id).catch(() => undefined);
}
