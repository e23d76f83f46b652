/**
 * `pause`: containerd's task Pause, i.e. the cgroup freezer. No state is recorded (ps and inspect
 * read the task's PAUSED status from containerd: liveState), only the event.
 */
import type { RuntimeContext } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';
import { getTask, type Found } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';

export async function pauseOne(ctx: RuntimeContext, found: Found): Promise<void> {
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (task?.status === 'PAUSED' || task?.status === 'PAUSING')
    throw new ConflictError(`Error response from daemon: Container ${found.id} is already paused`);
  if (!task || task.status !== 'RUNNING')
    throw new ConflictError(`Error response from daemon: Container ${found.id} is not running`);
  await client.tasks.pause(found.id);
  await recordEvent(ctx, found.record, 'pause');
}

export function pauseContainers(ctx: RuntimeContext, refs: string[]): Promise<void> {
  return printDone(
    ctx,
    forEachContainer(ctx, refs, (f) => pauseOne(ctx, f)),
  );
}
