/** `unpause`: containerd's task Resume (the cgroup freezer thawed); only the event is recorded. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { getTask, type Found } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';

export async function unpauseOne(ctx: RuntimeContext, found: Found): Promise<void> {
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (task?.status !== 'PAUSED' && task?.status !== 'PAUSING')
    throw new ConflictError(`Error response from daemon: Container ${found.id} is not paused`);
  await client.tasks.resume(found.id);
  await recordEvent(ctx, found.record, 'unpause');
}

export function unpauseContainers(ctx: RuntimeContext, refs: string[]): Promise<void> {
  return printDone(
    ctx,
    forEachContainer(ctx, refs, (f) => unpauseOne(ctx, f)),
  );
}
